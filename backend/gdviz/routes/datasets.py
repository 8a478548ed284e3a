"""Data sets: the built-in ones, and CSV uploads."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool

from .. import data
from ..uploads import UploadError, parse_csv, uploads
from .errors import BAD_BODY, FOREIGN_ORIGIN, TOO_LARGE

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


@router.get("")
def list_datasets() -> dict:
    """The built-in data sets, with their source and licence."""
    out = []
    for name, entry in data.catalog().items():
        x, _ = data._builtin_columns(name)
        out.append({**{k: v for k, v in entry.items() if k != "file"}, "n": x.shape[0]})
    return {"builtin": out}


@router.post("", status_code=201, responses={**TOO_LARGE, **BAD_BODY, **FOREIGN_ORIGIN})
async def upload_dataset(
    request: Request,
    file: Annotated[
        UploadFile, File(description="CSV with a header row; ≤ 5 MB and ≤ 10⁶ rows by default")
    ],
) -> dict:
    """Upload a CSV; jobs then pick its x and y columns by name."""
    settings = request.app.state.settings
    raw = await file.read(settings.upload_max_bytes + 1)
    if len(raw) > settings.upload_max_bytes:
        raise UploadError(413, f"file: larger than {settings.upload_max_bytes} bytes (the limit)")
    table = await run_in_threadpool(
        parse_csv, raw, file.filename or "upload.csv", settings.upload_max_rows
    )
    uploads.add(table)
    return table.summary()
