"""A job as a standalone PyTorch script."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from ..codegen import generate
from .deps import JobDep, Uploads
from .responses import NO_JOB, Guarded

router = APIRouter(prefix="/api", tags=["jobs"], route_class=Guarded)


class Script(BaseModel):
    """The script with its name, and the lines of each phase of one update (``format=json``)."""

    script: str
    filename: str
    phases: dict[str, list[int]]  # phase -> 1-based line numbers


class PythonScript(PlainTextResponse):
    media_type = "text/x-python"


@router.get(
    "/jobs/{job_id}/code",
    response_model=Script,
    responses={
        200: {
            "content": {"text/x-python": {"schema": {"type": "string"}}},
            "description": "the script (format=py, the default), or, with format=json, the "
            "script, its file name and its phases' lines",
        },
        **NO_JOB,
    },
)
async def read_code(
    job: JobDep,
    uploads: Uploads,
    format: Annotated[
        Literal["py", "json"], Query(description="py: the script; json: {script, filename, phases}")
    ] = "py",
) -> Response | Script:
    """The job as a Python script (torch only) that prints the job's epoch rows as CSV."""
    if "watched" in job.meta:
        raise HTTPException(
            404, detail=f"run {job.id} is a watched loop: its code is its author's, not gdviz's"
        )
    changes = await job.changes()
    code = await run_in_threadpool(generate, job.id, job.config, job.setup.data, changes, uploads)
    if format == "json":
        return Script(script=code.script, filename=code.filename, phases=code.phases)
    return PythonScript(
        code.script, headers={"Content-Disposition": f'inline; filename="{code.filename}"'}
    )
