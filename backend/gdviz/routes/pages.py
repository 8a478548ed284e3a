"""The page: ``/`` itself, its files under ``/static``, and Plotly from the installed package."""

from pathlib import Path

import plotly
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/", response_class=FileResponse)
def index(request: Request) -> FileResponse:
    return FileResponse(
        request.app.state.frontend / "index.html",
        media_type="text/html",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/vendor/plotly.min.js", response_class=FileResponse)
def plotly_js() -> FileResponse:
    return FileResponse(
        PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


def mount_static(app: FastAPI, frontend: Path) -> None:
    """Under a prefix, not at ``/``: a mount at the root would swallow other methods on API paths."""
    app.mount("/static", StaticFiles(directory=frontend), name="static")
