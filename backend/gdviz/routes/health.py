"""Liveness, for probes and for the tests' wait-until-up."""

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from ..store.protocols import JobCounts
from ..version import __version__
from .deps import Jobs
from .responses import Guarded, Message

router = APIRouter(prefix="/api", tags=["health"], route_class=Guarded)


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    jobs: JobCounts


@router.get(
    "/health",
    response_model=Health,
    responses={
        503: {
            "model": Message,
            "description": "jobs cannot be made now: the reason (Redis unreachable)",
        }
    },
)
async def health(jobs: Jobs) -> dict[str, object]:
    """Liveness, with how many jobs are running and queued; 503 with the reason when jobs cannot
    be made now (the Redis store is unreachable)."""
    problem = await jobs.problem()
    if problem is not None:
        raise HTTPException(503, detail=f"unavailable: {problem}")
    return {"status": "ok", "version": __version__, "jobs": await jobs.counts()}
