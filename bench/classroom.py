"""Benchmark 4: a classroom on one 2-core machine. 50 clients at once on 127.0.0.1, each creating
a 500-epoch job and reading its whole stream, while /api/health is polled; then 50 followers on
one job. Goals: every job completes with every event, p95 time to first epoch ≤ 250 ms, health
p99 ≤ 50 ms; every follower gets every event.

The clients use aiohttp and read the stream line by line: 50 students sit at 50 machines, but here
they share the server's 2 cores, and httpx with httpx-sse spent more CPU than the server (3.2 s of
it over the load), which delayed the very first events it measures."""

import asyncio
import json
import tempfile
import time
from pathlib import Path

import aiohttp

from common import Figure, percentile
from support import running_server

CLIENTS, EPOCHS = 50, 500
PACED_EPOCHS, PACED_DELAY_MS, GOAL_PACE = 100, 20, 1.10  # a teacher's demo at 50 epochs/s
GOAL_FIRST_P95_S, GOAL_HEALTH_P99_S = 0.250, 0.050
DEADLINE_S = 120  # the whole load is abandoned (and fails) after this


async def read_stream(
    client: aiohttp.ClientSession, url: str, t0: float
) -> tuple[list[int], float | None]:
    """The ids of every event, and the seconds from ``t0`` to the first epoch event."""
    ids, first, rest = [], None, b""
    async with client.get(url) as response:
        response.raise_for_status()
        async for chunk in response.content.iter_any():
            *events, rest = (rest + chunk).split(b"\r\n\r\n")  # sse-starlette ends lines with CRLF
            for event in events:
                fields = dict(
                    line.split(b": ", 1) for line in event.split(b"\r\n") if b": " in line
                )
                if b"id" not in fields:  # a ping comment
                    continue
                ids.append(int(fields[b"id"]))
                if first is None and fields[b"event"] == b"epoch":
                    first = time.perf_counter() - t0
                if (
                    fields[b"event"] == b"done"
                    and json.loads(fields[b"data"])["status"] != "completed"
                ):
                    raise RuntimeError(f"job ended {fields[b'data']}")
    return ids, first


async def post_json(client: aiohttp.ClientSession, url: str, config: dict) -> dict:
    async with client.post(url, json=config) as response:
        response.raise_for_status()
        return await response.json()


async def get_json(client: aiohttp.ClientSession, url: str) -> dict:
    async with client.get(url) as response:
        response.raise_for_status()
        return await response.json()


async def student(client: aiohttp.ClientSession, config: dict) -> tuple[list[int], float | None]:
    t0 = time.perf_counter()
    job = await post_json(client, "/api/jobs", config)
    return await read_stream(client, job["links"]["events"], t0)


