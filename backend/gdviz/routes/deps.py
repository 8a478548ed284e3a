"""The dependencies routes share, as ``Annotated`` aliases.

They are ``async``: FastAPI runs a plain ``def`` in a worker thread, and that hop costs more than
the work when a whole class connects at once.
"""

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..jobs import Job, JobManager
from ..settings import Settings


async def get_manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.jobs
    return manager


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Manager = Annotated[JobManager, Depends(get_manager)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_job(job_id: str, manager: Manager) -> Job:
    """Resolved before any response starts, so an unknown id is a clean 404 — also for the stream."""
    job = await manager.aget(job_id)
    if job is None:
        raise HTTPException(
            404,
            detail=f"no job '{job_id[:40]}': it never existed or was forgotten (finished jobs expire)",
        )
    return job


JobDep = Annotated[Job, Depends(get_job)]
