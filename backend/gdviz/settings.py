"""Server settings, read from the environment with the prefix ``GDVIZ_``: the app reads them once,
when it is made (``gdviz.app.create_app``), and hands them to what needs them."""

import os
import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.connection import parse_url

from .addresses import trusted_networks


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GDVIZ_")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_running: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1
    )  # jobs training at once
    job_ttl_s: float = Field(3600.0, gt=0)  # finished jobs are forgotten after this long
    max_jobs: int = Field(200, ge=1)  # ... or when more than this many are kept
    upload_max_bytes: int = Field(5 * 1024 * 1024, ge=1)
    upload_max_rows: int = Field(1_000_000, ge=1)
    max_uploads: int = Field(50, ge=1)
    uploads_max_bytes: int = Field(256 * 1024 * 1024, ge=1)  # the numbers all uploads hold
    max_step_events: int = Field(5_000, ge=1)  # per job; steps are thinned beyond this
    allowed_hosts: str = ""  # Host names answered besides loopback, comma-separated; "*": any
    redis_url: str | None = None  # redis://host:port/db: jobs shared by many processes
    room_ttl_s: float = Field(4 * 3600.0, gt=0)  # a class's room closes this long after it opened
    room_idle_s: float = Field(3600.0, gt=0)  # ... or this long after its teacher's last change
    max_rooms: int = Field(100, ge=1)  # rooms open at once
    rooms_per_address: int = Field(5, ge=1)  # rooms one address has open at once
    room_max_questions: int = Field(200, ge=1)  # per room
    room_max_answers: int = Field(1000, ge=1)  # per question (one per student)
    room_max_runs: int = Field(500, ge=1)  # students' runs sent to the teacher, per room
    room_posts_per_minute: int = Field(30, ge=1)  # a student's answers and shared runs
    # answers to one question (runs sent to one room) from one address in 10 minutes: a class
    # behind one school address answers at once, made-up students cannot fill a question
    room_posts_per_address: int = Field(300, ge=1)
    room_max_body_bytes: int = Field(4096, ge=256)  # any request body to /api/rooms
    lessons_dir: str | None = None  # a folder of lesson files (*.json) served beside the built-ins
    lesson_max_bytes: int = Field(256 * 1024, ge=1024)  # a lesson put in a room (its body)
    public_url: str | None = None  # base of share links, e.g. http://192.168.1.20:8000 (Docker)
    # reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client
    trusted_proxies: str = ""

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, url: str | None) -> str | None:
        """A URL no connection can come of is refused when the server starts, not retried:
        another scheme than redis://, rediss:// or unix://, a port out of range, a database
        that is no number."""
        if url is None:
            return None
        try:
            parse_url(url)  # type: ignore[no-untyped-call]
        except ValueError as exc:
            raise ValueError(f"{redacted(url)!r}: {exc}") from None
        path = url.split("?")[0].split("//", 1)[-1]
        if not url.startswith("unix:") and not re.fullmatch(r"[^/]*(/\d*)?", path):
            raise ValueError(f"{redacted(url)!r}: the database must be a number, as in /0")
        return url

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        trusted_networks(value)  # a ValueError names the entry that is not an address
        return value


def redacted(url: str) -> str:
    """A URL with its password, if any, as ``***``."""
    return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def where(url: str) -> str:
    """A Redis URL as messages name it: host:port/db, without a password or a scheme."""
    return url.split("@")[-1].split("://")[-1]
