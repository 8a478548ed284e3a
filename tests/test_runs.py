"""The runs API (routes/runs.py) on a real server, memory and Redis: a loop's epochs appear on the
job's own paths exactly as sent, and bad or hostile input is refused with the field named."""

import math

import httpx
import pytest

from gdviz.watched import MAX_BATCH, POSTS_PER_S
from support import Server, read_events, strict_json

POINTS = {"x": [1.0, 2.0, 3.0, 4.0], "y": [2.1, 3.9, 6.2, 7.8]}
SPEC = {"name": "my loop", "param_names": ["w", "b"], "params": [0.5, -0.25], "points": POINTS}


def epoch(k: int, loss: object = None, params: object = None) -> dict:
    return {
        "epoch": k,
        "loss": 1.0 / max(k, 1) if loss is None else loss,
        "params": [0.5 + k / 10, -0.25 + k / 100] if params is None else params,
    }


@pytest.fixture
def api(any_server: Server) -> httpx.Client:
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


def make(api: httpx.Client, **changes: object) -> tuple[str, dict[str, str]]:
    r = api.post("/api/runs", json={**SPEC, **changes})
    assert r.status_code == 201, r.text
    body = r.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def send(api: httpx.Client, run: str, auth: dict[str, str], events: list) -> httpx.Response:
    return api.post(f"/api/runs/{run}/events", json={"events": events}, headers=auth)


def test_a_runs_epochs_are_a_jobs_events(api: httpx.Client) -> None:
    r = api.post("/api/runs", json=SPEC)
    assert r.status_code == 201
    body = r.json()
    run, auth = body["id"], {"Authorization": f"Bearer {body['token']}"}
    assert body["links"]["page"] == f"/?job={run}"
    sent = [epoch(1) | {"grads": [0.5, 0.25], "lr": [0.05]}, epoch(2), epoch(3)]
    r = send(api, run, auth, sent[:2])
    assert r.json() == {"id": run, "status": "running", "epochs": 2}
    assert send(api, run, auth, sent[2:]).json()["epochs"] == 3
    done = api.post(f"/api/runs/{run}/done", headers=auth)
    assert done.status_code == 200 and done.json()["status"] == "completed"

    events = read_events(api, run)
    assert [e for _, e, _ in events] == ["meta", "epoch", "epoch", "epoch", "done"]
    meta = events[0][2]
    assert meta["param_names"] == ["w", "b"] and meta["start_params"] == [0.5, -0.25]
    assert meta["watched"] == {"name": "my loop", "param_names": ["w", "b"]}
    assert meta["least_squares"]["w"] == pytest.approx(1.94, abs=1e-6)  # the data's own fit
    for (_, _, got), want in zip(events[1:4], sent, strict=True):
        assert got["epoch"] == want["epoch"] and got["loss"] == want["loss"]
        assert got["params"] == want["params"] and (got["w"], got["b"]) == tuple(want["params"])
    assert events[1][2]["grad_w"] == 0.5 and events[1][2]["lr"] == 0.05
    assert events[4][2] | {"reason": None} == {
        "status": "completed",
        "epochs": 3,
        "loss": sent[2]["loss"],
        "params": sent[2]["params"],
        "w": sent[2]["params"][0],
        "b": sent[2]["params"][1],
        "reason": None,
    }
    state = api.get(f"/api/jobs/{run}").json()
    assert state["status"] == "completed" and [e["loss"] for e in state["history"]] == [
        1,
        0.5,
        1 / 3,
    ]
    surface = api.get(f"/api/jobs/{run}/surface", params={"resolution": 5})
    assert surface.status_code == 200 and surface.json()["least_squares"]["b"] == pytest.approx(
        0.15
    )
    code = api.get(f"/api/jobs/{run}/code")
    assert code.status_code == 404 and "watched loop" in code.json()["detail"]
    share = api.get(f"/api/jobs/{run}/share")
    assert share.json()["url"].endswith(f"/?job={run}")
    assert api.patch(f"/api/jobs/{run}", json={"lr": 0.2}).status_code == 409
    # ended: nothing more
    assert send(api, run, auth, [epoch(4)]).status_code == 409
    assert api.post(f"/api/runs/{run}/done", headers=auth).status_code == 409


