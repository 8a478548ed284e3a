"""Liveness, for probes and for the tests' wait-until-up."""

from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from typing_extensions import TypedDict

from .. import __version__
from .deps import Manager

router = APIRouter(prefix="/api", tags=["health"])


class JobCounts(TypedDict):
    running: int
    queued: int
    kept: int  # every job the server still holds, finished ones included


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    jobs: JobCounts


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"description": "jobs cannot be made now: the reason (Redis unreachable)"}},
)
async def health(manager: Manager) -> dict[str, object]:
    """Liveness, with how many jobs are running and queued; 503 with the reason when jobs cannot
    be made now (the Redis store is unreachable)."""
    problem = await manager.aproblem()
    if problem is not None:
        raise HTTPException(503, detail=f"unavailable: {problem}")
    return {"status": "ok", "version": __version__, "jobs": await manager.acounts()}
