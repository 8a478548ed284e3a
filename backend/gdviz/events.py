"""A job's events: how they are written as server-sent events, and the log that keeps them.

A job's events are numbered from 1 (the SSE id) and only ever appended. ``EventLog`` is the seam
between what writes them (the job's training, a room's changes) and the streams that read them;
the stores keep them (``gdviz.store``): in this process's memory, or in a Redis stream that every
process reads.
"""

import asyncio
import json
import math
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent

from .payloads import Record

Payload = str | Record  # JSON text, or a record of finite numbers written as JSON only when sent

WAKE_INTERVAL_S = 1 / 60  # streams are woken at most this often: no screen shows more, and 50
# watchers woken for every one of thousands of epochs would starve the training
FINAL = frozenset({"done", "closed"})  # the last event of a job's log, and of a room's

# The last event of a stream the server ends because it is stopping; without an id, so a client
# that resumes later still resumes after the last event it got.
SHUTDOWN = ServerSentEvent(data='{"reason":"the server is stopping"}', event="shutdown").encode()


def dumps(data: object) -> str:
    """JSON that refuses NaN and infinity: a diverging run must never leak them to a client."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"))


def dumps_record(record: Record) -> str:
    """``dumps`` for a flat record of finite numbers (check ``finite`` first), several times faster:
    json writes ints and floats with their ``repr``, exactly as here."""
    return "{" + ",".join([f'"{k}":{v!r}' for k, v in record.items()]) + "}"


def as_json(payload: Payload) -> str:
    return payload if isinstance(payload, str) else dumps_record(payload)


def finite(record: Record) -> bool:
    return all(map(math.isfinite, record.values()))


def encode(id: int, event: str, payload: Payload) -> bytes:
    """The wire form of one event: ``payload`` is JSON text, or a record (checked ``finite``) that
    is written as JSON here — so a record nobody streams is never written at all."""
    return ServerSentEvent(data=as_json(payload), event=event, id=str(id)).encode()


def gone(job_id: str) -> bytes:
    """The last event of a stream whose job the store lost before its end (a Redis restarted
    without its data): no id, as nothing of the job's own comes after it."""
    reason = f"job {job_id} is gone from the server's store before its end; start it again"
    return ServerSentEvent(data=dumps({"job": job_id, "reason": reason}), event="gone").encode()


def event_stream(body: AsyncIterator[bytes], shutdown: anyio.Event) -> EventSourceResponse:
    """The response every stream (a job's, several jobs', a room's) is sent as: pinged while idle,
    ``shutdown`` set when the server stops, never cached or buffered by a proxy. Ending ``body`` on
    shutdown completes the response cleanly instead of cutting it."""
    return EventSourceResponse(
        body,
        ping=15,
        shutdown_event=shutdown,
        shutdown_grace_period=0.5,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


class EventLog(ABC):
    """A job's events, appended by one writer (the training thread) and read by any number of
    streams on the event loop, each from its own position.

    Writer side: ``append``. Reader side (event loop): ``wire``, ``wait_beyond``, ``ended``,
    ``len``; ``wake_watchers`` wakes every waiting stream (for new events, or for shutdown).
    """

    gone = False  # its store lost it before its last event (it has ``ended`` too): say so

    @abstractmethod
    def append(self, event: str, payload: Payload) -> None:
        """Add the next event (id ``len(self) + 1``); called from the training thread."""

    @abstractmethod
    def __len__(self) -> int:
        """How many events a stream can read so far."""

    @property
    @abstractmethod
    def ended(self) -> bool:
        """True once the last event readable is final (``done``, a room's ``closed``), or the log
        is ``gone``: nothing comes after it."""

    @abstractmethod
    def wire(self, start: int) -> list[bytes]:
        """The readable events after the first ``start``, as written on a stream."""

    @abstractmethod
    async def wait_beyond(self, seen: int) -> None:
        """Return once more than ``seen`` events are readable (at once if they already are), or
        when ``wake_watchers`` is called."""

    @abstractmethod
    def wake_watchers(self) -> None: ...

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:  # noqa: B027 (optional: a log may need no loop)
        """The event loop the streams run on (a log without one wakes nobody)."""
