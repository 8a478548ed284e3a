"""Watched runs: a student's own loop (``gdviz.watch``) sends its epochs here, and everyone watches
it through the job's own paths (``/api/jobs/{id}``, its events, surface, page and share link)."""

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from typing_extensions import TypedDict

from ..payloads import Status
from ..rooms import digest, key_matches
from ..store.protocols import RunHandle
from ..watched import MAX_BATCH, RunBatch, RunEnd, RunError, RunSpec
from .deps import Credentials, Jobs
from .jobs import JobSummary, with_links
from .responses import BAD_BODY, TOO_LARGE, TOO_MANY_JOBS, FieldErrors, Guarded, Message


class Batches(Guarded):
    """A batch of epochs has more keys than any other body: up to six an epoch."""

    max_keys = 6 * MAX_BATCH + 10


router = APIRouter(prefix="/api", tags=["runs"], route_class=Batches)


class RunLinks(TypedDict):
    self: str  # the job's own: GET it, stream its events, its surface
    events: str
    surface: str
    page: str  # the page that shows it
    send: str  # POST its epochs here
    done: str  # POST its end here


class RunCreated(BaseModel):
    id: str
    token: str  # for Authorization: Bearer <token> on send and done; shown once
    links: RunLinks


class RunProgress(BaseModel):
    id: str
    status: Status
    epochs: int  # the epochs it has


LOOP_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"model": Message, "description": "No `Authorization: Bearer <token>`"},
    403: {"model": Message, "description": "The token is not this run's"},
    404: {"model": Message, "description": "No such watched run: never made, or forgotten"},
    409: {"model": Message, "description": "The run has ended: it takes nothing more"},
    422: {"model": FieldErrors, "description": "A field that does not fit, named"},
    429: {
        "model": Message,
        "description": f"More than the run's batches a second (each ≤ {MAX_BATCH} epochs)",
    },
}


def run_links(run_id: str) -> RunLinks:
    base = f"/api/jobs/{run_id}"
    return {
        "self": base,
        "events": f"{base}/events",
        "surface": f"{base}/surface",
        "page": f"/?job={run_id}",
        "send": f"/api/runs/{run_id}/events",
        "done": f"/api/runs/{run_id}/done",
    }


@router.post(
    "/runs",
    status_code=201,
    response_model=RunCreated,
    responses={**TOO_MANY_JOBS, **BAD_BODY, **TOO_LARGE},
)
async def create_run(spec: RunSpec, jobs: Jobs) -> dict[str, Any]:
    """Watch a loop of your own: its model, parameters and (optionally) data. The answer's token
    sends its epochs; anyone with its id watches it as a job."""
    token = secrets.token_urlsafe(24)
    run = await jobs.create_run(spec, digest(token))
    return {"id": run.id, "token": token, "links": run_links(run.id)}


async def writer(run_id: str, jobs: Jobs, credentials: Credentials) -> RunHandle:
    """The run, for its own loop only: checked before its body is read."""
    run = await jobs.get_run(run_id)
    if run is None:
        raise HTTPException(
            404, detail=f"no watched run '{run_id[:40]}': never made, or forgotten (runs expire)"
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            detail="send Authorization: Bearer <token>, the token POST /api/runs answered",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not key_matches(credentials.credentials, run.token_digest):
        raise HTTPException(403, detail="this token is not this run's")
    return run


Writer = Annotated[RunHandle, Depends(writer)]


def refused(exc: RunError) -> HTTPException:
    if exc.status == 422:
        item = {"loc": ["body", *exc.loc], "msg": exc.msg, "type": "value_error"}
        detail: Any = [item | ({"ctx": {"reason": exc.reason}} if exc.reason else {})]
        return HTTPException(422, detail=detail)
    headers = {"Retry-After": "1"} if exc.status == 429 else None
    return HTTPException(exc.status, detail=exc.msg, headers=headers)


@router.post(
    "/runs/{run_id}/events", response_model=RunProgress, responses={**LOOP_ONLY, **TOO_LARGE}
)
async def send_events(run: Writer, batch: RunBatch) -> dict[str, Any]:
    """Append epochs, in order, at most 1,000 at a time. An epoch whose loss or parameters are
    NaN or infinite ends the run as diverged (the epochs before it are kept)."""
    try:
        epochs, status = await run.add(batch.events)
    except RunError as exc:
        raise refused(exc) from None
    return {"id": run.id, "status": status, "epochs": epochs}


@router.post("/runs/{run_id}/done", response_model=JobSummary, responses=LOOP_ONLY)
async def end_run(
    run: Writer, jobs: Jobs, end: Annotated[RunEnd | None, Body()] = None
) -> dict[str, Any]:
    """The loop has ended: `completed`, or `failed` with why (an exception's message)."""
    end = end or RunEnd()
    try:
        await run.end(end.status, end.reason)
    except RunError as exc:
        raise refused(exc) from None
    job = await jobs.get(run.id)
    assert job is not None
    return with_links(await run_in_threadpool(job.summary, False), job)
