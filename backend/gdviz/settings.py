"""Server settings, read from the environment with the prefix ``GDVIZ_``: the app reads them once,
when it is made (``gdviz.app.create_app``), and hands them to what needs them."""

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_rooms: int = Field(100, ge=1)  # rooms open at once
    room_max_questions: int = Field(200, ge=1)  # per room
    room_max_answers: int = Field(1000, ge=1)  # per question (one per student)
    room_max_runs: int = Field(500, ge=1)  # students' runs sent to the teacher, per room
    room_posts_per_minute: int = Field(30, ge=1)  # a student's answers and shared runs
    room_max_body_bytes: int = Field(4096, ge=256)  # any request body to /api/rooms
    public_url: str | None = None  # base of share links, e.g. http://192.168.1.20:8000 (Docker)
