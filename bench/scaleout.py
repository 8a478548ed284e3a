"""Benchmark 7: scaling out on Redis (``python bench/scaleout.py``).

- Throughput: 8 mini-batch jobs of 1,500 epochs, one in-memory process with 2 training workers
  vs two processes on one Redis with 1 worker each (the same 2 training threads). Goal ≥ 1.6×.
- The classroom load (50 students × 500 epochs) spread over the two processes, alternately:
  0 lost events, p95 first epoch ≤ 250 ms, health p99 ≤ 50 ms; and again with one process
  killed (SIGKILL) mid-load, each student's stream resuming on the other with Last-Event-ID.
- Redis memory per finished job; the key count after 1,000 jobs have expired.
- Engine overhead: a job written through Redis ÷ the same job in memory (CPU of this process,
  the writer thread included; and with the Redis server's CPU added).
"""

import asyncio
import os
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import aiohttp
import redis
import torch
from engine_overhead import BackgroundLoop

from common import Figure, cpu_ratio, percentile
from gdviz.config import JobConfig
from gdviz.events import encode
from gdviz.job import Job
from gdviz.settings import Settings
from gdviz.store.memory.log import MemoryLog
from gdviz.store.redis.client import Quiet, process_token
from gdviz.store.redis.scripts import key
from gdviz.store.redis.writer import StreamWriter, WriterLog
from support import Server, running_redis, running_server

JOBS, JOB_EPOCHS, GOAL_SPEEDUP = 8, 1500, 1.6
CLIENTS, EPOCHS, GOAL_FIRST_P95_S, GOAL_HEALTH_P99_S = 50, 500, 0.250, 0.050
KILL_AFTER_S = 1.0
DEADLINE_S = 180
STARTUP_S = 120  # a server's start, when other work shares the cores


# --- throughput ---


async def run_jobs(urls: list[str]) -> float:
    """Wall seconds from the first POST until every process reports no job running or queued;
    every job must have completed all its epochs."""
    async with aiohttp.ClientSession() as client:
        t0 = time.perf_counter()
        ids = []
        for i in range(JOBS):
            config = {"mode": "minibatch", "epochs": JOB_EPOCHS, "seed": i}
            async with client.post(f"{urls[i % len(urls)]}/api/jobs", json=config) as r:
                r.raise_for_status()
                ids.append((await r.json())["id"])
        while True:
            async with client.get(f"{urls[0]}/api/health") as r:
                jobs = (await r.json())["jobs"]
            if jobs["running"] == 0 and jobs["queued"] == 0:
                wall = time.perf_counter() - t0
                break
            await asyncio.sleep(0.02)
        for job_id in ids:
            async with client.get(f"{urls[-1]}/api/jobs/{job_id}") as r:
                summary = await r.json()
            assert summary["status"] == "completed", summary["done"]
            assert summary["epochs_done"] == JOB_EPOCHS
        return wall


def throughput(tmp: Path, redis_url: str, rounds: int = 3) -> list[Figure]:
    """The best of ``rounds`` alternating runs of each side: other work on the machine slows some."""
    alone, spread = [], []
    env = {"GDVIZ_MAX_RUNNING": "1", "GDVIZ_REDIS_URL": redis_url}
    with ExitStack() as stack:
        one = stack.enter_context(
            running_server(
                startup_s=STARTUP_S, log_path=tmp / "memory.log", env={"GDVIZ_MAX_RUNNING": "2"}
            )
        )
        pair = [
            stack.enter_context(
                running_server(startup_s=STARTUP_S, log_path=tmp / f"p{i}.log", env=env)
            )
            for i in (1, 2)
        ]
        for _ in range(rounds):
            alone.append(asyncio.run(run_jobs([one.url])))
            spread.append(asyncio.run(run_jobs([s.url for s in pair])))
    speedup = min(alone) / min(spread)
    return [
        Figure(
            f"7 scale-out: {JOBS} jobs × {JOB_EPOCHS} mini-batch epochs, 2 processes on Redis "
            "(1 training thread each) vs 1 in memory (2 threads)",
            f"≥ {GOAL_SPEEDUP}× faster",
            f"{speedup:.2f}× (best of {rounds}: {min(spread):.1f} vs {min(alone):.1f} s; "
            f"all runs {', '.join(f'{t:.1f}' for t in spread)} vs "
            f"{', '.join(f'{t:.1f}' for t in alone)} s)",
            speedup >= GOAL_SPEEDUP,
        )
    ]


# --- the classroom over two processes ---


