"""Data sets: the built-in ones, and CSV uploads."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from typing_extensions import TypedDict

from .. import data
from ..uploads import UploadSummary, accept
from .deps import SettingsDep, Uploads
from .responses import BAD_BODY, TOO_LARGE, Guarded

router = APIRouter(prefix="/api/datasets", tags=["datasets"], route_class=Guarded)


class BuiltinDataset(TypedDict):
    name: str
    title: str
    n: int
    x: str  # the columns the set trains on
    y: str
    x_label: str
    y_label: str
    description: str
    source: str
    licence: str


class Datasets(BaseModel):
    builtin: list[BuiltinDataset]


@router.get("", response_model=Datasets)
def list_datasets() -> dict[str, object]:
    """The built-in data sets, with their source and licence."""
    out = []
    for name, entry in data.catalog().items():
        x, _ = data.builtin_columns(name)
        out.append({**{k: v for k, v in entry.items() if k != "file"}, "n": x.shape[0]})
    return {"builtin": out}


@router.post(
    "",
    status_code=201,
    response_model=UploadSummary,
    responses={**TOO_LARGE, **BAD_BODY},
)
async def upload_dataset(
    settings: SettingsDep,
    uploads: Uploads,
    file: Annotated[
        UploadFile, File(description="CSV with a header row; ≤ 5 MB and ≤ 10⁶ rows by default")
    ],
) -> UploadSummary:
    """Upload a CSV; jobs then pick its x and y columns by name."""
    raw = await file.read(settings.upload_max_bytes + 1)  # one byte over is enough to refuse it
    table = await run_in_threadpool(accept, raw, file.filename or "upload.csv", settings, uploads)
    return table.summary()
