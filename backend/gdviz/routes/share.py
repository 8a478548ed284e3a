"""Sharing a run: the link students open to follow it live, and its QR code (made here, as SVG)."""

import io

import segno
from fastapi import APIRouter, Request

from ..cli import lan_address
from .errors import NO_JOB
from .jobs import JobDep
from .rooms import NO_ROOM, RoomCode

router = APIRouter(prefix="/api", tags=["share"])

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def qr_svg(text: str) -> str:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, dark="#000", light="#fff"
    )
    return buffer.getvalue().decode()


def share_base(request: Request) -> str:
    """The origin students can reach: when the server listens on all interfaces and the teacher's
    page is on localhost, the machine's LAN address; ``GDVIZ_PUBLIC_URL`` overrides it."""
    settings = request.app.state.settings
    base = f"{request.url.scheme}://{request.url.netloc}"
    listens_everywhere = settings.host in ("0.0.0.0", "::")
    if settings.public_url:  # inside a container only the operator knows the reachable address
        base = settings.public_url.rstrip("/")
    elif listens_everywhere and request.url.hostname in LOOPBACK and (lan := lan_address()):
        base = f"{request.url.scheme}://{lan}:{request.url.port or 80}"
    return base


@router.get("/jobs/{job_id}/share", responses=NO_JOB)
def share_job(job: JobDep, request: Request) -> dict:
    """A follow-along link to this job (`/?job=<id>`) and its QR code as inline SVG."""
    url = f"{share_base(request)}/?job={job.id}"
    return {"url": url, "qr_svg": qr_svg(url)}


@router.get("/rooms/{code}/share", responses=NO_ROOM, tags=["rooms"])
def share_room(code: RoomCode, request: Request) -> dict:
    """The link students open to join the class (`/?room=<code>`) and its QR code as inline SVG."""
    url = f"{share_base(request)}/?room={code}"
    return {"url": url, "qr_svg": qr_svg(url)}
