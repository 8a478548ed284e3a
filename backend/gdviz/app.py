"""Builds the FastAPI app: its stores, routers, error shapes and the page.

``create_app`` is uvicorn's factory (``gdviz serve``): importing this module builds nothing, and
each server process builds its own app from the settings of its environment.
"""

import asyncio
import gc
import math
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import (
    ConnectionError as RedisConnectionError,
    TimeoutError as RedisTimeoutError,
)

from .config import ConfigError, JobConfig, Logistic, Synthetic
from .guards import Guard
from .job import Job
from .rooms import RoomError
from .routes import (
    code,
    datasets,
    health,
    jobs,
    lessons,
    pages,
    questions,
    rooms,
    runs,
    schema,
    share,
    streams,
    sweeps,
)
from .routes.bodies import trimmed
from .settings import Settings, where
from .store import open_stores
from .store.memory.log import MemoryLog
from .store.protocols import TooManyJobs
from .store.redis.client import REFUSED
from .uploads import UploadError
from .version import __version__

ROUTERS = (
    jobs,
    runs,
    streams,
    schema,
    code,
    share,
    datasets,
    health,
    sweeps,
    rooms,
    questions,
    lessons,
    pages,
)


def frontend_dir() -> Path:
    """The page's files: inside the installed package (wheel), or ``frontend/`` in a checkout."""
    packaged = Path(__file__).parent / "frontend"
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "frontend"


def warm_up() -> None:
    """Train one epoch of every mode, so that no student's first click pays for what torch does
    only once: the first optimizer alone imports torch._dynamo, about a second here."""
    for mode in ("manual", "sgd", "minibatch", "design", "linear"):
        Job(JobConfig(mode=mode, epochs=1), MemoryLog(), max_step_events=1).run()
    logistic = JobConfig(model=Logistic(kind="logistic"), epochs=1, dataset=Synthetic(labels=True))
    Job(logistic, MemoryLog(), max_step_events=1).run()


def field_error(
    status: int, loc: tuple[str, ...], msg: str, ctx: dict[str, object] | None = None
) -> JSONResponse:
    """The same shape as FastAPI's own validation errors, so clients read one format."""
    item = {"loc": ["body", *loc], "msg": msg, "type": "value_error"}
    return JSONResponse({"detail": [item | ({"ctx": ctx} if ctx else {})]}, status_code=status)


def json_safe(value: object) -> object:
    """NaN and ±inf as text: Python's JSON parser accepts them in a body, but they cannot be echoed back."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app, with ``settings`` (by default: from the environment, ``GDVIZ_*``)."""
    settings = settings or Settings()
    stores = open_stores(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sys.setswitchinterval(
            0.001
        )  # training threads hand the interpreter back to requests sooner
        warm_up()  # before serving: nothing waits for it yet
        # What is loaded by now (torch, FastAPI: some 200,000 objects) lives as long as the server:
        # out of the collector's sight, a full collection no longer stops every request for ~80 ms.
        gc.collect()
        gc.freeze()
        stores.start(asyncio.get_running_loop())
        yield
        await stores.close(2.0)

    app = FastAPI(
        title="gdviz",
        version=__version__,
        summary="Gradient descent made visible: real PyTorch training jobs streamed as server-sent events.",
        lifespan=lifespan,
    )
    app.state.stores = stores
    app.state.settings = settings
    app.state.frontend = frontend_dir()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": json_safe(trimmed(exc.errors()))}, status_code=422)

    @app.exception_handler(ConfigError)
    async def config_error(request: Request, exc: ConfigError) -> JSONResponse:
        return field_error(422, exc.loc, exc.msg, exc.ctx)

    @app.exception_handler(UploadError)
    async def upload_error(request: Request, exc: UploadError) -> JSONResponse:
        return field_error(exc.status, ("file",), exc.msg)

    @app.exception_handler(TooManyJobs)
    async def too_many_jobs(request: Request, exc: TooManyJobs) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"Retry-After": "2"})

    app.add_exception_handler(RoomError, rooms.room_error)
    app.add_middleware(Guard, settings=settings)

    @app.exception_handler(RedisConnectionError)
    @app.exception_handler(RedisTimeoutError)
    async def store_unreachable(request: Request, exc: Exception) -> JSONResponse:
        # Logged once in a while by the store's threads, which meet the same trouble: no
        # traceback per request.
        store = f"the job store (Redis at {where(settings.redis_url or '')})"
        if isinstance(exc, REFUSED):  # no retry mends it: the operator must
            detail = (
                f"{store} refuses this server's password; its operator must fix GDVIZ_REDIS_URL"
            )
        else:
            detail = f"{store} is unreachable; try again shortly"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "2"})

    for module in ROUTERS:
        app.include_router(module.router)
    pages.mount_static(app, app.state.frontend)
    return app
