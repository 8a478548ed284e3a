"""Sharing a run: the link students open to follow it live, and its QR code (made here, as SVG)."""

import io

import segno
from fastapi import APIRouter, Request
from pydantic import BaseModel

from ..network import share_base
from .deps import JobDep, RoomCode, SettingsDep
from .responses import NO_JOB, NO_ROOM, Guarded

router = APIRouter(prefix="/api", tags=["share"], route_class=Guarded)


class ShareLink(BaseModel):
    url: str
    qr_svg: str  # inline SVG


def qr_svg(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, dark="#000", light="#fff"
    )
    return buffer.getvalue().decode()


@router.get("/jobs/{job_id}/share", response_model=ShareLink, responses=NO_JOB)
def share_job(job: JobDep, settings: SettingsDep, request: Request) -> ShareLink:
    """A follow-along link to this job (`/?job=<id>`) and its QR code as inline SVG.

    When the server listens on all interfaces and the teacher's page is on localhost, the link uses
    the machine's LAN address, the one students can reach; ``GDVIZ_PUBLIC_URL`` overrides it.
    """
    url = f"{share_base(settings, str(request.url))}/?job={job.id}"
    return ShareLink(url=url, qr_svg=qr_svg(url))


@router.get("/rooms/{code}/share", response_model=ShareLink, responses=NO_ROOM, tags=["rooms"])
def share_room(code: RoomCode, settings: SettingsDep, request: Request) -> ShareLink:
    """The link students open to join the class (`/?room=<code>`) and its QR code as inline SVG."""
    url = f"{share_base(settings, str(request.url))}/?room={code}"
    return ShareLink(url=url, qr_svg=qr_svg(url))
