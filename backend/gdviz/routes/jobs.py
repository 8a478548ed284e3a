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
from ..models.landscape import lowest_in_slice, pick_slice, slice_grid, slice_window
from ..models.plane import PlaneKind, Through
from ..payloads import Change, Done, Epoch, JobState, LeastSquares, Meta, Minimum, Status
from ..store.protocols import JobHandle, NoAnswer
from ..surface import Stopped, WindowError
from .deps import JobDep, Jobs, LastEventId, event_id
from .plane import PlaneSurface, plane_surface
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


class SliceInfo(TypedDict):
    axes: list[str]  # the parameters along x and y
    fixed: dict[str, float]  # the others, at these values
    at_epoch: int | None  # their values after this epoch (0: the start), or None when given
    lowest: dict[str, float] | None  # the slice's own lowest point {x, y, loss}, where exact


class Surface(BaseModel):
    x: list[float]  # the first axis's values (columns)
    y: list[float]  # the second axis's values (rows)
    w: list[float] | None  # = x, for a model with (w, b) drawn over (w, b)
    b: list[float] | None  # = y, likewise
    loss: list[list[float]]  # rows follow y, columns follow x (Plotly's z)
    slice: SliceInfo
    least_squares: LeastSquares | None
    minimum: Minimum  # the run's own loss's lowest point: least squares for mse
    window: dict[str, float]  # x_min, x_max, y_min, y_max (and w_min … b_max over (w, b))
    loss_name: Loss
    points: int  # the points the loss is averaged over: n, or a sample for mae / huber / bce
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
Param = Annotated[str | None, Query(max_length=16, description="a name from meta.param_names")]


@router.get("/jobs/{job_id}/surface", response_model=Surface | PlaneSurface, responses=NO_JOB)
async def read_surface(
    request: Request,
    job: JobDep,
    w_min: Bound = None,
    w_max: Bound = None,
    b_min: Bound = None,
    b_max: Bound = None,
    resolution: Annotated[int | None, Query(ge=2, le=200, description="80; 41 on a plane")] = None,
    x_param: Param = None,
    y_param: Param = None,
    x_min: Bound = None,
    x_max: Bound = None,
    y_min: Bound = None,
    y_max: Bound = None,
    at_epoch: Annotated[int | None, Query(ge=0, le=10**6)] = None,
    at: Annotated[str | None, Query(max_length=400)] = None,
    plane: Annotated[PlaneKind | None, Query(description="pca or random")] = None,
    through: Annotated[
        Through | None, Query(description="a plane's origin: final or start")
    ] = None,
) -> dict[str, Any]:
    """The loss over a grid of two parameters, the others fixed (rows follow y, columns follow
    x): (w, b) by default, or a slice through a polynomial's coefficients. With ``plane``, for a
    model of more than two parameters: the loss over a plane through its final parameters, the
    path projected on it (PlaneSurface)."""
    if plane is not None:
        return await plane_surface(request, job, plane, resolution, through or "final")
    if through is not None:
        detail = [{"loc": ["query", "through"], "msg": "only with plane", "type": "value_error"}]
        raise HTTPException(422, detail=detail)
    resolution = 80 if resolution is None else resolution
    setup, meta, config = job.setup, job.meta, job.config
    if meta["n"] == 0:
        raise HTTPException(404, detail=f"run {job.id} sent no data: it has no landscape")
    model, start = setup.definition, meta["start_params"]

    # the epochs so far, from wherever the job keeps them (this process, or Redis)
    records = (await run_in_threadpool(job.summary))["history"] if at_epoch else []
    try:
        cut = pick_slice(model, x_param, y_param, at_epoch, at, start, lambda: records)
        axes = (model.names[cut.axes[0]], model.names[cut.axes[1]])
        legacy = (w_min, w_max, b_min, b_max)
        generic = (x_min, x_max, y_min, y_max)
        if any(v is not None for v in legacy):
            if axes != ("w", "b"):
                raise WindowError("w_min", "only for a (w, b) grid: use x_min, x_max, y_min, y_max")
            if any(v is not None for v in generic):
                raise WindowError("x_min", "give w_min … b_max or x_min … y_max, not both")
        ls, minimum = meta["least_squares"], meta["minimum"]
        anchor = (ls or minimum)["params"]
        if axes == ("w", "b") and any(v is not None for v in legacy):
            box = slice_window(legacy, anchor, cut.through, start, cut.axes, ("w", "b"))
        else:
            box = slice_window(generic, anchor, cut.through, start, cut.axes)
    except WindowError as exc:
        detail = [{"loc": ["query", exc.field], "msg": exc.msg, "type": "value_error"}]
        raise HTTPException(422, detail=detail) from None
    data = setup.data
    stop = threading.Event()
    work = asyncio.ensure_future(
        run_in_threadpool(slice_grid, model, data, config, cut, box, resolution, stop)
    )
    while not work.done():  # a client that leaves stops the work (mae / huber on many points)
        await asyncio.wait([work], timeout=0.05)
        if not work.done() and await request.is_disconnected():
            stop.set()
            with contextlib.suppress(Stopped):
                await work
            raise HTTPException(499, detail="the client closed the request")  # nobody reads it
    xs, ys, loss = work.result()
    n = meta["n"]
    points = model.points_summed(data, config, resolution**2)
    window = {"x_min": box["x_min"], "x_max": box["x_max"], "y_min": box["y_min"]}
    window["y_max"] = box["y_max"]
    if axes == ("w", "b"):  # the (w, b) names too, as the page reads them
        window |= {"w_min": box["x_min"], "w_max": box["x_max"]}
        window |= {"b_min": box["y_min"], "b_max": box["y_max"]}
    lowest = await run_in_threadpool(lowest_in_slice, model, data, config, cut)
    return {
        "x": xs,
        "y": ys,
        "w": xs if axes == ("w", "b") else None,
        "b": ys if axes == ("w", "b") else None,
        "loss": loss,
        "slice": {
            "axes": list(axes),
            "fixed": {
                name: value
                for k, (name, value) in enumerate(zip(model.names, cut.through, strict=True))
                if k not in cut.axes
            },
            "at_epoch": cut.at_epoch,
            "lowest": lowest,
        },
        "least_squares": ls,
        "minimum": minimum,
        "window": window,
        "loss_name": config.loss,
        "points": points,
        "note": None
        if points == n
        else f"{config.loss} over {points:,} evenly spaced points of {n:,}",
    }
