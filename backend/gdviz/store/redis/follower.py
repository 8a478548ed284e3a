"""How a process reads the Redis streams its clients watch (a job's events, a room's): one reader
per process (``Follower``) copies each into a ``Mirror``, which any number of streams read."""

import asyncio
import contextlib
import time
import uuid
from typing import Any

import redis.asyncio as aredis

from ...events import WAKE_INTERVAL_S
from ..memory.log import MemoryLog
from .client import UNREACHABLE, Quiet
from .scripts import key


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

    def lose(self) -> None:
        """Its stream is gone before its end (a Redis restarted without its data): every stream
        reading it ends, saying so."""
        if not self.ended:
            self.gone = True
            self.wake_watchers()
        self.close()


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
            streams: dict[Any, Any] = {k: f"0-{len(m)}" for k, m in followed.items()}
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

    def _copy(self, answer: list[Any], followed: dict[str, Mirror]) -> None:
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
                mirror.lose()
