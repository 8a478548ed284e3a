"""POST /api/sweeps: one config at many rates; each result equals that single run's done event."""

from collections.abc import Iterator

import httpx
import pytest

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
