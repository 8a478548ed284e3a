"""The job API and its event stream, over a real uvicorn on 127.0.0.1."""

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from httpx_sse import connect_sse

from support import Server, read_events, running_server


@pytest.fixture
def client(any_server: Server) -> Iterator[httpx.Client]:
    """On both backends: in memory, and on Redis."""
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


def create(client: httpx.Client, **config) -> str:
    r = client.post("/api/jobs", json=config)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_events_come_in_order_with_increasing_ids(client):
    job_id = create(client, mode="minibatch", epochs=30)
    events = read_events(client, job_id)
    assert [i for i, _, _ in events] == list(range(1, 33))
    assert [e for _, e, _ in events] == ["meta"] + ["epoch"] * 30 + ["done"]
    meta = events[0][2]
    assert meta["n"] == 20 and len(meta["points"]["x"]) == 20 and meta["total_epochs"] == 30
    assert set(meta["start"]) == {"w", "b"} and set(meta["least_squares"]) == {
        "w",
        "b",
        "loss",
        "r2",
    }
    ls = meta["least_squares"]
    assert meta["minimum"] == {"w": ls["w"], "b": ls["b"], "loss": ls["loss"], "loss_name": "mse"}
    assert 0 < ls["r2"] < 1 and meta["dataset"]["scale"] is None
    epochs = [d for _, e, d in events if e == "epoch"]
    assert [d["epoch"] for d in epochs] == list(range(1, 31))
    assert set(epochs[0]) == {"epoch", "loss", "w", "b", "grad_w", "grad_b", "lr"}
    done = events[-1][2]
    assert done["status"] == "completed" and done["epochs"] == 30
    assert (done["loss"], done["w"], done["b"]) == (
        epochs[-1]["loss"],
        epochs[-1]["w"],
        epochs[-1]["b"],
    )
    summary = client.get(f"/api/jobs/{job_id}").json()
    assert summary["status"] == "completed" and summary["history"] == epochs


def test_step_events_interleave_with_epochs(client):
    events = read_events(client, create(client, mode="linear", epochs=2, granularity="step"))
    assert [e for _, e, _ in events] == ["meta"] + (["step"] * 4 + ["epoch"]) * 2 + ["done"]


def test_resume_with_last_event_id_loses_and_repeats_nothing(client):
    job_id = create(client, mode="sgd", epochs=40, delay_ms=5)
    first = read_events(client, job_id, stop_after=7)  # disconnect mid-stream
    rest = read_events(client, job_id, last_event_id=first[-1][0])
    whole = read_events(client, job_id)
    assert first + rest == whole
    assert [i for i, _, _ in whole] == list(range(1, 43))


def test_two_watchers_see_identical_events(client):
    job_id = create(client, mode="design", epochs=60, delay_ms=2)
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: read_events(client, job_id), range(2))
    assert a == b and a[-1][1] == "done"


def test_a_late_watcher_gets_the_history(client):
    job_id = create(client, epochs=10)
    read_events(client, job_id)  # the job is done now
    late = read_events(client, job_id)
    assert [e for _, e, _ in late] == ["meta"] + ["epoch"] * 10 + ["done"]


def test_cancel_ends_the_stream_as_cancelled(client):
    job_id = create(client, epochs=5000, delay_ms=20)
    read_events(client, job_id, stop_after=3)
    r = client.delete(f"/api/jobs/{job_id}")
    assert r.status_code == 200
    events = read_events(client, job_id)
    done = events[-1][2]
    assert events[-1][1] == "done" and done["status"] == "cancelled"
    assert done["epochs"] < 5000
    assert client.get(f"/api/jobs/{job_id}").json()["status"] == "cancelled"


@pytest.mark.parametrize("body", [{"epochs": 20000}, {"epochs": 5000, "delay_ms": 2000}])
def test_delete_answers_the_state_after_the_cancel_took_effect(client, body):
    job_id = create(client, **body)
    read_events(client, job_id, stop_after=2)  # meta and the first epoch: it is running
    r = client.delete(f"/api/jobs/{job_id}")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled" and r.json()["done"]["status"] == "cancelled"


@pytest.mark.parametrize(("mode", "lr"), [("manual", 5.0), ("linear", 50.0), ("design", 100.0)])
def test_divergence_is_reported_never_sent_as_nan(client, mode, lr):
    events = read_events(client, create(client, mode=mode, lr=lr, epochs=2000))
    kind, done = events[-1][1], events[-1][2]
    assert kind == "done" and done["status"] == "diverged"
    assert done["loss"] is None or isinstance(done["loss"], float)
    assert f"at epoch {done['diverged_at']}" in done["reason"]
    assert done["epochs"] == done["diverged_at"] - 1 < 2000
    assert len([e for _, e, _ in events if e == "epoch"]) == done["epochs"]


def test_a_jobs_numbers_never_depend_on_what_else_runs(client):
    config = {"mode": "minibatch", "epochs": 40, "optimizer": "momentum"}
    alone = client.get(f"/api/jobs/{create(client, **config)}")
    read_events(client, alone.json()["id"])
    alone = client.get(f"/api/jobs/{alone.json()['id']}").json()["history"]
    modes = ["manual", "sgd", "minibatch", "design", "linear"]
    configs = [dict(config)] + [{"mode": modes[i % 5], "epochs": 40, "seed": i} for i in range(19)]
    with ThreadPoolExecutor(20) as pool:
        ids = list(pool.map(lambda c: create(client, **c), configs))
        list(pool.map(lambda i: read_events(client, i), ids))
    together = client.get(f"/api/jobs/{ids[0]}").json()["history"]
    assert together == alone


