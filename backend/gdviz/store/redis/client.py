"""How a process talks to Redis: its clients, and how Redis trouble is logged (``Quiet``), once in
a while rather than on every try.

Requests talk to Redis with the asyncio client, so a slow answer never stalls the event loop; the
blocking client is used only by this process's threads (training, the writer, leases, news).
"""

import logging
import os
import socket
import time
import uuid

import redis
import redis.asyncio as aredis
from redis.driver_info import DriverInfo
from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    ConnectionError as RedisConnectionError,
    TimeoutError as RedisTimeoutError,
)

from ...settings import Settings

log = logging.getLogger("gdviz.cluster")

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
REFUSED = (AuthenticationError, AuthorizationError)  # a wrong password or user: no retry mends it


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


def ttl_ms(settings: Settings) -> int:
    """How long a finished job's keys (and an upload) are kept: GDVIZ_JOB_TTL_S."""
    return max(1, int(settings.job_ttl_s * 1000))


def process_token() -> str:
    """This process among all that share the Redis: its leases carry it."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


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
            if isinstance(exc, REFUSED):
                log.error("%s: Redis refuses our password: check GDVIZ_REDIS_URL (%s)", kind, exc)
            else:
                log.warning("%s: Redis unreachable (%s); retrying", kind, exc)

    def ok(self, kind: str) -> None:
        if self._last.pop(kind, None) is not None:
            log.warning("%s: Redis reachable again", kind)
