"""How a job's events go through Redis: one writer thread per process appends every job's events
to its stream (``StreamWriter``, fed by each training job's ``WriterLog``), and one reader per job
and process copies the stream for that process's clients (``Mirror``). Also: how Redis trouble is
logged (``Quiet``), once in a while rather than on every try.
"""

import asyncio
import json
import logging
import threading
import time
from collections import deque
from typing import Any

import redis
import redis.asyncio as aredis
from redis.exceptions import (
    ConnectionError as RedisConnectionError,
    TimeoutError as RedisTimeoutError,
)

from .cluster_scripts import APPEND, FINISH, key
from .config import MAX_EPOCHS
from .events import EventLog, MemoryLog, Payload, as_json
from .settings import Settings

log = logging.getLogger("gdviz.cluster")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def ttl_ms(settings: Settings) -> int:
    """How long a finished job's keys (and an upload) are kept: GDVIZ_JOB_TTL_S."""
    return max(1, int(settings.job_ttl_s * 1000))


def where(url: str) -> str:
    """The Redis address without a password, for messages."""
    return url.split("@")[-1]


class Quiet:
    """Logs a recurring trouble (Redis unreachable) once per ``every_s`` per kind, without a
    traceback, and once more when it is over."""

    def __init__(self, every_s: float = 30.0) -> None:
        self.every_s = every_s
        self._last: dict[str, float] = {}

    def warn(self, kind: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last.get(kind, -self.every_s) >= self.every_s:
            self._last[kind] = now
            log.warning("%s: Redis unreachable (%s); retrying", kind, exc)

    def ok(self, kind: str) -> None:
        if self._last.pop(kind, None) is not None:
            log.warning("%s: Redis reachable again", kind)


class StreamWriter:
    """One thread per process writes every job's events to Redis, in order, in batches: one
    ``APPEND`` per job per batch, and ``FINISH`` after a job's ``done``. A batch that fails is
    written again until Redis takes it (appends are idempotent)."""

    BATCH = 5000

    def __init__(self, r: redis.Redis, settings: Settings, token: str, quiet: Quiet) -> None:
        self.r, self.settings, self.token, self.quiet = r, settings, token, quiet
        self.maxlen = MAX_EPOCHS + settings.max_step_events + 2  # no job has more events
        self.ttl_ms = ttl_ms(settings)
        self._pending: deque[tuple[str, int, str, Payload]] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._append = r.register_script(APPEND)
        self._finish = r.register_script(FINISH)
        self._thread = threading.Thread(target=self._run, name="gdviz-redis-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, job_id: str, n: int, event: str, payload: Payload) -> None:
        """Called by training threads: cheap, never blocks."""
        self._pending.append((job_id, n, event, payload))
        if not self._wake.is_set():
            self._wake.set()

    def close(self, timeout: float) -> None:
        """Write what is pending (for up to ``timeout`` seconds), then stop."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            batch: list[tuple[str, int, str, Payload]] = []
            while self._pending and len(batch) < self.BATCH:
                batch.append(self._pending.popleft())
            if batch:
                self._write(batch)
                if self._pending or self._stop:  # more to write, or a close() to see
                    self._wake.set()
            elif self._stop:
                return

    def _write(self, batch: list[tuple[str, int, str, Payload]]) -> None:
        runs: list[tuple[str, int, list[str]]] = []  # (job, first id, event, data, ...) per job
        finished: list[tuple[str, str]] = []
        for job_id, n, event, payload in batch:
            data = as_json(payload)
            if runs and runs[-1][0] == job_id and runs[-1][1] + len(runs[-1][2]) // 2 == n:
                runs[-1][2].extend((event, data))
            else:
                runs.append((job_id, n, [event, data]))
            if event == "done":
                finished.append((job_id, data))
        while True:
            try:
                pipe = self.r.pipeline(transaction=False)
                for job_id, first, fields in runs:
                    self._append(
                        keys=[key("events", job_id)],
                        args=[first, self.maxlen, *fields],
                        client=pipe,
                    )
                for job_id, data in finished:
                    status = json.loads(data)["status"]
                    self._finish(
                        keys=[
                            key("job", job_id),
                            key("events", job_id),
                            key("live"),
                            key("running"),
                            key("lease", job_id),
                        ],
                        args=[
                            job_id,
                            data,
                            status,
                            time.time(),
                            self.ttl_ms,
                            self.token,
                        ],
                        client=pipe,
                    )
                pipe.execute()
                self.quiet.ok("writing events")
                return
            except UNREACHABLE as exc:
                if self._stop:
                    log.warning("%d events not written: Redis unreachable at shutdown", len(batch))
                    return
                self.quiet.warn("writing events", exc)
                time.sleep(0.5)


class WriterLog(EventLog):
    """The training side of a job's log in Redis: appends go to the process's ``StreamWriter``,
    except the first ``written`` (a replay of a job another process began). Streams never read
    this log; they read the job's stream through a ``Mirror``."""

    def __init__(self, writer: StreamWriter, job_id: str, written: int) -> None:
        self.writer, self.job_id, self.written = writer, job_id, written
        self.count = 0
        self.closed = False  # the lease was lost: another process writes this job now

    def append(self, event: str, payload: Payload) -> None:
        self.count += 1
        if self.count > self.written and not self.closed:
            self.writer.put(self.job_id, self.count, event, payload)

    def __len__(self) -> int:
        return self.count

    @property
    def ended(self) -> bool:
        return False

    def wire(self, start: int) -> list[bytes]:
        raise NotImplementedError("streams read a job's events through a Mirror")

    async def wait_beyond(self, seen: int) -> None:
        raise NotImplementedError("streams read a job's events through a Mirror")

    def wake_watchers(self) -> None:
        pass


class Mirror(MemoryLog):
    """This process's copy of a job's Redis stream, filled by one reader task (started by the
    first stream that reads it) and read by any number of streams."""

    BLOCK_MS = 2000

    def __init__(self, r: aredis.Redis, job_id: str, quiet: Quiet) -> None:
        super().__init__()
        self.r, self.key, self.quiet = r, key("events", job_id), quiet
        self.gone = False  # the stream expired before its end
        self._task: asyncio.Task[None] | None = None

    @property
    def ended(self) -> bool:
        return self.gone or super().ended

    def wire(self, start: int) -> list[bytes]:
        self._follow()
        return super().wire(start)

    async def wait_beyond(self, seen: int) -> None:
        self._follow()
        await super().wait_beyond(seen)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _follow(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        while not self.ended:
            try:
                answer: Any = await self.r.xread(
                    {self.key: f"0-{len(self.events)}"}, count=5000, block=self.BLOCK_MS
                )
                if not answer and not await self.r.exists(self.key):
                    self.gone = True
                    self.wake_watchers()
                self.quiet.ok("reading events")
            except UNREACHABLE as exc:
                self.quiet.warn("reading events", exc)
                await asyncio.sleep(1.0)
                continue
            for _, entries in answer or []:
                for _, fields in entries:
                    self.append(fields["e"], fields["d"])
