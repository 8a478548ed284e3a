"""Learning-rate sweeps: one config at many rates, loss against lr in one answer."""

from typing import Annotated

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from ..config import Finite, JobConfig, Strict
from ..sweeps import MAX_RATES, sweep
from .errors import BAD_BODY, FOREIGN_ORIGIN, TOO_LARGE

router = APIRouter(prefix="/api", tags=["sweeps"])

Rate = Annotated[Finite, Field(gt=0, le=100)]


class Sweep(Strict):
    config: JobConfig = Field(default_factory=JobConfig, description="the run; its lr is replaced")
    lrs: list[Rate] = Field(min_length=1, max_length=MAX_RATES, description="the rates to try")


@router.post("/sweeps", responses={**FOREIGN_ORIGIN, **TOO_LARGE, **BAD_BODY})
async def create_sweep(body: Sweep) -> dict:
    """Train the config once per rate (a capped number of updates in all) and answer each run's
    outcome: status, epochs, final loss, w and b."""
    results = await run_in_threadpool(sweep, body.config, body.lrs)
    return {"results": results}