async def poll_health(client: aiohttp.ClientSession, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await get_json(client, "/api/health")
        out.append(time.perf_counter() - t0)
        await asyncio.sleep(0.02)


def complete(ids: list[int], epochs: int = EPOCHS) -> bool:
    return ids == list(range(1, epochs + 3))  # meta, every epoch, done


async def classroom(url: str) -> list[Figure]:
    timeout = aiohttp.ClientTimeout(total=DEADLINE_S)
    async with (
        aiohttp.ClientSession(
            url, timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
        ) as client,
        aiohttp.ClientSession(url, timeout=timeout) as health_client,
    ):
        await student(client, {"epochs": 5})  # warm
        stop, health = asyncio.Event(), []
        poller = asyncio.create_task(poll_health(health_client, stop, health))
        t0 = time.perf_counter()
        results = await asyncio.wait_for(
            asyncio.gather(*(student(client, {"epochs": EPOCHS}) for _ in range(CLIENTS))),
            DEADLINE_S,
        )
        wall = time.perf_counter() - t0
        stop.set()
        await poller

        # 50 followers on one paced job, then the same job with none: does watching slow it?
        follow_config = {"epochs": EPOCHS}
        links = (await post_json(client, "/api/jobs", follow_config))["links"]
        t1 = time.perf_counter()
        followers = await asyncio.gather(
            *(read_stream(client, links["events"], t1) for _ in range(CLIENTS))
        )
        followed_s = time.perf_counter() - t1
        alone_s = await time_unwatched(client, follow_config)

        # The teacher's demo is paced: 50 followers must not slow that pace.
        paced = {"epochs": PACED_EPOCHS, "delay_ms": PACED_DELAY_MS}
        links = (await post_json(client, "/api/jobs", paced))["links"]
        t2 = time.perf_counter()

        async def follow() -> list[int]:
            ids, _ = await read_stream(client, links["events"], t2)
            return ids

        tasks = [asyncio.create_task(follow()) for _ in range(CLIENTS)]
        paced_ok = sum(complete(ids, PACED_EPOCHS) for ids in await asyncio.gather(*tasks))
        paced_followed_s = (await get_json(client, links["self"]))[
            "elapsed_s"
        ]  # the server's clock
        unwatched = (await post_json(client, "/api/jobs", paced))["links"]["self"]
        while (summary := await get_json(client, unwatched))["done"] is None:
            await asyncio.sleep(0.01)
        paced_alone_s = summary["elapsed_s"]

    all_complete = sum(complete(ids) for ids, _ in results)
    firsts = [first for _, first in results if first is not None]
    p95_first, p99_health = percentile(firsts, 95), percentile(health, 99)
    followers_ok = sum(complete(ids) for ids, _ in followers)
    return [
        Figure(
            f"4 classroom: {CLIENTS} jobs complete, no event lost",
            f"{CLIENTS}/{CLIENTS}",
            f"{all_complete}/{CLIENTS} in {wall:.1f} s",
            all_complete == CLIENTS,
        ),
        Figure(
            "4 classroom: p95 time to first epoch",
            f"≤ {GOAL_FIRST_P95_S * 1e3:.0f} ms",
            f"{p95_first * 1e3:.0f} ms (median {percentile(firsts, 50) * 1e3:.0f}, max {max(firsts) * 1e3:.0f})",
            p95_first <= GOAL_FIRST_P95_S,
        ),
        Figure(
            "4 classroom: /api/health p99 under load",
            f"≤ {GOAL_HEALTH_P99_S * 1e3:.0f} ms",
            f"{p99_health * 1e3:.1f} ms ({len(health)} polls, max {max(health) * 1e3:.1f})",
            p99_health <= GOAL_HEALTH_P99_S,
        ),
        Figure(
            f"4 {CLIENTS} followers on one job",
            f"{CLIENTS}/{CLIENTS} get every event",
            f"{followers_ok}/{CLIENTS}; job took {followed_s * 1e3:.0f} ms followed vs {alone_s * 1e3:.0f} ms alone "
            f"({followed_s / alone_s:.2f}×)",
            followers_ok == CLIENTS,
        ),
        Figure(
            f"4 {CLIENTS} followers on a paced demo ({PACED_DELAY_MS} ms/epoch): its pace",
            f"≤ {GOAL_PACE:.2f}× unwatched, all get every event",
            f"{paced_followed_s:.2f} s followed vs {paced_alone_s:.2f} s alone "
            f"({paced_followed_s / paced_alone_s:.2f}×); {paced_ok}/{CLIENTS} complete",
            paced_followed_s / paced_alone_s <= GOAL_PACE and paced_ok == CLIENTS,
        ),
    ]


async def time_unwatched(client: aiohttp.ClientSession, config: dict) -> float:
    """Wall time of a job nobody streams: created, then polled until done."""
    t0 = time.perf_counter()
    url = (await post_json(client, "/api/jobs", config))["links"]["self"]
    while (await get_json(client, url))["done"] is None:
        await asyncio.sleep(0.005)
    return time.perf_counter() - t0


def measure_on(url: str) -> list[Figure]:
    return asyncio.run(classroom(url))


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "server.log") as server:
        return measure_on(server.url)


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
