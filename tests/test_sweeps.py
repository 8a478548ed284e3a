"""POST /api/sweeps: one config at many rates; each result equals that single run's done event."""

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from gdviz.config import JobConfig
from gdviz.sweeps import MAX_POINT_WORK, Stopped, sweep
from support import Server, read_events


@pytest.fixture
def client(any_server: Server) -> Iterator[httpx.Client]:
    """On both backends: in memory, and on Redis."""
    with httpx.Client(base_url=any_server.url, timeout=60) as client:
        yield client


def test_each_rate_equals_its_single_run(client) -> None:
    config = {"mode": "minibatch", "epochs": 60}
    lrs = [0.001, 0.01, 0.05, 0.2, 0.6]
    answer = client.post("/api/sweeps", json={"config": config, "lrs": lrs})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["lr"] for r in results] == lrs
    for result in results:
        job = client.post("/api/jobs", json={**config, "lr": result["lr"]}).json()
        done = next(d for _, event, d in read_events(client, job["id"]) if event == "done")
        assert {k: result[k] for k in ("status", "epochs", "loss", "w", "b")} == {
            k: done[k] for k in ("status", "epochs", "loss", "w", "b")
        }


def test_a_sweep_reports_divergence_past_two_over_lambda_max(client) -> None:
    job = client.post("/api/jobs", json={"epochs": 1}).json()
    meta = read_events(client, job["id"])[0][2]
    limit = meta["curvature"]["max_stable_lr"]
    answer = client.post(
        "/api/sweeps",
        json={"config": {"mode": "manual", "epochs": 2000}, "lrs": [0.5 * limit, 1.1 * limit]},
    )
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses == ["completed", "diverged"]
    assert (
        answer.json()["results"][1]["loss"] is None or answer.json()["results"][1]["epochs"] < 2000
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lrs": []}, "lrs"),
        ({"lrs": [0.1] * 51}, "lrs"),
        ({"lrs": [0]}, "lrs"),
        ({"lrs": ["x"]}, "lrs"),
        ({"lrs": [0.1], "config": {"epochs": 0}}, "epochs"),
        ({"lrs": [0.1], "config": {"mode": "manual", "optimizer": "adam"}}, "optimizer"),
        ({"lrs": [0.1] * 50, "config": {"epochs": 20_000}}, "lrs"),  # over the work cap
        ({"rates": [0.1]}, "rates"),
    ],
)
def test_bad_sweeps_name_the_field(client, body, field) -> None:
    answer = client.post("/api/sweeps", json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def test_a_sweep_counts_the_points_its_updates_go_over(client) -> None:
    """At the update cap (50 × 4,000 updates) on 10⁶ points: 2·10¹¹ point-updates, refused."""
    config = {"epochs": 4000, "dataset": {"kind": "synthetic", "n": 1_000_000}}
    answer = client.post("/api/sweeps", json={"config": config, "lrs": [0.01] * 50})
    assert answer.status_code == 422, answer.text
    (item,) = answer.json()["detail"]
    assert item["loc"] == ["body", "lrs"]
    assert item["ctx"] == {"reason": "sweepPoints", "work": 200_000_000_000, "max": MAX_POINT_WORK}


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def test_a_sweep_whose_client_left_stops(any_server: Server, client) -> None:
    while sum(client.get("/api/health").json()["jobs"][k] for k in ("running", "queued")):
        time.sleep(0.1)  # the module's jobs before: nothing else trains
    config = {"mode": "minibatch", "batch_size": 20, "epochs": 200}
    config["dataset"] = {"kind": "synthetic", "n": 10_000}  # 200,000 updates: many seconds
    with (
        httpx.Client(base_url=any_server.url, timeout=1.0) as hasty,
        pytest.raises(httpx.ReadTimeout),
    ):
        hasty.post("/api/sweeps", json={"config": config, "lrs": [0.01]})
    time.sleep(0.5)  # the server sees the client gone within 0.1 s, the sweep stops within 0.05 s
    before = cpu_seconds(any_server.process.pid)
    time.sleep(2.0)
    assert cpu_seconds(any_server.process.pid) - before < 0.8  # a sweep would burn a core: 2 s


def test_a_stopped_sweep_stops_within_a_turn() -> None:
    config = JobConfig.model_validate(
        {"mode": "minibatch", "batch_size": 20, "epochs": 200, "dataset": {"n": 10_000}}
    )
    sweep(config.model_copy(update={"epochs": 1}), [0.01])  # torch's first optimizer: ~1 s once
    stopped, set_at = threading.Event(), []

    def stop() -> None:
        set_at.append(time.monotonic())
        stopped.set()

    timer = threading.Timer(0.5, stop)  # a sweep of many seconds, stopped under way
    timer.start()
    with pytest.raises(Stopped):
        sweep(config, [0.01], stop=stopped)
    assert time.monotonic() - set_at[0] < 2  # a turn is 50 ms, the whole sweep tens of seconds