def test_a_failed_loop_and_a_cancelled_one(api: httpx.Client) -> None:
    run, auth = make(api)
    send(api, run, auth, [epoch(1)])
    r = api.post(
        f"/api/runs/{run}/done",
        json={"status": "failed", "reason": "ValueError: boom"},
        headers=auth,
    )
    assert r.json()["done"]["reason"] == "ValueError: boom" and r.json()["status"] == "failed"
    run, auth = make(api)
    assert api.delete(f"/api/jobs/{run}").json()["status"] == "cancelled"
    r = send(api, run, auth, [epoch(1)])
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_loss_is_the_divergence_it_is(api: httpx.Client, bad: str) -> None:
    run, auth = make(api)
    r = send(api, run, auth, [epoch(1), epoch(2, loss=bad), epoch(3)])
    assert r.json() == {"id": run, "status": "diverged", "epochs": 1}
    events = read_events(api, run)  # strict JSON: no NaN anywhere
    assert [e for _, e, _ in events] == ["meta", "epoch", "done"]
    done = events[-1][2]
    assert done["status"] == "diverged" and done["diverged_at"] == 2 and done["loss"] == 1.0
    assert "at epoch 2" in done["reason"]
    text = api.get(f"/api/jobs/{run}").text
    strict_json(text)
    assert send(api, run, auth, [epoch(3)]).status_code == 409


def test_a_nan_token_and_a_huge_parameter(api: httpx.Client) -> None:
    run, auth = make(api)
    body = '{"events": [{"epoch": 1, "loss": 2.0, "params": [1e300, 0]}, {"epoch": 2, "loss": NaN, "params": [0, 0]}]}'
    r = api.post(
        f"/api/runs/{run}/events",
        content=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["status"] == "diverged"
    strict_json(api.get(f"/api/jobs/{run}").text)


def test_tokens(api: httpx.Client) -> None:
    run, auth = make(api)
    _, other_auth = make(api)
    assert send(api, run, {}, [epoch(1)]).status_code == 401
    assert send(api, run, {"Authorization": "Basic abc"}, [epoch(1)]).status_code == 401
    assert send(api, run, {"Authorization": "Bearer nope"}, [epoch(1)]).status_code == 403
    r = send(api, run, other_auth, [epoch(1)])  # another run's token
    assert r.status_code == 403 and "not this run's" in r.json()["detail"]
    assert api.post(f"/api/runs/{run}/done", headers=other_auth).status_code == 403
    assert send(api, "nosuchrun", auth, [epoch(1)]).status_code == 404
    job = api.post("/api/jobs", json={"epochs": 1}).json()["id"]  # a job gdviz trains
    assert send(api, job, auth, [epoch(1)]).status_code == 404
    assert send(api, run, {}, "not a list").status_code == 401  # the token first, then the body
    assert api.get(f"/api/jobs/{run}").json()["epochs_done"] == 0


BAD_SPECS = [
    ({"name": ""}, ["body", "name"]),
    ({"name": "x" * 41}, ["body", "name"]),
    ({"name": "a\nb"}, ["body", "name"]),
    ({"param_names": []}, ["body", "param_names"]),
    ({"param_names": ["w", "w"]}, ["body", "param_names"]),
    ({"param_names": ["w", "b", "c"], "params": [1, 2, 3]}, ["body", "param_names"]),
    ({"params": [1.0]}, ["body", "params"]),
    ({"params": [1, "2"]}, ["body", "params", 1]),
    ({"params": [1e300, 0], "lr": 1e7}, ["body", "lr"]),
    ({"points": {"x": [1, 2], "y": [1]}}, ["body", "points", "y"]),
    ({"points": {"x": [1], "y": [1]}}, ["body", "points", "x"]),
    ({"points": {"x": list(range(10_001)), "y": [0] * 10_001}}, ["body", "points", "x"]),
    ({"model": {"kind": "cnn"}}, ["body", "model"]),
    ({"model": {"kind": "mlp"}}, ["body", "param_names"]),  # 49 parameters, not these 2
    ({"loss": "bce"}, ["body", "loss"]),
    ({"lr": 0}, ["body", "lr"]),
    ({"epochs": 20_001}, ["body", "epochs"]),
    ({"token": "mine"}, ["body", "token"]),
]


@pytest.mark.parametrize(("change", "loc"), BAD_SPECS)
def test_bad_specs_name_their_field(api: httpx.Client, change: dict, loc: list) -> None:
    r = api.post("/api/runs", json={**SPEC, **change})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][: len(loc)] == loc, r.json()


def test_other_models_and_no_data(api: httpx.Client) -> None:
    run, auth = make(api, points=None)
    assert api.get(f"/api/jobs/{run}/surface").status_code == 404
    assert (
        api.get(f"/api/jobs/{run}").json()["meta"]["minimum"]["reason"] == "the loop sent no data"
    )
    spec = {
        "param_names": ["a", "b", "c"],
        "params": [0, 0, 0],
        "model": {"kind": "poly", "degree": 2},
    }
    run, auth = make(api, **spec)
    assert api.get(f"/api/jobs/{run}").json()["meta"]["param_names"] == ["b0", "b1", "b2"]
    assert send(api, run, auth, [epoch(1, params=[1, 2, 3])]).status_code == 200


