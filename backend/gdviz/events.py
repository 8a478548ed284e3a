"""A job's events: how they are written as server-sent events, and the log that keeps them.

A job's events are numbered from 1 (the SSE id) and only ever appended. ``EventLog`` is the seam
between the job that writes them and the streams that read them: ``MemoryLog`` keeps them in this
process; ``gdviz.cluster`` keeps them in a Redis stream that every process reads.
"""

import asyncio
import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

import anyio
from sse_starlette import EventSourceResponse, ServerSentEvent

Record = dict[str, float | int | tuple[float, ...]]  # numbers, and tuples of them (params, grads)
Payload = str | Record  # JSON text, or a record of finite numbers written as JSON only when sent

WAKE_INTERVAL_S = 1 / 60  # streams are woken at most this often: no screen shows more, and 50
# watchers woken for every one of thousands of epochs would starve the training


def dumps(data: object) -> str:
    """JSON that refuses NaN and infinity: a diverging run must never leak them to a client."""
    return json.dumps(data, allow_nan=False, separators=(",", ":"))


def dumps_record(record: Record) -> str:
    """``dumps`` for a flat record of finite numbers and tuples of them (check ``finite`` first),
    several times faster: json writes ints and floats with their ``repr``, and an array of them as
    a list's ``repr`` does, save for the spaces."""
    items = [
        f'"{k}":{v!r}' if v.__class__ is not tuple else f'"{k}":{list(v)!r}'
        for k, v in record.items()
    ]
    return "{" + ",".join(items) + "}"


def as_json(payload: Payload) -> str:
    return payload if isinstance(payload, str) else dumps_record(payload)


def finite(record: Record) -> bool:
    """Every number finite, those in tuples too: a diverging run's record must never be sent."""
    isfinite = math.isfinite
    for value in record.values():
        if not (all(map(isfinite, value)) if value.__class__ is tuple else isfinite(value)):  # type: ignore[arg-type]
            return False
    return True


def encode(id: int, event: str, payload: Payload) -> bytes:
    """The wire form of one event: ``payload`` is JSON text, or a record (checked ``finite``) that
    is written as JSON here — so a record nobody streams is never written at all."""
    return ServerSentEvent(data=as_json(payload), event=event, id=str(id)).encode()


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

    @abstractmethod
    def append(self, event: str, payload: Payload) -> None:
        """Add the next event (id ``len(self) + 1``); called from the training thread."""

    @abstractmethod
    def __len__(self) -> int:
        """How many events a stream can read so far."""

    @property
    @abstractmethod
    def ended(self) -> bool:
        """True once the last event readable is ``done``: nothing comes after it."""

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


class MemoryLog(EventLog):
    """The events in one list in this process.

    The writer appends ``(event, payload)`` and wakes the event loop at most once per pending
    wake-up and at most ``1 / wake_interval`` times a second; the wire form is built on the event
    loop, once, when a stream first asks for it, however many streams watch.
    """

    def __init__(self, wake_interval: float = WAKE_INTERVAL_S) -> None:
        self.wake_interval = wake_interval  # at most one wake-up per this many seconds
        self.events: list[tuple[str, Payload]] = []
        self._wire: list[bytes] = []  # the events' wire form so far (event loop side)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None
        self._wake_pending = False
        self._last_wake = 0.0
        self._waiting = 0  # streams waiting in wait_beyond: only they need a wake-up

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._changed = asyncio.Event()

    def append(self, event: str, payload: Payload) -> None:
        self.events.append((event, payload))
        if self._waiting:
            self._notify()

    def __len__(self) -> int:
        return len(self.events)

    @property
    def ended(self) -> bool:
        return bool(self.events) and self.events[-1][0] == "done"

    def wire(self, start: int) -> list[bytes]:
        events, wire = self.events, self._wire
        for i in range(len(wire), len(events)):  # the writer only appends: events[i] stays as is
            wire.append(encode(i + 1, *events[i]))
        return wire[start:]

    async def wait_beyond(self, seen: int) -> None:
        if self._changed is None:  # first use on this loop
            self.attach(asyncio.get_running_loop())
        changed = self._changed
        assert changed is not None
        self._waiting += 1  # before the check: an append after it sees a waiter and wakes us
        try:
            if len(self.events) > seen:
                return
            await changed.wait()
        finally:
            self._waiting -= 1

    def wake_watchers(self) -> None:
        self._wake_pending = False
        self._last_wake = time.monotonic()
        changed, self._changed = self._changed, asyncio.Event()
        if changed is not None:
            changed.set()

    def _notify(self) -> None:
        """Wake the waiting streams: at once, or, within ``wake_interval`` of the last wake-up, at
        the end of that interval with everything appended meanwhile in one write per stream."""
        if self._wake_pending or self._loop is None:
            return
        self._wake_pending = True
        delay = self._last_wake + self.wake_interval - time.monotonic()
        try:
            if delay <= 0:
                self._loop.call_soon_threadsafe(self.wake_watchers)
            else:
                self._loop.call_soon_threadsafe(self._loop.call_later, delay, self.wake_watchers)
        except RuntimeError:  # the loop has closed: nobody is watching any more
            pass
