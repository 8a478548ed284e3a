"""A real ``gdviz serve`` in a subprocess on 127.0.0.1, for tests and benchmarks, and reading its
streams; a store's coroutines run from a test."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from httpx_sse import connect_sse

T = TypeVar("T")

# Debian's Chromium, headless, for the browser tests and benchmarks (Playwright cannot fetch its own)
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The suite opens every room from 127.0.0.1: its shared servers let one address open as many
# rooms as may be open at all (test_rooms holds the default limit on a server of its own).
SHARED = {"GDVIZ_ROOMS_PER_ADDRESS": "100"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(
    log_path: Path,
    env: dict[str, str] | None = None,
    startup_s: float = 120,  # a busy machine (other suites on the same cores) starts slowly
    args: tuple[str, ...] = (),
) -> Iterator[Server]:
    """``gdviz serve`` on a free port, with ``env`` and extra ``args``; stopped with Ctrl-C."""
    port = free_port()
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gdviz", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    server = Server(f"http://127.0.0.1:{port}", log_path, process)
    try:
        deadline = time.monotonic() + startup_s
        while True:
            try:
                if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gdviz serve did not start:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def running_redis(db: int = 0, startup_s: float = 10, args: tuple[str, ...] = ()) -> Iterator[str]:
    """A private ``redis-server`` on a free port that keeps nothing on disk, with ``args`` (e.g.
    ``--requirepass``); yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + startup_s
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith((b"+PONG", b"-NOAUTH")):  # up, maybe locked
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "redis-server did not start (is it installed? make test installs it)"
                )
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/{db}"
    finally:
        process.terminate()
        process.wait(10)


def strict_json(text: str):
    """``json.loads`` that refuses NaN and ±Infinity, which no event may carry."""

    def refuse(name: str):
        raise ValueError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def read_events(
    client: httpx.Client,
    job_id: str,
    last_event_id: int | None = None,
    stop_after: int | None = None,
) -> list[tuple[int, str, object]]:
    """(id, event, data) of a job's stream, until it ends or ``stop_after`` events were read
    (leaving early closes the connection mid-stream)."""
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    out = []
    with connect_sse(client, "GET", f"/api/jobs/{job_id}/events", headers=headers) as source:
        for sse in source.iter_sse():
            if not sse.data:  # a keep-alive comment, which httpx-sse reports as an empty event
                continue
            out.append((int(sse.id), sse.event, strict_json(sse.data)))
            if stop_after is not None and len(out) >= stop_after:
                break
    return out


@dataclass
class Multiplexed:
    """What ``GET /api/streams`` sent: (job, id, event, data) in order, and the last stream id."""

    events: list[tuple[str, int, str, object]]
    last_id: str | None

    def of(self, job_id: str) -> list[tuple[int, str, object]]:
        return [(i, e, d) for job, i, e, d in self.events if job == job_id]


def read_streams(
    client: httpx.Client,
    job_ids: list[str],
    last_event_id: str | None = None,
    after: str | None = None,
    stop_after: int | None = None,
    room: str | None = None,
) -> Multiplexed:
    """The multiplexed stream of ``job_ids`` (and ``room``, whose events come under the key
    "room") until it ends, or until the end of the first write that brings it to ``stop_after``
    events (leaving then closes the connection mid-stream)."""
    headers = {} if last_event_id is None else {"Last-Event-ID": last_event_id}
    params = {"jobs": ",".join(job_ids), **({} if after is None else {"after": after})}
    if room is not None:
        params["room"] = room
    out = Multiplexed([], None)
    job = None
    with connect_sse(client, "GET", "/api/streams", params=params, headers=headers) as source:
        source.response.raise_for_status()
        for sse in source.iter_sse():
            if sse.event == "job":
                job = sse.data
            elif sse.event == "from-room":
                assert sse.data == room
                job = "room"
            elif sse.data:  # a job's event, with the job's own id
                assert job is not None, "an event before any job event"
                out.events.append((job, int(sse.id), sse.event, strict_json(sse.data)))
            else:  # no data (the end of a write, or a ping): only the id counts
                out.last_id = sse.id
                if stop_after is not None and len(out.events) >= stop_after:
                    break
    return out


def run_scripts(scripts: list[tuple[str, Path, list[str]]]) -> list[subprocess.CompletedProcess]:
    """Each ``(text, path, args)`` written to ``path`` and run as ``python path *args`` in its
    folder would run it, with torch imported once for all of them (``script_runner``)."""
    for text, path, _ in scripts:
        path.write_text(text)
    plan = [{"path": str(path), "args": args} for _, path, args in scripts]
    runner = Path(__file__).with_name("script_runner.py")
    done = subprocess.run(
        [sys.executable, str(runner)],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return [
        subprocess.CompletedProcess(
            [sys.executable, str(path), *args], r["returncode"], r["stdout"], r["stderr"]
        )
        for (_, path, args), r in zip(scripts, json.loads(done.stdout), strict=True)
    ]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """A coroutine run to its end in a thread of its own: after the browser tests, Playwright's
    loop holds the main thread's."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
