"""Several jobs' events on one stream, so that a page needs one connection however many runs it shows.

Over HTTP/1.1 a browser opens at most six connections to a site, across all its tabs: a race of
four runs, each on a stream of its own, and a second tab would wait for a free connection for as
long as the runs last.

Each job's events go out exactly as on the job's own stream (the same bytes, encoded once however
many streams send them), each batch headed by a ``job`` event that names the job, and every write
ends with an event that has only an id: every job's position, the id a reconnect sends back::

    event: job                  data: 3f2a9c1d0b7e      the job whose events follow
    id: 12  event: epoch        data: {...}             that job's events, with its own ids
    id: 13  event: epoch        data: {...}
    id: 3f2a9c1d0b7e=13.9c1d0b7e3f2a=40                 no data: dispatches nothing

A classroom room joins as one more entry under the key ``room`` (never a job id: those are hex),
its batches headed by a ``from-room`` event (its data: the room's code), its events with the room's
own ids, as on the room's own stream; a stream that starts it afresh first gets its ``room``
snapshot::

    event: from-room            data: K7QX2M
    id: 4  event: room          data: {...}             the whole state, as of change 4
    id: 3f2a9c1d0b7e=13.room=4
"""

import asyncio
import re
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sse_starlette import ServerSentEvent

from .events import WAKE_INTERVAL_S, EventLog

MAX_JOBS = 8  # four compared runs, a teacher's run to follow, and room to spare
MAX_POSITION = 10**9
ROOM = "room"  # the room's key among a stream's entries
POSITION = re.compile(r"(\w+)=(0|[1-9]\d{0,9})", re.ASCII)


class StreamError(ValueError):
    """A query that names no stream: ``field`` is the parameter at fault."""

    def __init__(self, field: str, msg: str) -> None:
        super().__init__(msg)
        self.field, self.msg = field, msg


def parse_jobs(text: str | None, room: bool = False) -> list[str]:
    """The job ids of ``?jobs=a,b,c``: one to ``MAX_JOBS``, each once (none with a room)."""
    if not text and room:
        return []
    ids = (text or "").split(",")
    if not all(ids):
        raise StreamError("jobs", "give job ids separated by single commas, e.g. jobs=3f2a…,9c1d…")
    if len(ids) > MAX_JOBS:
        raise StreamError("jobs", f"at most {MAX_JOBS} jobs on one stream, got {len(ids)}")
    twice = next((i for i in ids if ids.count(i) > 1), None)
    if twice is not None:
        raise StreamError("jobs", f"job '{twice}' is listed twice")
    return ids


def parse_positions(text: str, jobs: Sequence[str], field: str) -> dict[str, int]:
    """Every job's position from an id such as ``3f2a…=13.9c1d…=40``; a job it leaves out starts
    at 0, and an empty id is the start of every job."""
    seen = dict.fromkeys(jobs, 0)
    if not text:
        return seen
    named: set[str] = set()
    for part in text.split("."):
        match = POSITION.fullmatch(part)
        if match is None:
            raise StreamError(field, f"'{part[:40]}' is not job=position (e.g. 3f2a9c1d0b7e=13)")
        job, position = match[1], int(match[2])
        if job not in seen:
            raise StreamError(field, f"'{job}' is not one of this stream's jobs (or its room)")
        if job in named:
            raise StreamError(field, f"job '{job}' is given twice")
        if position > MAX_POSITION:
            raise StreamError(field, f"a position is at most {MAX_POSITION}")
        named.add(job)
        seen[job] = position
    return seen


def format_positions(seen: dict[str, int]) -> str:
    return ".".join([f"{job}={n}" for job, n in seen.items()])


def head(key: str, room_code: str | None = None) -> bytes:
    """The event that names whose events follow: a job, or the room."""
    if key == ROOM:
        return ServerSentEvent(data=room_code, event="from-room").encode()
    return ServerSentEvent(data=key, event="job").encode()


def positions(seen: dict[str, int]) -> bytes:
    """The end of a write: an event with only an id, every entry's position."""
    return ServerSentEvent(id=format_positions(seen)).encode()


async def interleave(
    logs: dict[str, EventLog],
    seen: dict[str, int],
    stop: asyncio.Future[Any],
    room_code: str | None = None,
    farewells: dict[str, bytes] | None = None,
) -> AsyncIterator[bytes]:
    """The stream of ``logs`` (job id, or ``ROOM``, -> log) from the positions ``seen``, which it
    advances, until every job has sent ``done`` (and the room has closed) or ``stop`` is done.
    Each write carries everything new since the last, at most one write per ``WAKE_INTERVAL_S``,
    as a job's own stream. An entry whose log is ``gone`` (its store lost it) ends with its
    event of ``farewells``."""
    heads = {key: head(key, room_code) for key in logs}
    live = {
        job: log for job, log in logs.items() if log.gone or not log.ended or seen[job] < len(log)
    }
    waits: dict[str, asyncio.Task[None]] = {}  # each live job's wait_beyond, kept across wake-ups
    woken = asyncio.Event()  # set by any of them, or by ``stop``: one waiter, however many jobs

    def wake(_: asyncio.Future[Any]) -> None:
        woken.set()

    stop.add_done_callback(wake)
    last_write = 0.0
    try:
        while live and not stop.done():
            woken.clear()  # before reading: whatever comes after it wakes the next wait
            parts = []
            for job, log in live.items():
                if batch := log.wire(seen[job]):
                    parts.append(heads[job])
                    parts += batch
                    seen[job] += len(batch)
            for job in [job for job, log in live.items() if log.ended and seen[job] >= len(log)]:
                if live.pop(job).gone and (farewell := (farewells or {}).get(job)):
                    parts += [heads[job], farewell]
                if (task := waits.pop(job, None)) is not None:
                    task.cancel()
            if parts:
                parts.append(positions(seen))
                yield b"".join(parts)
                last_write = time.monotonic()
            for job, log in live.items():
                if (task := waits.get(job)) is None or task.done():
                    waits[job] = task = asyncio.ensure_future(log.wait_beyond(seen[job]))
                    task.add_done_callback(wake)
            if not live:
                return
            await woken.wait()
            if (pause := last_write + WAKE_INTERVAL_S - time.monotonic()) > 0:
                await asyncio.sleep(pause)  # other jobs' events join this write
    finally:
        stop.remove_done_callback(wake)
        for task in waits.values():
            task.cancel()