def test_unknown_job_is_a_clear_404(client):
    for path in ("/api/jobs/nope", "/api/jobs/nope/events", "/api/jobs/nope/surface"):
        r = client.get(path)
        assert r.status_code == 404 and "nope" in r.json()["detail"]
    assert client.delete("/api/jobs/nope").status_code == 404


def test_client_disconnect_leaves_no_traceback(any_server, client):
    server = any_server
    job_id = create(client, epochs=200, delay_ms=10)
    read_events(client, job_id, stop_after=3)
    with (
        httpx.Client(base_url=server.url, timeout=5) as other,
        other.stream("GET", f"/api/jobs/{job_id}/events") as r,
    ):
        next(r.iter_bytes())
    client.delete(f"/api/jobs/{job_id}")
    read_events(client, job_id)
    assert "Traceback" not in server.log()
    assert "Error" not in server.log().replace("ERROR:    Exception in ASGI", "")


@pytest.fixture(scope="module")
def one_slot_server(tmp_path_factory):
    with running_server(
        tmp_path_factory.mktemp("one-slot") / "server.log", env={"GDVIZ_MAX_RUNNING": "1"}
    ) as server:
        yield server


def test_a_paced_job_leaves_the_worker_to_others(one_slot_server):
    with httpx.Client(base_url=one_slot_server.url, timeout=30) as client:
        first = create(client, epochs=1000, delay_ms=3000)  # sleeps 3 s after each epoch
        read_events(client, first, stop_after=2)
        t0 = time.monotonic()
        second = create(client, epochs=5)
        events = read_events(client, second)
        assert events[-1][2]["status"] == "completed" and events[-1][2]["epochs"] == 5
        assert time.monotonic() - t0 < 2.0
        assert client.get(f"/api/jobs/{first}").json()["status"] == "running"
        client.delete(f"/api/jobs/{first}")


def test_started_jobs_take_turns(one_slot_server):
    with httpx.Client(base_url=one_slot_server.url, timeout=30) as client:
        long = create(client, mode="linear", epochs=20000)
        read_events(client, long, stop_after=3)
        short = create(client, epochs=50)
        events = read_events(client, short)  # finishes while the long one is still training
        assert events[-1][2]["status"] == "completed"
        assert client.get(f"/api/jobs/{long}").json()["status"] == "running"
        client.delete(f"/api/jobs/{long}")
        assert read_events(client, long)[-1][2]["status"] == "cancelled"


@pytest.mark.server
def test_shutdown_ends_every_open_stream_quickly_with_a_shutdown_event(tmp_path):
    """A job's own stream, several jobs', a room's on the page's stream (alone, and beside a
    job), and a room's own: each ends with `shutdown` when the server stops (SIGTERM)."""
    with running_server(tmp_path / "server.log") as server:
        client = httpx.Client(base_url=server.url, timeout=30)
        job_id = create(client, epochs=20000, delay_ms=50)
        code = client.post("/api/rooms").json()["code"]
        paths = [
            f"/api/jobs/{job_id}/events",
            f"/api/streams?jobs={job_id}",
            f"/api/streams?room={code}",
            f"/api/streams?jobs={job_id}&room={code}",
            f"/api/rooms/{code}/events",
        ]
        last_events: dict[str, list[str]] = {path: [] for path in paths}

        def watch(path: str) -> None:
            with connect_sse(client, "GET", path) as source:
                last_events[path].extend(sse.event for sse in source.iter_sse() if sse.event)

        streams = [threading.Thread(target=watch, args=(p,), daemon=True) for p in paths]
        for stream in streams:
            stream.start()
        time.sleep(1.0)
        began = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(10)
        assert (
            time.monotonic() - began < 5.0
        )  # the process, torch teardown included, on a busy machine
        for stream in streams:
            stream.join(5)
        client.close()
    for path, events in last_events.items():  # each stream says why it ends
        assert events and events[-1] == "shutdown", (path, events[-5:])
    assert "Traceback" not in server.log()
    assert "still running" not in server.log()  # the jobs were cancelled and joined within 2 s


def test_meta_of_a_standardized_mae_run_has_its_minimum_and_the_raw_scale(
    client: httpx.Client,
) -> None:
    body = {"loss": "mae", "standardize": True, "epochs": 2}
    body["dataset"] = {"kind": "builtin", "name": "cars"}
    job_id = client.post("/api/jobs", json=body).json()["id"]
    meta = read_events(client, job_id)[0][2]
    minimum, ls = meta["minimum"], meta["least_squares"]
    assert (
        minimum["loss_name"] == "mae" and minimum["loss"] < ls["loss"]
    )  # MAE there < at least squares
    scale = meta["dataset"]["scale"]
    assert scale["x_mean"] == pytest.approx(15.4) and scale["y_mean"] == pytest.approx(42.98)
    surface = client.get(f"/api/jobs/{job_id}/surface", params={"resolution": 5}).json()
    assert surface["minimum"] == minimum
