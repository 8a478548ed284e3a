import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from support import SHARED, Server, running_redis, running_server

# Tests are marked by what they need, so `make test-fast` can leave out the slow kinds:
# `server` (a real gdviz serve), `browser` (Chromium), `slow` (subprocesses that import torch).
# and every "*_server" a module starts; test_rooms' "small" and "hoard" start their own
SERVER_FIXTURES = {"server", "server_url", "client", "small", "hoard"}
SLOW_FIXTURES = {"runs", "scheduled"}  # test_codegen, test_schedulers: the generated scripts, run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that only writes the docs' screenshots runs when they are asked for.
    if not os.environ.get("GDVIZ_SCREENSHOTS"):
        skip = pytest.mark.skip(reason="GDVIZ_SCREENSHOTS=1 takes the docs' screenshots")
        for item in items:
            if item.get_closest_marker("screenshots"):
                item.add_marker(skip)
    # The wheel's install takes a minute or more: started first, it runs beside the rest on two
    # workers (`make test`) instead of after them.
    items.sort(key=lambda item: item.path.name != "test_wheel.py")
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        if fixtures & SERVER_FIXTURES or any(f.endswith("_server") for f in fixtures):
            item.add_marker(pytest.mark.server)
        if fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real ``gdviz serve`` on 127.0.0.1 for the whole session."""
    with running_server(tmp_path_factory.mktemp("server") / "server.log", env=SHARED) as server:
        yield server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A private Redis for the session (database 0; tests that need their own use another)."""
    with running_redis() as url:
        yield url


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Server]:
    """One real ``gdviz serve`` that keeps its jobs in Redis, for the whole session."""
    log_path = tmp_path_factory.mktemp("redis-server") / "server.log"
    with running_server(log_path, env={**SHARED, "GDVIZ_REDIS_URL": redis_url}) as server:
        yield server


@pytest.fixture(scope="module", params=["memory", "redis"])
def any_server(request: pytest.FixtureRequest) -> Server:
    """Each backend's shared server in turn: the tests of a module that uses it run on both."""
    return request.getfixturevalue("server" if request.param == "memory" else "redis_server")


@pytest.fixture(scope="session")
def server_url(server: Server) -> str:
    return server.url


@pytest.fixture
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


@pytest.fixture
def memory_jobs() -> Iterator[Any]:
    """An in-memory job store, started: two workers, five jobs kept, finished ones for 0.3 s."""
    from gdviz.settings import Settings
    from gdviz.store.memory.jobs import MemoryJobs
    from gdviz.store.memory.uploads import MemoryUploads

    jobs = MemoryJobs(Settings(max_running=2, max_jobs=5, job_ttl_s=0.3), MemoryUploads())
    jobs.start()
    yield jobs
    jobs.shutdown()
