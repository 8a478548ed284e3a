"""Liveness, for probes and for the tests' wait-until-up."""

from typing import Literal

from fastapi import APIRouter
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


@router.get("/health", response_model=Health)
async def health(manager: Manager) -> dict[str, object]:
    """Liveness, with how many jobs are running and queued."""
    return {"status": "ok", "version": __version__, "jobs": manager.counts()}
