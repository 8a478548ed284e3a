"""How a job's events go through Redis: one writer thread per process appends every job's events
to its stream (``StreamWriter``, fed by each training job's ``WriterLog``), and one reader per
process (``Follower``) copies the streams its clients watch, each into a ``Mirror``. Also: how Redis trouble is
logged (``Quiet``), once in a while rather than on every try.
"""

import asyncio
import contextlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from typing import Any

import redis
import redis.asyncio as aredis
from redis.driver_info import DriverInfo
from redis.exceptions import (
    ConnectionError as RedisConnectionError,
    NoScriptError,
    TimeoutError as RedisTimeoutError,
)

from .cluster_scripts import APPEND, FINISH, key
from .config import MAX_EPOCHS
from .events import WAKE_INTERVAL_S, EventLog, MemoryLog, Payload, as_json
from .settings import Settings

log = logging.getLogger("gdviz.cluster")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def ttl_ms(settings: Settings) -> int:
    """How long a finished job's keys (and an upload) are kept: GDVIZ_JOB_TTL_S."""
    return max(1, int(settings.job_ttl_s * 1000))


# Made once: otherwise redis-py reads its version from the package's metadata for every new
# connection, milliseconds each on the event loop when a class opens its streams together.
DRIVER = DriverInfo()


def client(url: str, socket_timeout: float = 2) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=1,
        driver_info=DRIVER,
    )


def async_client(url: str, socket_timeout: float = 2) -> aredis.Redis:
    return aredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=1,
        driver_info=DRIVER,
    )


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
    written again until Redis takes it (appends are idempotent). Woken by the first event, it
    waits ``GATHER_S`` for more, so a fast run's events go in batches, not one round trip each."""

    BATCH = 5000
    GATHER_S = 0.005

    def __init__(self, r: redis.Redis, settings: Settings, token: str, quiet: Quiet) -> None:
        self.r, self.settings, self.token, self.quiet = r, settings, token, quiet
        self.maxlen = MAX_EPOCHS + settings.max_step_events + 2  # no job has more events
        self.ttl_ms = ttl_ms(settings)
        self._pending: deque[tuple[str, int, str, Payload]] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._shas: tuple[str, str] | None = None  # APPEND's and FINISH's, once loaded
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
            time.sleep(self.GATHER_S)  # still set: the events meanwhile cost no wake-up
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
                # By their digests: a pipeline of registered scripts asks SCRIPT EXISTS each time.
                if self._shas is None:
                    self._shas = (self.r.script_load(APPEND), self.r.script_load(FINISH))
                append, finish = self._shas
                pipe = self.r.pipeline(transaction=False)
                for job_id, first, fields in runs:
                    pipe.evalsha(append, 1, key("events", job_id), first, self.maxlen, *fields)
                for job_id, data in finished:
                    status = json.loads(data)["status"]
                    keys = [key(kind, job_id) for kind in ("job", "events")]
                    keys += [key("live"), key("running"), key("lease", job_id)]
                    args = [job_id, data, status, time.time(), self.ttl_ms, self.token]
                    pipe.evalsha(finish, len(keys), *keys, *args)
                pipe.execute()
                self.quiet.ok("writing events")
                return
            except NoScriptError:  # Redis restarted: load them again (appends are idempotent)
                self._shas = None
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
    """This process's copy of a Redis stream (a job's events, a room's), filled by the process's
    ``Follower`` from the first time a stream reads it, and read by any number of streams."""

    def __init__(
        self, follower: "Follower", stream: str, wake_interval: float = WAKE_INTERVAL_S
    ) -> None:
        super().__init__(wake_interval)
        self.follower, self.key = follower, stream
        self.gone = False  # the stream expired before its end

    @property
    def ended(self) -> bool:
        return self.gone or super().ended

    def wire(self, start: int) -> list[bytes]:
        self.follower.follow(self)
        return super().wire(start)

    async def wait_beyond(self, seen: int) -> None:
        self.follower.follow(self)
        await super().wait_beyond(seen)

    def close(self) -> None:
        self.follower.drop(self)


class Follower:
    """One reader per process for all the streams its clients watch: a single blocking XREAD over
    them, so a class of fifty costs one round trip per batch of events, not fifty. A stream
    followed anew wakes that XREAD through a little stream of the follower's own (a blocked
    XREAD returns as soon as any of its streams grows), so its first events come at once."""

    BLOCK_MS = 2000  # also how often streams are checked for having expired
    ENTRIES = 2000  # at most this many entries per read (a few ms of the loop), shared by streams

    def __init__(self, reader: aredis.Redis, waker: aredis.Redis, quiet: Quiet) -> None:
        self.reader, self.waker, self.quiet = reader, waker, quiet
        self.wake_key = key("wake", uuid.uuid4().hex)
        self.mirrors: dict[str, Mirror] = {}
        self._last_wake = "0-0"
        self._task: asyncio.Task[None] | None = None
        self._waking: asyncio.Task[None] | None = None

    def follow(self, mirror: Mirror) -> None:
        if self.mirrors.get(mirror.key) is mirror or mirror.ended:
            return
        self.mirrors[mirror.key] = mirror
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._read())
        elif self._waking is None or self._waking.done():
            self._waking = loop.create_task(self._wake())

    def drop(self, mirror: Mirror) -> None:
        if self.mirrors.get(mirror.key) is mirror:
            del self.mirrors[mirror.key]

    def close(self) -> None:
        self.mirrors.clear()
        for task in (self._task, self._waking):
            if task is not None:
                task.cancel()

    async def _wake(self) -> None:
        pipe = self.waker.pipeline(transaction=False)
        pipe.xadd(self.wake_key, {"w": "1"}, maxlen=1, approximate=False)
        pipe.pexpire(self.wake_key, 10 * self.BLOCK_MS)
        with contextlib.suppress(*UNREACHABLE):  # the reader, failing too, retries anyway
            await pipe.execute()

    async def _read(self) -> None:
        next_check = time.monotonic() + self.BLOCK_MS / 1000
        while self.mirrors:
            followed = dict(self.mirrors)
            streams: dict[Any, Any] = {k: f"0-{len(m.events)}" for k, m in followed.items()}
            streams[self.wake_key] = self._last_wake
            try:
                count = max(20, self.ENTRIES // len(streams))
                answer: Any = await self.reader.xread(streams, count=count, block=self.BLOCK_MS)
                self._copy(answer or [], followed)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + self.BLOCK_MS / 1000
                    await self._drop_expired()
                self.quiet.ok("reading events")
            except UNREACHABLE as exc:
                self.quiet.warn("reading events", exc)
                await asyncio.sleep(1.0)

    def _copy(self, answer: list, followed: dict[str, Mirror]) -> None:
        for stream, entries in answer:
            if stream == self.wake_key:
                self._last_wake = entries[-1][0]
                continue
            mirror = followed[stream]
            if self.mirrors.get(stream) is not mirror:
                continue  # dropped meanwhile
            for _, fields in entries:
                mirror.append(fields["e"], fields["d"])
            if mirror.ended:
                self.drop(mirror)

    async def _drop_expired(self) -> None:
        mirrors = list(self.mirrors.values())
        pipe = self.reader.pipeline(transaction=False)
        for mirror in mirrors:
            pipe.exists(mirror.key)
        for mirror, exists in zip(mirrors, await pipe.execute(), strict=True):
            if not exists:
                mirror.gone = True
                mirror.wake_watchers()
                self.drop(mirror)
