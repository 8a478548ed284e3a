"""A log of events in this process's memory: a job's, a room's, or a copy of a Redis stream's."""

import asyncio
import json
import threading
import time

from ...events import FINAL, WAKE_INTERVAL_S, EventLog, Payload, encode


class MemoryLog(EventLog):
    """The events in one list in this process.

    The writer appends ``(event, payload)`` and wakes the event loop at most once per pending
    wake-up and at most ``1 / wake_interval`` times a second; the wire form is built on the event
    loop, once, when a stream first asks for it, however many streams watch. Once ended, a log
    may be ``compact``: it keeps the wire form alone, a third of the memory of the records.
    """

    def __init__(self, wake_interval: float = WAKE_INTERVAL_S) -> None:
        self.wake_interval = wake_interval  # at most one wake-up per this many seconds
        self.events: list[tuple[str, Payload]] = []
        self._wire: list[bytes] = []  # the events' wire form so far
        self._wire_lock = threading.Lock()  # streams extend it on the loop, ``compact`` anywhere
        self._compact = False  # the events have gone: the wire form holds them
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
        return len(self._wire) if self._compact else len(self.events)

    @property
    def ended(self) -> bool:
        return self._compact or (bool(self.events) and self.events[-1][0] in FINAL)

    def wire(self, start: int) -> list[bytes]:
        with self._wire_lock:
            return self._extend()[start:]

    def _extend(self) -> list[bytes]:
        """The wire form of every event so far (``_wire_lock`` held)."""
        events, wire = self.events, self._wire
        for i in range(len(wire), len(events)):  # the writer only appends: events[i] stays as is
            wire.append(encode(i + 1, *events[i]))
        return wire

    def compact(self) -> None:
        """Keep an ended log's events in their wire form only: a finished job's records, kept for
        an hour, were most of a busy server's memory, and take a third of it as wire."""
        with self._wire_lock:
            if self.ended and not self._compact:
                self._extend()
                self._compact, self.events = True, []

    def payloads(self, event: str) -> list[Payload]:
        """The payloads of the ``event`` events, in order (read back from the wire once compact)."""
        if not self._compact:
            return [payload for kind, payload in self.events if kind == event]
        head, wire = f"event: {event}\r\n".encode(), self._wire
        return [json.loads(w[w.index(b"data: ") + 6 : -4]) for w in wire if head in w[:48]]

    async def wait_beyond(self, seen: int) -> None:
        if self._changed is None:  # first use on this loop
            self.attach(asyncio.get_running_loop())
        changed = self._changed
        assert changed is not None
        self._waiting += 1  # before the check: an append after it sees a waiter and wakes us
        try:
            if len(self) > seen:
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
