"""One reader per process for every stream it follows (``Follower``), against a real Redis."""

import asyncio
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import redis

from gdviz.store.redis.client import Quiet, async_client
from gdviz.store.redis.follower import Follower, Mirror
from support import running_redis

pytestmark = pytest.mark.server
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """In a thread of its own: a browser test's Playwright may hold this thread's event loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def stream(name: str) -> str:
    return f"test:follower:{name}:{uuid.uuid4().hex[:8]}"


def follower(url: str) -> Follower:
    return Follower(async_client(url, socket_timeout=10), async_client(url), Quiet())


async def events_of(mirror: Mirror, count: int, within_s: float) -> list[str]:
    async with asyncio.timeout(within_s):
        while len(mirror) < count:
            mirror.wire(0)
            await mirror.wait_beyond(len(mirror))
    return [event for event, _ in mirror.events]


def test_one_blocked_read_follows_many_streams_and_a_new_one_at_once() -> None:
    with running_redis() as url:  # its own: no other reader blocked on it
        reading, woken, histories = run(many_streams(url))
    assert reading == 1  # 19 streams, one connection blocked on them
    assert woken < 2  # not at the end of the 8 s block
    assert histories == [["meta", "epoch"]] * 20


async def many_streams(redis_url: str) -> tuple[int, float, list[list[str]]]:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    names = [stream(str(i)) for i in range(20)]
    for name in names:
        r.xadd(name, {"e": "meta", "d": "{}"}, id="0-1")

    f = follower(redis_url)
    f.BLOCK_MS = 8000  # long, so that "at once" is told from "at the end of the block" under load
    mirrors = [Mirror(f, name) for name in names]
    for mirror in mirrors[:-1]:
        await events_of(mirror, 1, within_s=10)
    await asyncio.sleep(0.2)  # the reader is blocked now, for up to BLOCK_MS
    reading = sum(client["cmd"] == "xread" for client in r.client_list())
    t0 = time.perf_counter()
    await events_of(mirrors[-1], 1, within_s=f.BLOCK_MS / 1000 / 2)
    woken = time.perf_counter() - t0
    for name in names:
        r.xadd(name, {"e": "epoch", "d": "{}"}, id="0-2")
    histories = [await events_of(mirror, 2, within_s=10) for mirror in mirrors]
    f.close()
    await f.reader.aclose()
    await f.waker.aclose()
    return reading, woken, histories


def test_a_followed_stream_that_expires_ends_its_watchers(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    name = stream("expiring")
    r.xadd(name, {"e": "meta", "d": "{}"}, id="0-1")

    async def scenario() -> tuple[bool, bool]:
        f = follower(redis_url)
        mirror = Mirror(f, name)
        await events_of(mirror, 1, within_s=10)
        r.delete(name)
        async with asyncio.timeout(3 * f.BLOCK_MS / 1000):
            while not mirror.ended:
                await mirror.wait_beyond(len(mirror))
        await asyncio.sleep(f.BLOCK_MS / 1000 + 0.5)  # nothing left to follow: the reader stops
        stopped = f._task is not None and f._task.done()
        await f.reader.aclose()
        await f.waker.aclose()
        return mirror.gone, stopped

    assert run(scenario()) == (True, True)
