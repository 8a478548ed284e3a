"""Where jobs, rooms and uploads live: in this process's memory (``memory/``), or in Redis for
every process that shares it (``redis/``, with ``GDVIZ_REDIS_URL``). The routes see them through
the protocols of ``protocols.py``, bundled as the app's ``Stores``."""

import asyncio
from dataclasses import dataclass

from ..settings import Settings
from ..uploads import UploadStore
from .memory.jobs import MemoryJobs
from .memory.rooms import MemoryRooms
from .memory.uploads import MemoryUploads
from .protocols import JobStore, RoomStore
from .redis.jobs import RedisJobs
from .redis.rooms import RedisRooms
from .redis.uploads import RedisUploads


@dataclass(frozen=True)
class Stores:
    jobs: JobStore
    rooms: RoomStore
    uploads: UploadStore

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.jobs.start(loop)
        self.rooms.start(loop)

    async def close(self, timeout: float = 2.0) -> None:
        """Stop the rooms' readers, then training (within ``timeout`` seconds)."""
        await self.rooms.close()
        await asyncio.to_thread(self.jobs.shutdown, timeout)


def open_stores(settings: Settings) -> Stores:
    """The stores ``settings`` ask for: Redis with a ``redis_url``, else this process's memory."""
    if settings.redis_url:
        uploads: UploadStore = RedisUploads(settings)
        return Stores(RedisJobs(settings, uploads), RedisRooms(settings), uploads)
    uploads = MemoryUploads(settings.max_uploads, settings.uploads_max_bytes)
    return Stores(MemoryJobs(settings, uploads), MemoryRooms(settings), uploads)
