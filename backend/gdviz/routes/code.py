"""A job as a standalone PyTorch script."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ..codegen import generate
from .deps import JobDep
from .errors import NO_JOB

router = APIRouter(prefix="/api", tags=["jobs"])


@router.get(
    "/jobs/{job_id}/code",
    response_model=None,
    responses={
        200: {
            "content": {"text/x-python": {}},
            "description": "the script (JSON with format=json)",
        },
        **NO_JOB,
    },
)
async def read_code(
    job: JobDep,
    format: Annotated[
        Literal["py", "json"], Query(description="py: the script; json: {script, filename, phases}")
    ] = "py",
) -> Response | dict:
    """The job as a Python script (torch only) that prints the job's epoch rows as CSV."""
    changes = await job.achanges()
    code = await run_in_threadpool(generate, job.id, job.config, job.data, changes)
    if format == "json":
        return {"script": code.script, "filename": code.filename, "phases": code.phases}
    return Response(
        code.script,
        media_type="text/x-python",
        headers={"Content-Disposition": f'inline; filename="{code.filename}"'},
    )
