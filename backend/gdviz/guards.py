"""What every request passes before a route sees it: the Host it names, the Origin of a change, and
the size of its body — and the ``Allow`` header of a 405.

- **Host** (DNS rebinding): a page on another site whose name is made to resolve to this machine
  sends that name as ``Host``. Bound to a loopback address, only loopback names are answered;
  bound to every interface, the machine's own names and addresses (or ``GDVIZ_ALLOWED_HOSTS``).
- **Origin**: a page on another origin can POST a form or a file without a preflight. A state-
  changing request (POST, PUT, PATCH, DELETE) whose ``Origin`` is not this server is refused.
  Requests without an ``Origin`` (curl, scripts, same-origin GETs) pass.
- **Body size**: refused with 413 by its ``Content-Length`` before a byte is read, or as soon as a
  streamed body goes over, so no body is ever parsed whole when it is too large.
"""

import contextlib
import ipaddress
import json
import socket
from functools import cache
from urllib.parse import urlsplit

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .network import lan_address
from .settings import Settings

BODY_LIMIT = 1024 * 1024  # any body but an upload: a job with 10,000 inline points is ~0.5 MB
MULTIPART_OVERHEAD = 64 * 1024  # an upload's form around its file
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXCERPT_CHARS = 80  # of a refused input, echoed in an error


EXCERPT_ITEMS = 100  # a longer list (or object) is told by its number of items, not written out


def excerpt(value: object) -> object:
    """A refused input as an error may echo it: itself if short, else its start and its length."""
    if isinstance(value, list | dict) and len(value) > EXCERPT_ITEMS:
        items = list(value)[:EXCERPT_ITEMS] if isinstance(value, dict) else value[:EXCERPT_ITEMS]
        start = json.dumps(items, default=str)[:EXCERPT_CHARS]
        return f"{start}… ({len(value):,} items)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= EXCERPT_CHARS:
        return value
    return f"{text[:EXCERPT_CHARS]}… ({len(text)} characters)"


def host_name(host: str) -> str:
    """``example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``::1``; lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """``localhost``, ``::1`` or any address of 127.0.0.0/8 (not a name that starts with 127.)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cache
def machine_names() -> frozenset[str]:
    """This machine's host names and addresses, as students on its network may type them."""
    hostname = socket.gethostname()
    names = {hostname, f"{hostname}.local"}
    with contextlib.suppress(OSError):  # from /etc/hosts as a rule: no network lookup
        names.update(str(info[4][0]) for info in socket.getaddrinfo(hostname, None))
    if lan := lan_address():
        names.add(lan)
    return frozenset(n.lower() for n in names if n)


def allowed_hosts(settings: Settings) -> frozenset[str] | None:
    """The host names this server answers to (None: any)."""
    return _allowed_hosts(settings.host, settings.allowed_hosts, settings.public_url)


@cache
def _allowed_hosts(host: str, allowed: str, public_url: str | None) -> frozenset[str] | None:
    listed = {h.strip().lower() for h in allowed.split(",") if h.strip()}
    if "*" in listed:
        return None
    if public_url and (public := urlsplit(public_url).hostname):
        listed.add(public.lower())
    bound = host_name(host)
    if is_loopback(bound):
        return LOOPBACK_NAMES | listed
    if bound in ("0.0.0.0", "::"):
        return LOOPBACK_NAMES | (listed or machine_names())
    return LOOPBACK_NAMES | listed | {bound}


def body_limit(method: str, path: str, settings: Settings) -> tuple[int, list[str], str]:
    """The largest body a request may send, the field an error names, and what sets the limit."""
    if method == "POST" and path.rstrip("/") == "/api/datasets":
        return settings.upload_max_bytes + MULTIPART_OVERHEAD, ["body", "file"], "the limit"
    if method in ("PUT", "POST") and (
        path.rstrip("/") == "/api/lessons/check"
        or (path.startswith("/api/rooms/") and path.rstrip("/").endswith("/lesson"))
    ):  # a whole lesson, its words in two languages
        return settings.lesson_max_bytes, ["body"], "GDVIZ_LESSON_MAX_BYTES"
    if path.startswith("/api/rooms"):  # questions, answers, names: small by nature
        return settings.room_max_body_bytes, ["body"], "GDVIZ_ROOM_MAX_BODY_BYTES"
    return BODY_LIMIT, ["body"], "the limit"


def too_large(limit: int, loc: list[str], why: str) -> list[dict[str, object]]:
    msg = f"request body larger than {limit} bytes ({why})"
    return [{"loc": loc, "msg": msg, "type": "value_error"}]


class Guard:
    """ASGI middleware: checks Host, Origin and body size, and completes the ``Allow`` of 405s."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        allowed = allowed_hosts(self.settings)
        name = host_name(host)
        if allowed is not None and name not in allowed and not is_loopback(name):
            return await answer(send, 400, f"host {host[:100]!r} is not a name of this server")
        method = scope["method"]
        origin = headers.get("origin")
        if (
            method in CHANGES
            and origin is not None
            and urlsplit(origin).netloc.lower() != host.lower()
        ):
            return await answer(send, 403, f"cross-origin request from {origin[:100]!r} refused")

        limit, loc, why = body_limit(method, scope["path"], self.settings)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await answer(send, 413, too_large(limit, loc, why))
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # FastAPI answers an HTTPException from here as it is
                    raise HTTPException(413, detail=too_large(limit, loc, why))
            return message

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                message = {**message, "headers": with_allow(message["headers"], scope)}
            await send(message)

        await self.app(scope, limited_receive, send_with_allow)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def with_allow(headers: list[tuple[bytes, bytes]], scope: Scope) -> list[tuple[bytes, bytes]]:
    """The methods some route takes on the path: Starlette names only those of the first it tried."""
    routes = scope["app"].router.routes
    methods = [
        method
        for method in METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    others = [(k, v) for k, v in headers if k.lower() != b"allow"]
    return [*others, (b"allow", ", ".join(methods).encode())]


async def answer(send: Send, status: int, detail: str | list[dict[str, object]]) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
