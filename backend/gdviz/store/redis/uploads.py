"""Uploaded CSVs in Redis, so that a job on any process finds its data: the file's text is kept,
and parsed again (once per process) into this process's cache."""

from typing import Any

from ...settings import Settings
from ...uploads import Table, parse_csv
from ..memory.uploads import MemoryUploads
from .client import client, ttl_ms
from .scripts import key


class RedisUploads:
    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url is not None
        self.settings = settings
        self.r = client(settings.redis_url)
        self.cache = MemoryUploads(settings.max_uploads, settings.uploads_max_bytes)

    def add(self, table: Table, raw: bytes) -> None:
        self.cache.check(table)
        self.r.hset(key("upload", table.id), mapping={"filename": table.filename, "csv": raw})
        self.r.pexpire(key("upload", table.id), ttl_ms(self.settings))
        self.cache.keep(table)

    def get(self, id: str) -> Table | None:
        table = self.cache.get(id)
        if table is None:
            stored: Any = self.r.hgetall(key("upload", id))
            if not stored:
                return None
            table = parse_csv(
                stored["csv"].encode(), stored["filename"], self.settings.upload_max_rows
            )
            table.id = id
            self.cache.keep(table)
        return table