BAD_EVENTS = [
    ([epoch(0)], ["body", "events", 0, "epoch"]),
    ([epoch(2), epoch(2)], ["body", "events", 1, "epoch"]),
    ([epoch(3), epoch(2)], ["body", "events", 1, "epoch"]),
    ([epoch(1, params=[1.0])], ["body", "events", 0, "params"]),
    ([epoch(1, params=[1, 2, 3])], ["body", "events", 0, "params"]),
    ([epoch(1) | {"grads": [1.0]}], ["body", "events", 0, "grads"]),
    ([epoch(1) | {"grads": ["NaN", 1]}], ["body", "events", 0, "grads", 0]),
    ([epoch(1, loss="nan")], ["body", "events", 0, "loss"]),
    ([epoch(1, loss=True)], ["body", "events", 0, "loss"]),
    ([epoch(1) | {"lr": [0.1] * 17}], ["body", "events", 0, "lr"]),
    ([epoch(1) | {"extra": 1}], ["body", "events", 0, "extra"]),
    ([{"loss": 1.0, "params": [0, 0]}], ["body", "events", 0, "epoch"]),
    ([], ["body", "events"]),
    ([epoch(k) for k in range(1, MAX_BATCH + 2)], ["body", "events"]),
]


@pytest.mark.parametrize(("events", "loc"), BAD_EVENTS)
def test_bad_events_name_their_field(api: httpx.Client, events: list, loc: list) -> None:
    run, auth = make(api)
    r = send(api, run, auth, events)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][: len(loc)] == loc, r.json()
    assert api.get(f"/api/jobs/{run}").json()["epochs_done"] == 0  # nothing of it kept


def test_bounds_on_size_count_and_rate(api: httpx.Client) -> None:
    run, auth = make(api)
    big = [epoch(k) for k in range(1, MAX_BATCH + 1)]
    assert send(api, run, auth, big).json()["epochs"] == MAX_BATCH
    r = send(api, run, auth, [epoch(MAX_BATCH + 1, params=[0.0] * 2) | {"loss": 1.0}] * 1)
    assert r.status_code == 200
    huge = api.post(f"/api/runs/{run}/events", content=b"{" + b" " * 2_000_000 + b"}", headers=auth)
    assert huge.status_code == 413
    far = send(api, run, auth, [epoch(20_001)])
    assert far.status_code == 422
    codes = [send(api, run, auth, [epoch(5000 + k)]).status_code for k in range(POSTS_PER_S + 5)]
    assert 429 in codes and codes[0] == 200, codes
    assert not any(math.isnan(e["loss"]) for e in api.get(f"/api/jobs/{run}").json()["history"])


def test_a_student_sends_a_watched_run_and_the_teacher_shows_it(api: httpx.Client) -> None:
    run, auth = make(api)
    send(api, run, auth, [epoch(1), epoch(2)])
    room = api.post("/api/rooms").json()
    code, teacher = room["code"], {"Authorization": f"Bearer {room['teacher_key']}"}
    try:
        sent = api.post(f"/api/rooms/{code}/runs", json={"student": "Ada", "job": run})
        assert sent.status_code in (200, 201), sent.text
        shown = api.put(
            f"/api/rooms/{code}/job",
            json={"job": run, "student": True, "name": "Ada"},
            headers=teacher,
        )
        assert shown.status_code == 200, shown.text
        state = api.get(f"/api/rooms/{code}").json()
        assert state["run"]["job"] == run and state["shared_runs"] == 1
        shared = api.get(f"/api/rooms/{code}/runs", headers=teacher).json()["runs"]
        assert shared[0]["job"] == run and shared[0]["student"] == "Ada"
    finally:
        api.delete(f"/api/rooms/{code}", headers=teacher)


def test_on_redis_a_watched_runs_keys_always_expire(redis_server: Server, redis_url: str) -> None:
    """No process holds a lease on a watched run: its keys expire GDVIZ_JOB_TTL_S after its last
    batch (a loop whose process died leaves nothing behind), and after its end as a job's do."""
    import redis

    r = redis.Redis.from_url(redis_url, decode_responses=True)
    with httpx.Client(base_url=redis_server.url, timeout=30) as api:
        run, auth = make(api)
        keys = [f"gdviz:job:{run}", f"gdviz:events:{run}"]
        assert all(0 < r.ttl(k) <= 3600 for k in keys)
        send(api, run, auth, [epoch(1)])
        assert all(0 < r.ttl(k) <= 3600 for k in keys)
        assert r.zscore("gdviz:watched", run) is not None  # counted under GDVIZ_MAX_JOBS
        api.post(f"/api/runs/{run}/done", headers=auth)
        assert all(0 < r.ttl(k) <= 3600 for k in keys) and r.zscore("gdviz:watched", run) is None
