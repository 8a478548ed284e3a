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

``interleave`` reads any ``EventLog`` under any key, so a classroom room's log can later join a
page's stream as one more entry (headed by a ``room`` event rather than ``job``).
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
POSITION = re.compile(r"(\w+)=(0|[1-9]\d{0,9})", re.ASCII)


class StreamError(ValueError):
    """A query that names no stream: ``field`` is the parameter at fault."""

    def __init__(self, field: str, msg: str) -> None:
        super().__init__(msg)
        self.field, self.msg = field, msg


def parse_jobs(text: str) -> list[str]:
    """The job ids of ``?jobs=a,b,c``: one to ``MAX_JOBS``, each once."""
    ids = text.split(",")
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
            raise StreamError(field, f"job '{job}' is not one of this stream's jobs")
        if job in named:
            raise StreamError(field, f"job '{job}' is given twice")
        if position > MAX_POSITION:
            raise StreamError(field, f"a position is at most {MAX_POSITION}")
        named.add(job)
        seen[job] = position
    return seen


def format_positions(seen: dict[str, int]) -> str:
    return ".".join([f"{job}={n}" for job, n in seen.items()])


async def interleave(
    logs: dict[str, EventLog], seen: dict[str, int], stop: asyncio.Future[Any]
) -> AsyncIterator[bytes]:
    """The stream of ``logs`` (job id -> log) from the positions ``seen``, which it advances, until
    every job has sent ``done`` or ``stop`` is done. Each write carries everything new since the
    last, at most one write per ``WAKE_INTERVAL_S``, as a job's own stream."""
    heads = {job: ServerSentEvent(data=job, event="job").encode() for job in logs}
    live = {job: log for job, log in logs.items() if not (log.ended and seen[job] >= len(log))}
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
            if parts:
                parts.append(ServerSentEvent(id=format_positions(seen)).encode())
                yield b"".join(parts)
                last_write = time.monotonic()
            for job in [job for job, log in live.items() if log.ended and seen[job] >= len(log)]:
                del live[job]
                if (task := waits.pop(job, None)) is not None:
                    task.cancel()
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
