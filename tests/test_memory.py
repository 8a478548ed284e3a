"""A thousand jobs on one server: the cap evicts finished jobs, memory stays bounded, it keeps answering."""

import time
from collections.abc import Iterator

import httpx
import pytest

from support import Server, running_server

MAX_JOBS = 50
JOBS = 1000
RSS_LIMIT_MB = 500


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("capped") / "server.log"
    with running_server(log, env={"GDVIZ_MAX_JOBS": str(MAX_JOBS)}) as server:
        yield server


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def create(client: httpx.Client) -> str:
    """POST a default job; a 429 (every kept job still running) is allowed: wait and retry."""
    for _ in range(200):
        r = client.post("/api/jobs", json={})
        if r.status_code == 201:
            return r.json()["id"]
        assert r.status_code == 429, r.text
        assert "Retry-After" in r.headers
        time.sleep(0.05)
    raise AssertionError("still 429 after 10 s")


def test_a_thousand_jobs_leave_memory_bounded(capped_server):
    pid = capped_server.process.pid
    with httpx.Client(base_url=capped_server.url, timeout=30) as client:
        ids = [create(client) for _ in range(JOBS)]
        assert len(set(ids)) == JOBS
        deadline = time.monotonic() + 60
        while (counts := client.get("/api/health").json()["jobs"])["running"] + counts["queued"]:
            assert time.monotonic() < deadline, counts
            time.sleep(0.1)
        assert counts["kept"] <= MAX_JOBS
        assert client.get(f"/api/jobs/{ids[0]}").status_code == 404  # forgotten
        last = client.get(f"/api/jobs/{ids[-1]}")
        assert last.status_code == 200 and last.json()["status"] == "completed"
        assert len(last.json()["history"]) == 100
        rss = rss_mb(pid)
        assert rss < RSS_LIMIT_MB, f"server RSS {rss:.0f} MB after {JOBS} jobs"
        t0 = time.perf_counter()
        assert client.get("/api/health").status_code == 200
        assert time.perf_counter() - t0 < 1.0
    assert "Traceback" not in capped_server.log()
