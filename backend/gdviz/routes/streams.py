"""One stream for several jobs: what a page with four compared runs opens instead of four."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Query
from sse_starlette import EventSourceResponse

from ..events import EventLog, event_stream
from ..multiplex import MAX_JOBS, StreamError, interleave, parse_jobs, parse_positions
from .deps import Manager
from .errors import NO_JOB

router = APIRouter(prefix="/api", tags=["jobs"])


class Stream:
    """The jobs of one stream and where it resumes each of them."""

    def __init__(self, logs: dict[str, EventLog], seen: dict[str, int]) -> None:
        self.logs, self.seen = logs, seen


async def get_stream(
    manager: Manager,
    jobs: Annotated[
        str,
        Query(
            max_length=MAX_JOBS * 65,
            description=f"job ids separated by commas, at most {MAX_JOBS}",
        ),
    ],
    after: Annotated[
        str | None,
        Query(
            max_length=MAX_JOBS * 80,
            description="resume after these positions, written as the stream's ids: "
            "`id=position` pairs joined by `.`; `Last-Event-ID` wins over it",
        ),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(max_length=MAX_JOBS * 80, description="resume after this id of the stream"),
    ] = None,
) -> Stream:
    """Resolved before any response starts: a bad query or an unknown job is a clean 4xx."""
    try:
        ids = parse_jobs(jobs)
        if last_event_id is not None:
            seen = parse_positions(last_event_id, ids, "last-event-id")
        else:
            seen = parse_positions(after or "", ids, "after")
    except StreamError as exc:
        where = "header" if exc.field == "last-event-id" else "query"
        raise HTTPException(
            422, detail=[{"loc": [where, exc.field], "msg": exc.msg, "type": "value_error"}]
        ) from None
    logs: dict[str, EventLog] = {}
    for job_id in ids:
        job = await manager.aget(job_id)
        if job is None:
            raise HTTPException(
                404,
                detail=f"jobs: no job '{job_id}': it never existed or was forgotten "
                "(finished jobs expire)",
            )
        logs[job_id] = job.log
    return Stream(logs, seen)


@router.get("/streams", response_class=EventSourceResponse, responses=NO_JOB)
async def stream_jobs(stream: Annotated[Stream, Depends(get_stream)]) -> EventSourceResponse:
    """Server-sent events of several jobs on one connection, each batch headed by a `job` event;
    resumable with Last-Event-ID."""
    shutdown = anyio.Event()  # set by sse-starlette when the server stops

    async def events() -> AsyncIterator[bytes]:
        stop = asyncio.ensure_future(shutdown.wait())
        try:
            async for chunk in interleave(stream.logs, stream.seen, stop):
                yield chunk
        finally:
            stop.cancel()

    return event_stream(events(), shutdown)
