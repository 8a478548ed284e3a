"""Benchmark 5: on a warm server, the time from POSTing a job to reading its first ``epoch``
event, as a multiple of two ``/api/health`` round trips. Goal: at most 3×."""

import statistics
import tempfile
import time
from pathlib import Path

import httpx
from httpx_sse import connect_sse

from common import Figure
from support import running_server

GOAL = 3.0


def first_epoch_s(client: httpx.Client, config: dict) -> float:
    t0 = time.perf_counter()
    r = client.post("/api/jobs", json=config)
    r.raise_for_status()
    with connect_sse(client, "GET", r.json()["links"]["events"]) as source:
        for sse in source.iter_sse():
            if sse.event == "epoch":
                return time.perf_counter() - t0
    raise RuntimeError("the stream ended without an epoch event")


def two_health_s(client: httpx.Client) -> float:
    t0 = time.perf_counter()
    client.get("/api/health").raise_for_status()
    client.get("/api/health").raise_for_status()
    return time.perf_counter() - t0


def measure_on(url: str, rounds: int = 40) -> list[Figure]:
    config = {"epochs": 5}  # the lesson's run, short: only the first event matters
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(10):  # warm: connections, first-call costs, the worker threads
            first_epoch_s(client, config), two_health_s(client)
        firsts, healths = [], []
        for _ in range(rounds):
            firsts.append(first_epoch_s(client, config))
            healths.append(two_health_s(client))
    first, health = statistics.median(firsts), statistics.median(healths)
    r = first / health
    return [
        Figure(
            "5 time to first epoch event",
            f"≤ {GOAL:.0f}× two /api/health",
            f"{r:.2f}× ({first * 1e3:.1f} ms vs {health * 1e3:.1f} ms, medians of {rounds})",
            r <= GOAL,
        )
    ]


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "server.log") as server:
        return measure_on(server.url)


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
