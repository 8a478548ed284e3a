"""Benchmark: one stream per page (``GET /api/streams``) against a stream per run, for pages that
race four runs. The server's CPU time (its process, all threads: training included, the same
jobs either way) while 25 such pages read their runs live, then while they read them again after
the end, ten times (late pages: only the streaming is left). Goals: every page gets every event of
every run once; after the end, where only the streaming costs, the multiplexed stream costs the
server no more than four streams do. (Live, training the 100 runs takes most of the CPU, the same
either way, and the ratio is reported as measured.)

Rounds alternate between the two ways; the least disturbed round of each is compared."""

import asyncio
import os
import tempfile
from pathlib import Path

import aiohttp

from common import Figure
from support import running_server

PAGES, RUNS, EPOCHS, DELAY_MS, ROUNDS = 25, 4, 60, 20, 5
LATE_READS = 10  # each page reads its finished race this many times (CPU time is counted in ticks)
MODES = ("sgd", "minibatch", "linear", "design")  # a race of methods
GOAL = 1.0  # the multiplexed stream ÷ a stream per run, in server CPU time


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def events_of(response: aiohttp.ClientResponse) -> list[tuple[str | None, int]]:
    """(job tag or None, event id) of every event with data, in order."""
    out, job, rest = [], None, b""
    async for chunk in response.content.iter_any():
        *events, rest = (rest + chunk).split(b"\r\n\r\n")
        for event in events:
            fields = dict(line.split(b": ", 1) for line in event.split(b"\r\n") if b": " in line)
            if fields.get(b"event") == b"job":
                job = fields[b"data"].decode()
            elif b"data" in fields:
                out.append((job, int(fields[b"id"])))
    return out


async def one_stream(client: aiohttp.ClientSession, ids: list[str]) -> dict[str, list[int]]:
    async with client.get("/api/streams", params={"jobs": ",".join(ids)}) as response:
        response.raise_for_status()
        got: dict[str, list[int]] = {job: [] for job in ids}
        for job, n in await events_of(response):
            got[job].append(n)
        return got


async def stream_per_run(client: aiohttp.ClientSession, ids: list[str]) -> dict[str, list[int]]:
    async def read(job: str) -> list[int]:
        async with client.get(f"/api/jobs/{job}/events") as response:
            response.raise_for_status()
            return [n for _, n in await events_of(response)]

    return dict(zip(ids, await asyncio.gather(*(read(job) for job in ids)), strict=True))


async def race(client: aiohttp.ClientSession) -> list[str]:
    async def create(mode: str) -> str:
        config = {"mode": mode, "epochs": EPOCHS, "delay_ms": DELAY_MS}
        async with client.post("/api/jobs", json=config) as response:
            response.raise_for_status()
            return (await response.json())["id"]

    return list(await asyncio.gather(*(create(mode) for mode in MODES[:RUNS])))


async def round_of(client, pid: int, read) -> tuple[float, float, bool]:
    """Server CPU seconds while every page reads its race live, then again after the end; and
    whether every page got every event once."""
    races = await asyncio.gather(*(race(client) for _ in range(PAGES)))
    t0 = server_cpu_s(pid)
    live = await asyncio.gather(*(read(client, ids) for ids in races))
    t1 = server_cpu_s(pid)
    late = []
    for _ in range(LATE_READS):
        late += await asyncio.gather(*(read(client, ids) for ids in races))
    t2 = server_cpu_s(pid)
    whole = list(range(1, EPOCHS + 3))
    complete = all(ids == whole for got in live + late for ids in got.values())
    return t1 - t0, t2 - t1, complete


async def compare(url: str, pid: int) -> list[Figure]:
    timeout = aiohttp.ClientTimeout(total=300)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(url, timeout=timeout, connector=connector) as client:
        await round_of(client, pid, one_stream)  # warm both paths
        await round_of(client, pid, stream_per_run)
        results: dict[str, list[tuple[float, float, bool]]] = {"one": [], "per_run": []}
        for i in range(ROUNDS):
            ways = [("one", one_stream), ("per_run", stream_per_run)]
            for name, read in ways if i % 2 == 0 else ways[::-1]:
                results[name].append(await round_of(client, pid, read))
    one_live = min(r[0] for r in results["one"])
    per_live = min(r[0] for r in results["per_run"])
    one_late = min(r[1] for r in results["one"])
    per_late = min(r[1] for r in results["per_run"])
    complete = all(r[2] for rs in results.values() for r in rs)
    what = f"{PAGES} pages × {RUNS} runs of {EPOCHS} epochs"
    return [
        Figure(
            f"one stream per page vs a stream per run, live ({what}): server CPU",
            "every event once (the CPU mostly trains)",
            f"{one_live / per_live:.2f}× ({one_live:.2f} s vs {per_live:.2f} s); "
            f"{'all complete' if complete else 'EVENTS LOST'}",
            complete,
        ),
        Figure(
            f"one stream per page vs a stream per run, after the end ({what}): server CPU",
            f"≤ {GOAL:.1f}×",
            f"{one_late / per_late:.2f}× ({one_late:.3f} s vs {per_late:.3f} s)",
            one_late / per_late <= GOAL,
        ),
    ]


def measure() -> list[Figure]:
    # every run trains at once (the pauses overlap), as on a server with cores to spare
    env = {"GDVIZ_MAX_RUNNING": str(PAGES * RUNS)}
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(Path(tmp) / "server.log", env=env) as server,
    ):
        return asyncio.run(compare(server.url, server.process.pid))


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