async def student(
    client: aiohttp.ClientSession, urls: list[str], i: int, t0: float
) -> tuple[list[int], float | None]:
    """One student: create a job on process ``i % 2``, read its stream; when the process goes
    away, resume on the next one with Last-Event-ID (as a load balancer would route it)."""
    ids: list[int] = []
    first = None
    which = i % len(urls)
    links = None
    while links is None:
        try:
            async with client.post(f"{urls[which]}/api/jobs", json={"epochs": EPOCHS}) as r:
                r.raise_for_status()
                links = (await r.json())["links"]
        except aiohttp.ClientConnectionError:
            which = (which + 1) % len(urls)
    done = False
    while not done:
        headers = {"Last-Event-ID": str(ids[-1])} if ids else {}
        rest = b""
        try:
            async with client.get(f"{urls[which]}{links['events']}", headers=headers) as r:
                r.raise_for_status()
                async for chunk in r.content.iter_any():
                    *events, rest = (rest + chunk).split(b"\r\n\r\n")
                    for event in events:
                        fields = dict(
                            line.split(b": ", 1) for line in event.split(b"\r\n") if b": " in line
                        )
                        if b"id" not in fields:
                            continue
                        ids.append(int(fields[b"id"]))
                        if first is None and fields[b"event"] == b"epoch":
                            first = time.perf_counter() - t0
                        done = fields[b"event"] == b"done"
            if not done:
                raise aiohttp.ClientPayloadError("stream ended before done")
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
            which = (which + 1) % len(urls)
            await asyncio.sleep(0.05)
    return ids, first


async def poll_health(urls: list[str], stop: asyncio.Event, out: list[float]) -> None:
    async with aiohttp.ClientSession() as client:
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                async with client.get(f"{urls[i % len(urls)]}/api/health") as r:
                    await r.read()
                out.append(time.perf_counter() - t0)
            except aiohttp.ClientConnectionError:
                pass  # the killed process
            i += 1
            await asyncio.sleep(0.02)


async def classroom(urls: list[str], kill: int | None = None) -> tuple[list, list[float], float]:
    timeout = aiohttp.ClientTimeout(total=DEADLINE_S)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
    ) as client:
        for url in urls:  # warm
            async with client.post(f"{url}/api/jobs", json={"epochs": 5}) as r:
                r.raise_for_status()
        stop, health = asyncio.Event(), []
        poller = asyncio.create_task(poll_health(urls, stop, health))
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(student(client, urls, i, t0)) for i in range(CLIENTS)]
        if kill is not None:
            await asyncio.sleep(KILL_AFTER_S)
            os.kill(kill, signal.SIGKILL)
        results = await asyncio.wait_for(asyncio.gather(*tasks), DEADLINE_S)
        wall = time.perf_counter() - t0
        stop.set()
        await poller
    return results, health, wall


def classroom_figures(label: str, results: list, health: list[float], wall: float) -> list[Figure]:
    complete = sum(ids == list(range(1, EPOCHS + 3)) for ids, _ in results)
    firsts = [first for _, first in results if first is not None]
    p95, p99 = percentile(firsts, 95), percentile(health, 99)
    return [
        Figure(
            f"7 classroom{label}: jobs complete, ids 1…N exactly once",
            f"{CLIENTS}/{CLIENTS}",
            f"{complete}/{CLIENTS} in {wall:.1f} s",
            complete == CLIENTS,
        ),
        Figure(
            f"7 classroom{label}: p95 time to first epoch",
            f"≤ {GOAL_FIRST_P95_S * 1e3:.0f} ms",
            f"{p95 * 1e3:.0f} ms (median {percentile(firsts, 50) * 1e3:.0f}, max {max(firsts) * 1e3:.0f})",
            p95 <= GOAL_FIRST_P95_S,
        ),
        Figure(
            f"7 classroom{label}: /api/health p99",
            f"≤ {GOAL_HEALTH_P99_S * 1e3:.0f} ms",
            f"{p99 * 1e3:.1f} ms ({len(health)} polls, max {max(health) * 1e3:.1f})",
            p99 <= GOAL_HEALTH_P99_S,
        ),
    ]


def classrooms(tmp: Path, redis_url: str) -> list[Figure]:
    """The load on one process in memory first, as the reference of the same moment (the machine
    is shared), then over two processes on Redis, then again with one of them killed."""
    figures = []
    with running_server(startup_s=STARTUP_S, log_path=tmp / "c-memory.log") as one:
        results, health, wall = asyncio.run(classroom([one.url]))
    figures += classroom_figures(" (reference: 1 process in memory)", results, health, wall)
    env = {"GDVIZ_REDIS_URL": redis_url}
    for label, killed in (("", False), (", one killed mid-load", True)):
        redis.Redis.from_url(redis_url).flushdb()
        with ExitStack() as stack, ThreadPoolExecutor(2) as pool:

            def start(name: str, killed: bool = killed) -> Server:
                log_path = tmp / f"c{name}{killed}.log"
                return stack.enter_context(
                    running_server(startup_s=STARTUP_S, log_path=log_path, env=env)
                )

            pair = list(pool.map(start, ("1", "2")))
            victim = pair[0].process.pid if killed else None
            results, health, wall = asyncio.run(classroom([s.url for s in pair], victim))
        figures += classroom_figures(" over 2 processes" + label, results, health, wall)
    return figures


# --- Redis memory and expiry ---


