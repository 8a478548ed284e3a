"""The error answers the API gives, declared for its OpenAPI schema (each route's ``responses=``)."""

from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import BaseRoute

from ..guards import CHANGES

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


def declare_guarded(routes: list[BaseRoute]) -> None:
    """Every change (POST, PUT, PATCH, DELETE) passes the guard (``gdviz.guards``), which refuses
    one sent from a page on another origin: its 403 is declared here, once, for all of them."""
    for route in routes:
        if isinstance(route, APIRoute) and (route.methods or set()) & CHANGES:
            route.responses = {**FOREIGN_ORIGIN, **route.responses}
