"""The answers routes declare for the OpenAPI schema (each route's ``responses=``): the errors the
API gives, and what is not JSON (event streams, scripts)."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import params
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from ..guards import CHANGES
from .bodies import MAX_COLONS, with_json_read

Responses = dict[int | str, dict[str, Any]]  # a route's ``responses=``


class Message(BaseModel):
    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class FieldErrors(BaseModel):
    """FastAPI's own validation error shape, which gdviz uses for every field it refuses."""

    detail: list[FieldError]


NO_JOB: Responses = {
    404: {
        "model": Message,
        "description": "No such job: it never existed or was forgotten (finished jobs expire)",
    }
}
TOO_MANY_JOBS: Responses = {
    429: {
        "model": Message,
        "description": "Too many jobs queued or running; retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"schema": {"type": "string"}}},
    }
}
TOO_LARGE: Responses = {
    413: {"model": FieldErrors, "description": "The body or file is over a size or row limit"}
}
BAD_BODY: Responses = {
    400: {"model": Message, "description": "The body could not be read (e.g. a malformed form)"}
}
FOREIGN_ORIGIN: Responses = {
    403: {"model": Message, "description": "Sent from a page on another origin (`Origin` header)"}
}
FINISHED: Responses = {
    409: {"model": Message, "description": "The job has ended: nothing left to change"},
    503: {
        "model": Message,
        "description": "On Redis: the job is between processes (taken over); try again shortly",
    },
}
NO_ROOM: Responses = {
    404: {"model": Message, "description": "No such room: never made, or expired"}
}
TEACHER: Responses = {
    401: {"model": Message, "description": "No `Authorization: Bearer <teacher_key>`"},
    403: {"model": Message, "description": "The teacher key is wrong"},
    **NO_ROOM,
}
BIG_BODY: Responses = {
    413: {"model": Message, "description": "The body is over GDVIZ_ROOM_MAX_BODY_BYTES"}
}


SSE_EVENT = {  # one event of a stream, as OpenAPI 3.2's ``itemSchema`` says it (FastAPI's own)
    "type": "object",
    "properties": {
        "data": {"type": "string"},  # JSON
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}


def event_stream(description: str) -> Responses:
    """A stream of server-sent events (``text/event-stream``), as its 200."""
    content = {"text/event-stream": {"itemSchema": SSE_EVENT}}
    return {200: {"content": content, "description": description}}


class Guarded(APIRoute):
    """A route of the API: a change (POST, PUT, PATCH, DELETE) passes the guard
    (``gdviz.guards``), which refuses one sent from a page on another origin, so it declares that
    403; a JSON body is read bounded (``bodies.py``) before FastAPI validates it (each router
    makes its routes of this class)."""

    max_keys = MAX_COLONS  # in a JSON body, in all

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if set(kwargs.get("methods") or ()) & CHANGES:
            kwargs["responses"] = {**FOREIGN_ORIGIN, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None or isinstance(self.body_field.field_info, params.Form):
            return handler
        return with_json_read(handler, self.max_keys)