def memory_and_expiry(tmp: Path, redis_url: str) -> list[Figure]:
    r = redis.Redis.from_url(redis_url)
    r.flushdb()
    ttl_s, count = 3.0, 1000
    env = {"GDVIZ_REDIS_URL": redis_url, "GDVIZ_JOB_TTL_S": str(ttl_s), "GDVIZ_MAX_JOBS": "2000"}
    with running_server(startup_s=STARTUP_S, log_path=tmp / "expiry.log", env=env) as server:

        async def make(n: int, config: dict) -> None:
            async with aiohttp.ClientSession(server.url) as client:
                for start in range(0, n, 50):
                    posts = [
                        client.post("/api/jobs", json=config)
                        for _ in range(start, min(n, start + 50))
                    ]
                    for response in await asyncio.gather(*posts):
                        response.raise_for_status()
                while True:
                    async with client.get("/api/health") as h:
                        jobs = (await h.json())["jobs"]
                    if jobs["running"] == jobs["queued"] == 0:
                        return
                    await asyncio.sleep(0.05)

        before = r.info("memory")["used_memory"]
        asyncio.run(make(100, {}))  # the lesson's run: 100 epochs
        per_job = (r.info("memory")["used_memory"] - before) / 100
        per_500 = r.info("memory")["used_memory"]
        asyncio.run(make(100, {"epochs": 500}))
        per_500 = (r.info("memory")["used_memory"] - per_500) / 100
        time.sleep(ttl_s + 1)
        t0 = time.perf_counter()
        asyncio.run(make(count, {"epochs": 5}))
        made_s = time.perf_counter() - t0
        peak = r.dbsize()
        time.sleep(ttl_s + 1.5)
        after = r.dbsize()
        leftover = [k.decode() for k in r.keys("*")][:5]
    return [
        Figure(
            "7 Redis memory per finished job (kept for GDVIZ_JOB_TTL_S)",
            "stated",
            f"{per_job / 1024:.1f} KiB (100 epochs), {per_500 / 1024:.1f} KiB (500 epochs)",
            True,
        ),
        Figure(
            f"7 Redis keys after {count} jobs expired",
            "~0",
            f"{after} (from {peak} while kept; {count} jobs made and done in {made_s:.1f} s)"
            + (f": {leftover}" if leftover else ""),
            after <= 3,
        ),
    ]


# --- engine overhead through Redis ---


def redis_cpu(r: redis.Redis) -> float:
    info = r.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def engine_overhead(redis_url: str) -> list[Figure]:
    """A job and one watcher's copy of its stream, built the way each backend builds it: in memory,
    the run and the wire form once; through Redis, the run, the writer thread's appends, and the
    stream read back and written as SSE (which a watching process does)."""
    torch.set_num_threads(1)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    settings = Settings(redis_url=redis_url)
    writer = StreamWriter(r, settings, process_token(), Quiet())
    writer.start()
    figures = []
    try:
        with BackgroundLoop() as loop:
            for mode, epochs in (("manual", 5000), ("minibatch", 1500)):
                config = JobConfig(mode=mode, epochs=epochs)

                def in_memory(config: JobConfig = config) -> None:
                    log = MemoryLog()
                    log.attach(loop)
                    job = Job(config, log, max_step_events=20_000)
                    job.run()
                    job.log.wire(0)

                def through_redis(config: JobConfig = config) -> None:
                    job_id = f"bench{time.perf_counter_ns()}"
                    log = WriterLog(writer, job_id, written=0)
                    job = Job(config, log, max_step_events=20_000, id=job_id)
                    job.run()
                    while r.xlen(key("events", job_id)) < len(log):  # until all is written
                        time.sleep(0.001)
                    entries = r.xrange(key("events", job_id))
                    [encode(i, f["e"], f["d"]) for i, (_, f) in enumerate(entries, 1)]

                server0 = redis_cpu(r)
                ratio, t_redis, t_memory = cpu_ratio(through_redis, in_memory, rounds=5)
                server_s = (redis_cpu(r) - server0) / 6  # per through_redis run (warm-up + 5)
                figures.append(
                    Figure(
                        f"7 engine overhead: a job and one watcher through Redis vs in memory, "
                        f"{mode} {epochs} ep",
                        "stated",
                        f"{ratio:.2f}× ({t_redis * 1e3:.0f} vs {t_memory * 1e3:.0f} ms CPU); "
                        f"with Redis's own CPU {(t_redis + server_s) / t_memory:.2f}×",
                        True,
                    )
                )
    finally:
        writer.close(5)
    return figures


SECTIONS = ("engine_overhead", "memory_and_expiry", "throughput", "classrooms")


def measure(sections: tuple[str, ...] = SECTIONS, show: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp, running_redis() as redis_url:
        for name in sections:
            section = globals()[name]
            args = (redis_url,) if name == "engine_overhead" else (Path(tmp), redis_url)
            figures += (new := section(*args))
            if show:
                from common import print_table

                print_table(new)
    return figures


if __name__ == "__main__":
    import sys

    measure(tuple(sys.argv[1:]) or SECTIONS, show=True)
