"""Benchmark: a class of 300 students in one room, on one 2-core machine (127.0.0.1).

All 300 follow the room's stream; the teacher changes the run (five times, a second apart): goal,
p95 of the time from the teacher's call to each student receiving it ≤ 250 ms. Then a question and
300 answers in one burst: every answer counted (the teacher's count and the last count each
student saw), answer p95 stated. /api/health is polled throughout: p99 stated.

Students are light aiohttp clients reading the stream line by line, as in bench/classroom.py:
they share the server's 2 cores. Run ``python bench/rooms.py`` (in memory) or
``python bench/rooms.py --redis`` (the room in Redis).
"""

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from common import Figure, percentile
from support import running_redis, running_server

STUDENTS, RUN_CHANGES = 300, 5
GOAL_RUN_P95_S = 0.250
DEADLINE_S = 120


class Student:
    """One follower: when each run reached it, and the highest answer count it saw."""

    def __init__(self) -> None:
        self.joined = asyncio.Event()
        self.runs: dict[str, float] = {}  # job id: arrival time
        self.counts: dict[int, int] = {}  # question id: answers

    async def follow(self, client: aiohttp.ClientSession, url: str) -> None:
        rest = b""
        async with client.get(url) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_any():
                now = time.perf_counter()
                *events, rest = (rest + chunk).split(b"\r\n\r\n")  # sse-starlette ends with CRLF
                for event in events:
                    fields = dict(
                        line.split(b": ", 1) for line in event.split(b"\r\n") if b": " in line
                    )
                    name = fields.get(b"event")
                    if name == b"room":
                        self.joined.set()
                    elif name == b"run":
                        self.runs.setdefault(json.loads(fields[b"data"])["job"], now)
                    elif name == b"answers":
                        data = json.loads(fields[b"data"])
                        q = data["question"]
                        self.counts[q] = max(self.counts.get(q, 0), data["answers"])


async def poll_health(client: aiohttp.ClientSession, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        async with client.get("/api/health") as response:
            await response.read()
        out.append(time.perf_counter() - t0)
        await asyncio.sleep(0.02)


async def until(condition, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def lesson(url: str) -> list[Figure]:
    timeout = aiohttp.ClientTimeout(total=DEADLINE_S)
    async with (
        aiohttp.ClientSession(
            url, timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
        ) as client,
        aiohttp.ClientSession(url, timeout=timeout) as teacher,
        aiohttp.ClientSession(url, timeout=timeout) as health_client,
    ):
        async with teacher.post("/api/rooms") as made:
            room = await made.json()
        base, auth = (
            f"/api/rooms/{room['code']}",
            {"Authorization": f"Bearer {room['teacher_key']}"},
        )
        jobs = []
        for _ in range(RUN_CHANGES):
            async with teacher.post("/api/jobs", json={"epochs": 5}) as made:
                jobs.append((await made.json())["id"])

        stop, health = asyncio.Event(), []
        poller = asyncio.create_task(poll_health(health_client, stop, health))
        students = [Student() for _ in range(STUDENTS)]
        t0 = time.perf_counter()
        readers = [asyncio.create_task(s.follow(client, f"{base}/events")) for s in students]
        await asyncio.wait_for(asyncio.gather(*(s.joined.wait() for s in students)), DEADLINE_S)
        join_s = time.perf_counter() - t0

        # The teacher changes the run: when does each student have it?
        delays = []
        for job in jobs:
            await asyncio.sleep(1.0)
            sent = time.perf_counter()
            async with teacher.put(f"{base}/job", json={"job": job}, headers=auth) as changed:
                changed.raise_for_status()
            await until(lambda job=job: all(job in s.runs for s in students), 10)
            delays += [s.runs[job] - sent for s in students if job in s.runs]
        reached = len(delays)

        # A question, and the whole class answers at once.
        async with teacher.post(
            f"{base}/questions",
            json={
                "kind": "choice",
                "prompt": "lr = 0.5: the loss will…",
                "choices": ["converge", "oscillate", "diverge"],
            },
            headers=auth,
        ) as asked:
            qid = (await asked.json())["id"]
        await asyncio.sleep(0.5)

        async def answer(i: int) -> tuple[int, float]:
            t = time.perf_counter()
            body = {"student": f"student{i}", "choice": i % 3}
            async with client.post(f"{base}/questions/{qid}/answers", json=body) as answered:
                await answered.read()
                return answered.status, time.perf_counter() - t

        t1 = time.perf_counter()
        answers = await asyncio.gather(*(answer(i) for i in range(STUDENTS)))
        burst_s = time.perf_counter() - t1
        accepted = sum(status == 201 for status, _ in answers)
        await until(lambda: all(s.counts.get(qid) == STUDENTS for s in students), 10)
        async with teacher.get(f"{base}/questions/{qid}", headers=auth) as read:
            view = await read.json()
        all_saw = sum(s.counts.get(qid) == STUDENTS for s in students)

        stop.set()
        await poller
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    p95_run, p99_health = percentile(delays, 95), percentile(health, 99)
    answer_s = [t for _, t in answers]
    counted = view["answers"] == STUDENTS and sum(view["counts"]) == STUDENTS
    return [
        Figure(
            f"rooms: {STUDENTS} students join the room stream",
            f"{STUDENTS}/{STUDENTS}",
            f"{sum(s.joined.is_set() for s in students)}/{STUDENTS} in {join_s:.2f} s",
            all(s.joined.is_set() for s in students),
        ),
        Figure(
            "rooms: the teacher's run change reaches the class, p95",
            f"≤ {GOAL_RUN_P95_S * 1e3:.0f} ms",
            f"{p95_run * 1e3:.0f} ms (median {percentile(delays, 50) * 1e3:.0f}, max "
            f"{max(delays) * 1e3:.0f}; {reached}/{STUDENTS * RUN_CHANGES} received)",
            p95_run <= GOAL_RUN_P95_S and reached == STUDENTS * RUN_CHANGES,
        ),
        Figure(
            f"rooms: {STUDENTS} answers in one burst, all counted",
            f"{STUDENTS}/{STUDENTS}",
            f"{accepted} accepted in {burst_s:.2f} s; teacher counts {view['answers']} "
            f"({view['counts']}); {all_saw}/{STUDENTS} students saw the count reach {STUDENTS}",
            counted and accepted == STUDENTS and all_saw == STUDENTS,
        ),
        Figure(
            "rooms: answer time p95 (stated)",
            "stated",
            f"{percentile(answer_s, 95) * 1e3:.0f} ms (median {percentile(answer_s, 50) * 1e3:.0f}, "
            f"max {max(answer_s) * 1e3:.0f})",
            True,
        ),
        Figure(
            "rooms: /api/health p99 during the class (stated)",
            "stated",
            f"{p99_health * 1e3:.1f} ms ({len(health)} polls, max {max(health) * 1e3:.1f})",
            True,
        ),
    ]


def measure(redis: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        if not redis:
            with running_server(Path(tmp) / "server.log", startup_s=120) as server:
                return asyncio.run(lesson(server.url))
        with (
            running_redis() as url,
            running_server(
                Path(tmp) / "server.log", env={"GDVIZ_REDIS_URL": url}, startup_s=120
            ) as server,
        ):
            figures = asyncio.run(lesson(server.url))
        for figure in figures:
            figure.name += " [Redis]"
        return figures


if __name__ == "__main__":
    from common import print_table

    print_table(measure(redis="--redis" in sys.argv))
