"""Jobs: create, read, cancel, change, stream their events, and their loss surface."""

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sse_starlette import EventSourceResponse
from typing_extensions import TypedDict

from ..config import JobChange, JobConfig, Loss, check_change
from ..events import SHUTDOWN, event_stream, gone
from ..job import JobEnded
from ..payloads import Change, Done, Epoch, JobState, LeastSquares, Meta, Minimum, Status
from ..store.protocols import JobHandle, NoAnswer
from ..surface import Stopped, Window, WindowError, grid_over, sample_size, window
from .deps import JobDep, Jobs, LastEventId, event_id
from .responses import (
    BAD_BODY,
    FINISHED,
    NO_JOB,
    TOO_LARGE,
    TOO_MANY_JOBS,
    Guarded,
    event_stream as declared_stream,
)

router = APIRouter(prefix="/api", tags=["jobs"], route_class=Guarded)

# Quick handlers are ``async``: FastAPI runs a plain ``def`` in a worker thread, and that hop costs
# more than the work when a whole class connects at once.


class Links(TypedDict):
    self: str
    events: str
    surface: str
    code: str


class JobCreated(BaseModel):
    id: str
    status: Status
    links: Links


class JobSummary(BaseModel):
    id: str
    status: Status
    config: JobConfig
    meta: Meta
    done: Done | None
    epochs_done: int
    elapsed_s: float | None  # since it started training, on the server's clock
    links: Links


class JobDetail(JobSummary):
    history: list[Epoch]


class Surface(BaseModel):
    w: list[float]
    b: list[float]
    loss: list[list[float]]  # rows follow b, columns follow w (Plotly's z)
    least_squares: LeastSquares
    minimum: Minimum  # the run's own loss's lowest point: least squares for mse
    window: Window
    loss_name: Loss
    points: int  # the points the loss is averaged over: n, or a sample for mae / huber
    note: str | None  # says so when it is a sample


def links(job: JobHandle) -> Links:
    base = f"/api/jobs/{job.id}"
    return {
        "self": base,
        "events": f"{base}/events",
        "surface": f"{base}/surface",
        "code": f"{base}/code",
    }


def with_links(state: JobState, job: JobHandle) -> dict[str, Any]:
    return {**state, "links": links(job)}


@router.post(
    "/jobs",
    status_code=201,
    response_model=JobCreated,
    responses={**TOO_MANY_JOBS, **BAD_BODY, **TOO_LARGE},
)
async def create_job(config: JobConfig, jobs: Jobs) -> dict[str, Any]:
    """Start a training job; `{}` is the lesson's run."""
    job = await jobs.create(config)
    return {"id": job.id, "status": job.status, "links": links(job)}


@router.get("/jobs/{job_id}", response_model=JobDetail, responses=NO_JOB)
def read_job(job: JobDep) -> dict[str, Any]:
    """Status, config, meta and the history so far."""
    return with_links(job.summary(), job)  # in a worker thread: the history may be long


CANCEL_WAIT_S = 5.0  # a worker stops a running job within one step; this is far beyond it


@router.delete("/jobs/{job_id}", response_model=JobSummary, responses={**NO_JOB})
async def cancel_job(job: JobDep) -> dict[str, Any]:
    """Cancel a queued or running job and answer its state once the cancel took effect (a finished
    job stays as it is)."""
    await job.cancel()
    await job.wait_finished(CANCEL_WAIT_S)
    return with_links(await run_in_threadpool(job.summary, False), job)


@router.patch(
    "/jobs/{job_id}",
    response_model=Change,
    responses={**NO_JOB, **FINISHED, **TOO_LARGE, **BAD_BODY},
)
async def change_job(job: JobDep, change: JobChange) -> dict[str, Any]:
    """Change lr (or the optimizer's knobs) of a queued or running job from its next epoch on; the
    stream gets a `change` event at that epoch."""
    values = check_change(job.config, change)
    try:
        epoch = await job.change(values)
    except JobEnded as exc:
        raise HTTPException(409, detail=str(exc)) from None
    except NoAnswer as exc:
        raise HTTPException(503, detail=str(exc), headers={"Retry-After": "2"}) from None
    return {"epoch": epoch, **values}


@router.get(
    "/jobs/{job_id}/events",
    response_class=EventSourceResponse,
    responses={**declared_stream("meta, epoch (and step), change, then done"), **NO_JOB},
)
async def stream_events(
    job: JobDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """Server-sent events: meta, epoch (and step), then done; resumable with Last-Event-ID."""

    shutdown = anyio.Event()  # set by sse-starlette when the server stops
    log = job.log

    async def wake_on_shutdown() -> None:
        await shutdown.wait()
        log.wake_watchers()

    async def events() -> AsyncIterator[bytes]:
        waker = asyncio.create_task(wake_on_shutdown())  # one per stream, not one per wait
        seen = event_id(last_event_id)
        try:
            while not shutdown.is_set():
                batch = log.wire(seen)
                if batch:  # all that is new in one write: fifty watchers cost fifty writes, not 50 × events
                    yield b"".join(batch)
                    seen += len(batch)
                if log.ended and seen >= len(log):  # done sent, or resumed at or past it
                    if log.gone:  # the store lost it before its end
                        yield gone(job.id)
                    return
                await log.wait_beyond(seen)
            yield SHUTDOWN  # so a client can tell a stopping server from a dropped network
        finally:
            waker.cancel()

    return event_stream(events(), shutdown)


# wide enough for a diverging run's last finite points (a float32 loss overflows near |w| = 1e19)
Bound = Annotated[float | None, Query(ge=-1e30, le=1e30, allow_inf_nan=False)]


@router.get("/jobs/{job_id}/surface", response_model=Surface, responses=NO_JOB)
async def read_surface(
    request: Request,
    job: JobDep,
    w_min: Bound = None,
    w_max: Bound = None,
    b_min: Bound = None,
    b_max: Bound = None,
    resolution: Annotated[int, Query(ge=2, le=200)] = 80,
) -> dict[str, Any]:
    """The loss over a (w, b) grid (rows follow b, columns follow w) and the least-squares point."""
    setup, config = job.setup, job.config
    start = setup.start
    try:
        box = window(w_min, w_max, b_min, b_max, setup.least_squares, (start["w"], start["b"]))
    except WindowError as exc:
        detail = [{"loc": ["query", exc.field], "msg": exc.msg, "type": "value_error"}]
        raise HTTPException(422, detail=detail) from None
    stats = setup.stats
    stop = threading.Event()
    work = asyncio.ensure_future(
        run_in_threadpool(
            grid_over, setup.data, stats, config.loss, config.huber_delta, box, resolution, stop
        )
    )
    while not work.done():  # a client that leaves stops the work (mae / huber on many points)
        await asyncio.wait([work], timeout=0.05)
        if not work.done() and await request.is_disconnected():
            stop.set()
            with contextlib.suppress(Stopped):
                await work
            raise HTTPException(499, detail="the client closed the request")  # nobody reads it
    w, b, loss = work.result()
    points = stats.n if config.loss == "mse" else sample_size(stats.n, resolution**2)
    return {
        "w": w,
        "b": b,
        "loss": loss,
        "least_squares": job.meta["least_squares"],
        "minimum": job.meta["minimum"],
        "window": box,
        "loss_name": config.loss,
        "points": points,
        "note": None
        if points == stats.n
        else f"{config.loss} over {points:,} evenly spaced points of {stats.n:,}",
    }
