"""One stream for several jobs and the page's room: what a page with four compared runs in a
classroom opens instead of five."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from ..events import SHUTDOWN, EventLog, dumps, event_stream, gone
from ..multiplex import (
    MAX_JOBS,
    ROOM,
    StreamError,
    head,
    interleave,
    parse_jobs,
    parse_positions,
    positions,
)
from ..rooms import Snapshot, normal_code
from .deps import Jobs, Rooms
from .responses import NO_JOB, NO_ROOM, Guarded, event_stream as declared_stream
from .rooms import room_gone

router = APIRouter(prefix="/api", tags=["jobs"], route_class=Guarded)


class Stream:
    """The jobs (and room) of one stream, where it resumes each of them, and the room's snapshot
    when the stream starts the room afresh."""

    def __init__(
        self,
        logs: dict[str, EventLog],
        seen: dict[str, int],
        room: str | None = None,
        snapshot: Snapshot | None = None,
    ) -> None:
        self.logs, self.seen, self.room, self.snapshot = logs, seen, room, snapshot


async def get_stream(
    job_store: Jobs,
    rooms: Rooms,
    jobs: Annotated[
        str | None,
        Query(
            max_length=MAX_JOBS * 65,
            description=f"job ids separated by commas, at most {MAX_JOBS} (may be left out "
            "with a room)",
        ),
    ] = None,
    room: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=16,
            description="a classroom room's code: its events join the stream (key `room`)",
        ),
    ] = None,
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
        ids = parse_jobs(jobs, room=room is not None)
        keys = ids + ([ROOM] if room is not None else [])
        if last_event_id is not None:
            seen = parse_positions(last_event_id, keys, "last-event-id")
        else:
            seen = parse_positions(after or "", keys, "after")
    except StreamError as exc:
        where = "header" if exc.field == "last-event-id" else "query"
        raise HTTPException(
            422, detail=[{"loc": [where, exc.field], "msg": exc.msg, "type": "value_error"}]
        ) from None
    logs: dict[str, EventLog] = {}
    for job_id in ids:
        job = await job_store.get(job_id)
        if job is None:
            raise HTTPException(
                404,
                detail=f"jobs: no job '{job_id}': it never existed or was forgotten "
                "(finished jobs expire)",
            )
        logs[job_id] = job.log
    if room is None:
        return Stream(logs, seen)
    code = normal_code(room)
    await rooms.teacher_digest(code)  # 404 for a room never made, or expired
    logs[ROOM] = await rooms.log(code)
    snapshot = None
    if not seen[ROOM]:  # afresh: the whole state first, then the changes after it
        snapshot = await rooms.snapshot(code)
        seen[ROOM] = snapshot["last_event"]
    return Stream(logs, seen, code, snapshot)


@router.get(
    "/streams",
    response_class=EventSourceResponse,
    responses={
        **declared_stream("each job's events, headed by a `job` (or `from-room`) event"),
        **NO_JOB,
        **NO_ROOM,
    },
)
async def stream_jobs(stream: Annotated[Stream, Depends(get_stream)]) -> EventSourceResponse:
    """Server-sent events of several jobs (and a room) on one connection, each batch headed by a
    `job` (or `from-room`) event; resumable with Last-Event-ID."""
    shutdown = anyio.Event()  # set by sse-starlette when the server stops

    farewells = {job: gone(job) for job in stream.logs if job != ROOM}
    if stream.room is not None:
        farewells[ROOM] = room_gone(stream.room)

    async def events() -> AsyncIterator[bytes]:
        stop = asyncio.ensure_future(shutdown.wait())
        try:
            if stream.snapshot is not None:
                snapshot = ServerSentEvent(
                    data=dumps(stream.snapshot), event="room", id=str(stream.seen[ROOM])
                )
                yield head(ROOM, stream.room) + snapshot.encode() + positions(stream.seen)
            async for chunk in interleave(stream.logs, stream.seen, stop, stream.room, farewells):
                yield chunk
            if shutdown.is_set():
                yield SHUTDOWN  # so a client can tell a stopping server from a dropped network
        finally:
            stop.cancel()

    return event_stream(events(), shutdown)
