"""Jobs on Redis: two ``gdviz serve`` processes on one real Redis. Any process streams, cancels
and trains any job, and when the training process is killed the other one finishes its job,
losing and repeating nothing, with the numbers of the uninterrupted run."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import redis
from httpx_sse import connect_sse

from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.settings import Settings
from gdviz.store.memory.log import MemoryLog
from support import Server, read_events, running_redis, running_server, strict_json

pytestmark = pytest.mark.server  # every test here starts gdviz processes of its own


@pytest.fixture(scope="module")
def redis_db(redis_url: str) -> str:
    """Database 1 of the session's Redis: these processes share no queue with the other tests."""
    url = redis_url.rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory, redis_db: str) -> Iterator[list[Server]]:
    logs = tmp_path_factory.mktemp("cluster")

    def start(name: str) -> Server:
        return stack.enter_context(
            running_server(logs / f"{name}.log", env={"GDVIZ_REDIS_URL": redis_db})
        )

    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:  # both start at once
        yield list(pool.map(start, ("a", "b")))


def create(server: Server, **config) -> str:
    r = httpx.post(f"{server.url}/api/jobs", json=config, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def trainer(pair: list[Server], redis_db: str, job_id: str) -> Server:
    """The process holding the job's lease (its token starts with host:pid)."""
    r = redis.Redis.from_url(redis_db, decode_responses=True)
    deadline = time.monotonic() + 10
    while (token := r.get(f"gdviz:lease:{job_id}")) is None:
        assert time.monotonic() < deadline, "nobody claimed the job"
        time.sleep(0.02)
    pid = int(token.split(":")[1])
    return next(server for server in pair if server.process.pid == pid)


def test_a_job_made_on_one_process_streams_from_the_other(pair):
    a, b = pair
    job_id = create(a, mode="minibatch", epochs=30)
    with httpx.Client(base_url=b.url, timeout=30) as client:
        events = read_events(client, job_id)
        assert [i for i, _, _ in events] == list(range(1, 33))
        assert events[-1][2]["status"] == "completed"
        summary = client.get(f"/api/jobs/{job_id}").json()
        assert summary["history"] == [d for _, e, d in events if e == "epoch"]
    with httpx.Client(base_url=a.url, timeout=30) as client:
        assert read_events(client, job_id) == events


def test_training_threads_yield_the_cores_to_requests(pair):
    """On Redis a process trains on every core: its training threads run at a lower OS priority
    (niceness 10 above the rest), so requests, streams and health checks answer first."""

    def nice(stat: Path) -> int:
        return int(stat.read_text().rsplit(")", 1)[1].split()[16])

    pid = pair[0].process.pid
    niceness = [nice(stat) for stat in Path(f"/proc/{pid}/task").glob("*/stat")]
    main = nice(Path(f"/proc/{pid}/stat"))
    assert sorted(niceness).count(main + 10) == Settings().max_running  # the training threads
    assert niceness.count(main) == len(niceness) - Settings().max_running


def test_an_upload_to_one_process_trains_on_the_other(pair):
    a, b = pair
    csv = b"hours,score\n1,52\n2,55\n3,61\n4,64\n5,70\n"
    r = httpx.post(f"{a.url}/api/datasets", files={"file": ("hours.csv", csv)}, timeout=10)
    assert r.status_code == 201, r.text
    dataset = {"kind": "upload", "id": r.json()["id"]}
    job_id = create(b, mode="design", epochs=20, dataset=dataset)
    with httpx.Client(base_url=a.url, timeout=30) as client:
        events = read_events(client, job_id)
    assert events[0][2]["points"]["x"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert events[-1][2]["status"] == "completed"


def test_a_new_job_goes_first_across_the_cluster(pair):
    """Every training thread of both processes busy with a long job, a new one still trains at
    once and finishes while they run: new jobs get their first turn, then all take turns."""
    a, b = pair
    longs = [create(pair[i % 2], mode="linear", epochs=20000) for i in range(4)]
    with httpx.Client(base_url=b.url, timeout=30) as client:
        for job_id in longs:
            read_events(client, job_id, stop_after=3)
        short = create(a, epochs=50)
        assert read_events(client, short)[-1][2]["status"] == "completed"
        statuses = [client.get(f"/api/jobs/{job_id}").json()["status"] for job_id in longs]
        assert statuses == ["running"] * 4
        for job_id in longs:
            client.delete(f"/api/jobs/{job_id}")
        for job_id in longs:
            assert read_events(client, job_id)[-1][2]["status"] == "cancelled"


def test_cancel_works_from_any_process(pair, redis_db):
    a, b = pair
    job_id = create(a, epochs=5000, delay_ms=20)
    other = b if trainer(pair, redis_db, job_id) is a else a
    with httpx.Client(base_url=other.url, timeout=30) as client:
        read_events(client, job_id, stop_after=3)
        assert client.delete(f"/api/jobs/{job_id}").status_code == 200
        events = read_events(client, job_id)
    assert events[-1][1] == "done" and events[-1][2]["status"] == "cancelled"
    assert [i for i, _, _ in events] == list(range(1, len(events) + 1))


def test_a_live_change_asked_of_another_process_reaches_the_trainer(pair, redis_db):
    config = {"optimizer": "adam", "epochs": 150, "delay_ms": 20}
    job_id = create(pair[0], **config)
    other = next(server for server in pair if server is not trainer(pair, redis_db, job_id))
    with httpx.Client(base_url=other.url, timeout=30) as client:
        read_events(client, job_id, stop_after=5)
        answer = client.patch(f"/api/jobs/{job_id}", json={"lr": 0.02, "beta1": 0.5})
        assert answer.status_code == 200, answer.text
        changed_at = answer.json()["epoch"]
        events = read_events(client, job_id)
    changes = [(i, d) for i, e, d in events if e == "change"]
    assert [d for _, d in changes] == [{"epoch": changed_at, "lr": 0.02, "beta1": 0.5}]
    assert changes[0][0] == changed_at + 1  # right before its epoch: meta is event 1
    alone = Job(JobConfig(**{**config, "delay_ms": 0}), MemoryLog(), max_step_events=20_000)
    alone.training.change_at(changed_at, {"lr": 0.02, "beta1": 0.5})
    alone.run()
    assert [d for _, e, d in events if e == "epoch"] == alone.history  # to the bit


def test_a_killed_trainer_is_taken_over_losing_and_repeating_nothing(pair, redis_db):
    """Killed after a live change: the successor replays the change at the same epoch."""
    config = {"mode": "minibatch", "optimizer": "adam", "epochs": 200, "delay_ms": 20}
    a, b = pair
    job_id = create(a, **config)
    dead = trainer(pair, redis_db, job_id)
    survivor = b if dead is a else a
    events, gaps = [], []
    with (
        httpx.Client(base_url=survivor.url, timeout=30) as client,
        connect_sse(client, "GET", f"/api/jobs/{job_id}/events") as source,
    ):
        last = time.monotonic()
        for sse in source.iter_sse():
            if not sse.data:  # a keep-alive comment (the stream pings every 15 s)
                continue
            now = time.monotonic()
            gaps.append(now - last)
            last = now
            events.append((int(sse.id), sse.event, strict_json(sse.data)))
            if len(events) == 10:
                answer = client.patch(f"/api/jobs/{job_id}", json={"lr": 0.03})
                assert answer.status_code == 200, answer.text
                changed_at = answer.json()["epoch"]
            if len(events) == 40:
                os.kill(dead.process.pid, signal.SIGKILL)  # mid-run, no goodbye
    assert dead.process.wait(5) == -signal.SIGKILL
    assert changed_at < 39, "the change came too late to be replayed"
    assert [i for i, _, _ in events] == list(range(1, 204)), "lost or repeated events"
    assert [d for _, e, d in events if e == "change"] == [{"epoch": changed_at, "lr": 0.03}]
    assert events[-1][2]["status"] == "completed"
    assert max(gaps) < 10, f"the survivor took {max(gaps):.1f} s to take the job over"
    alone = Job(
        JobConfig(**{**config, "delay_ms": 0}), MemoryLog(), max_step_events=20_000
    )  # same numbers
    alone.training.change_at(changed_at, {"lr": 0.03})
    alone.run()
    assert [d for _, e, d in events if e == "epoch"] == alone.history  # to the bit
    assert events[-1][2] == alone.done
    assert f"job {job_id}: its process stopped; training it here" in survivor.log()
    assert "Traceback" not in survivor.log()


def test_workers_share_one_port(tmp_path, redis_db):
    """``--workers 2``: two processes behind one port; each request may reach either."""
    with (
        running_server(
            tmp_path / "workers.log", args=("--workers", "2", "--redis", redis_db)
        ) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        jobs = [create(server, mode="sgd", epochs=20, seed=i) for i in range(4)]
        for job_id in jobs:
            events = read_events(client, job_id)
            assert [i for i, _, _ in events] == list(range(1, 23))
        pids = {
            line.split("[")[1].split("]")[0]
            for line in server.log().splitlines()
            if "Started server process" in line
        }
        assert len(pids) == 2


def test_workers_without_redis_are_refused():
    env = {k: v for k, v in os.environ.items() if k != "GDVIZ_REDIS_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", "serve", "--workers", "2"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 2 and "--workers needs Redis" in done.stderr


def test_redis_down_is_a_clear_503_and_recovers(tmp_path):
    with running_redis() as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with running_server(tmp_path / "server.log", env={"GDVIZ_REDIS_URL": url}) as server:
            client = httpx.Client(base_url=server.url, timeout=10)
            job_id = create(server, epochs=5)
            redis.Redis.from_url(url).shutdown(nosave=True)
            time.sleep(1.5)  # the threads meet the trouble too: they must log it, once
            health = client.get("/api/health")
            assert health.status_code == 503 and "unreachable" in health.json()["detail"]
            made = client.post("/api/jobs", json={})
            assert made.status_code == 503 and "Redis" in made.json()["detail"]
            assert client.get(f"/api/jobs/{job_id}").status_code == 503
            restarted = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                stdout=subprocess.DEVNULL,
            )
            try:
                deadline = time.monotonic() + 10
                while client.get("/api/health").status_code != 200:
                    assert time.monotonic() < deadline, "no recovery"
                    time.sleep(0.1)
                events = read_events(client, create(server, epochs=5))
                assert events[-1][2]["status"] == "completed"
            finally:
                restarted.terminate()
                restarted.wait(10)
            client.close()
        log = server.log()
    assert "Traceback" not in log, log[-3000:]
    assert log.count("unreachable") < 10, log[-3000:]


def test_a_redis_restarted_empty_ends_every_stream_saying_so(tmp_path):
    """Redis comes back without its data: a job's stream ends with `gone`, a room's with `closed`
    (reason `gone`), each within seconds, and nothing the server writes then is left without an
    expiry, nor is a lease said to be taken over when none was."""
    with running_redis() as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        with running_server(tmp_path / "server.log", env={"GDVIZ_REDIS_URL": url}) as server:
            client = httpx.Client(base_url=server.url, timeout=10)
            job_id = create(server, epochs=20000, delay_ms=20)
            code = client.post("/api/rooms").json()["code"]
            paths = [
                f"/api/jobs/{job_id}/events",
                f"/api/rooms/{code}/events",
                f"/api/streams?jobs={job_id}&room={code}",
            ]
            ends: dict[str, list[tuple[str, str]]] = {path: [] for path in paths}

            def watch(path: str) -> None:
                with (
                    httpx.Client(base_url=server.url, timeout=60) as own,
                    connect_sse(own, "GET", path) as source,
                ):
                    for sse in source.iter_sse():
                        if sse.event in ("gone", "closed", "shutdown"):
                            ends[path].append((sse.event, sse.data))
                    ends[path].append(("end", time.monotonic()))

            streams = [threading.Thread(target=watch, args=(p,), daemon=True) for p in paths]
            for stream in streams:
                stream.start()
            time.sleep(1.5)  # the job trains, every stream is open
            redis.Redis.from_url(url).shutdown(nosave=True)
            restarted = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                stdout=subprocess.DEVNULL,
            )
            try:
                back = time.monotonic()
                for stream in streams:
                    stream.join(20)
                assert not any(s.is_alive() for s in streams), ends
                for path, got in ends.items():
                    assert got[-1][0] == "end" and got[-1][1] - back < 15, (path, got)
                assert ends[paths[0]][0][0] == "gone" and job_id in ends[paths[0]][0][1]
                assert ends[paths[1]][0] == ("closed", f'{{"code":"{code}","reason":"gone"}}')
                assert [e for e, _ in ends[paths[2]][:-1]] == ["gone", "closed"]
                deadline = time.monotonic() + 5  # the request pool's first try may meet a
                while (read := client.get(f"/api/jobs/{job_id}")).status_code == 503:  # stale
                    assert time.monotonic() < deadline, read.text  # connection
                    time.sleep(0.2)
                assert read.status_code == 404
                time.sleep(2)  # what the process might still write, it has written
                fresh = redis.Redis.from_url(url, decode_responses=True)
                lasting = [k for k in fresh.scan_iter("gdviz:*") if fresh.ttl(k) == -1]
                shared = {"gdviz:live", "gdviz:running", "gdviz:queue", "gdviz:rooms"}
                assert not set(lasting) - shared, lasting
            finally:
                restarted.terminate()
                restarted.wait(10)
            client.close()
        log = server.log()
    assert "Traceback" not in log, log[-3000:]
    assert "took it over" not in log and f"job {job_id}: gone from Redis" in log, log[-3000:]
