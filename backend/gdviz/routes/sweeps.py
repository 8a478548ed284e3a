"""Learning-rate sweeps: one config at many rates, loss against lr in one answer."""

import asyncio
import contextlib
import threading
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ..config import Finite, JobConfig, Strict
from ..sweeps import MAX_RATES, Stopped, SweepResult, sweep
from .deps import Uploads
from .responses import BAD_BODY, TOO_LARGE, Guarded

router = APIRouter(prefix="/api", tags=["sweeps"], route_class=Guarded)

Rate = Annotated[Finite, Field(gt=0, le=100)]


class Sweep(Strict):
    config: JobConfig = Field(default_factory=JobConfig, description="the run; its lr is replaced")
    lrs: list[Rate] = Field(min_length=1, max_length=MAX_RATES, description="the rates to try")


class SweepResults(BaseModel):
    results: list[SweepResult]  # one per rate, in order


@router.post("/sweeps", response_model=SweepResults, responses={**TOO_LARGE, **BAD_BODY})
async def create_sweep(request: Request, body: Sweep, uploads: Uploads) -> SweepResults:
    """Train the config once per rate (a capped amount of work in all: updates, and the points
    they go over) and answer each run's outcome: status, epochs, final loss, w and b."""
    stop = threading.Event()
    work = asyncio.ensure_future(run_in_threadpool(sweep, body.config, body.lrs, uploads, stop))
    while not work.done():  # a client that leaves stops the sweep
        await asyncio.wait([work], timeout=0.1)
        if not work.done() and await request.is_disconnected():
            stop.set()
            with contextlib.suppress(Stopped):
                await work
            raise HTTPException(499, detail="the client closed the request")  # nobody reads it
    return SweepResults(results=work.result())
