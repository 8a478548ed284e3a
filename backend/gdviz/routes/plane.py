"""GET /api/jobs/{id}/surface?plane=pca|random: the loss over a plane through the final parameters
of a model of more than two parameters (``gdviz.models.plane``), computed off the event loop and
kept with the job's data, one per plane, until the path grows."""

import asyncio
import contextlib
import threading
from typing import Any, Literal, cast

import torch
from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ..config import Loss
from ..models.base import MAX_EVENT_PARAMS
from ..models.plane import Plane, PlaneKind, Through, plane_grid
from ..store.protocols import JobHandle
from ..surface import Stopped

PLANE_RESOLUTION = 41  # the default grid: 41 × 41


class PlaneSurface(BaseModel):
    plane: Literal["pca", "random"]
    through: Literal["final", "start"]  # the origin: the last epoch's parameters, or the start
    a: list[float]  # the first direction's coordinates (columns), odd-sized, centred on 0
    b: list[float]  # the second's (rows)
    z: list[list[float]]  # the loss: rows over b, columns over a
    path: list[list[float]]  # [a, b, off_plane] for each epoch in path_epochs
    path_epochs: list[int]  # 0 (the start), then every epoch whose event carries params
    explained: list[float] | None  # pca: the fractions of the path's variance on each axis
    origin_loss: float  # the loss at the origin: the parameters after the last epoch (or the start)
    epoch: int  # the path's last epoch (the final one once the job has ended)
    dims: int  # the model's parameters: the plane shows 2 of them
    # up to 64 parameters (as events carry them): θ_final and the two directions, so that a page
    # projects any path on this plane itself (another run's, in a race)
    origin: list[float] | None
    directions: list[list[float]] | None
    loss_name: Loss
    points: int  # the points the loss is averaged over: n, or a sample of them
    note: str | None  # says so when it is a sample


def refuse(field: str, msg: str) -> HTTPException:
    return HTTPException(422, detail=[{"loc": ["query", field], "msg": msg, "type": "value_error"}])


async def plane_surface(
    request: Request,
    job: JobHandle,
    plane: PlaneKind,
    resolution: int | None,
    through: Through = "final",
) -> dict[str, Any]:
    setup, meta, config = job.setup, job.meta, job.config
    model = setup.definition
    if model.size <= 2:
        raise refuse(
            "plane",
            f"for models of more than 2 parameters; {', '.join(model.names)} are drawn exactly "
            "without it",
        )
    size = PLANE_RESOLUTION if resolution is None else resolution
    if size % 2 == 0 or size < 5:
        raise refuse("resolution", "must be odd and at least 5 on a plane (centred on its origin)")
    records = (await run_in_threadpool(job.summary))["history"]
    carried = [r for r in records if "params" in r]
    epochs = [0, *(int(cast(int, r["epoch"])) for r in carried)]
    if plane == "pca" and len(epochs) < 2:
        raise refuse("plane", "pca needs the path of at least one epoch: use random until then")
    data = setup.data
    key = f"plane {plane} {through}"
    cached = data.cache.get(key)
    if cached is not None and cached[0] == (epochs[-1], size):
        found: Plane = cached[1]
    else:
        path = torch.tensor(
            [meta["start_params"], *(r["params"] for r in carried)], dtype=torch.float64
        )
        stop = threading.Event()
        work = asyncio.ensure_future(
            run_in_threadpool(plane_grid, model, data, config, path, plane, size, stop, through)
        )
        while not work.done():  # a client that leaves stops the work
            await asyncio.wait([work], timeout=0.05)
            if not work.done() and await request.is_disconnected():
                stop.set()
                with contextlib.suppress(Stopped):
                    await work
                raise HTTPException(499, detail="the client closed the request")
        found = work.result()
        data.cache[key] = ((epochs[-1], size), found)
    n = meta["n"]
    small = model.size <= MAX_EVENT_PARAMS
    points = model.points_summed(data, config, size**2)
    return {
        "plane": plane,
        "through": through,
        "a": found.a,
        "b": found.b,
        "z": found.z,
        "path": found.path,
        "path_epochs": epochs,
        "explained": found.explained,
        "origin_loss": found.origin_loss,
        "epoch": epochs[-1],
        "dims": model.size,
        "origin": found.origin if small else None,
        "directions": found.directions if small else None,
        "loss_name": config.loss,
        "points": points,
        "note": None
        if points == n
        else f"{config.loss} over {points:,} evenly spaced points of {n:,}",
    }
