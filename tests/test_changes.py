"""PATCH /api/jobs/{id}: lr and the optimizer's knobs changed while a job runs, over a real server.
The changed run's history equals a torch loop that makes the same change at the same epoch, and the
job's script reproduces it. Every test runs on both backends: in memory, and on Redis, where the
change travels to the process that trains the job (tests/store/test_redis_jobs.py: another process, and a
takeover after a change)."""

import csv
import io
import subprocess
import sys
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import torch

from support import Server, read_events


@pytest.fixture
def client(any_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


def lesson_data() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(2021)
    X = torch.arange(-3, 3, 0.3).view(-1, 1)
    return X, 2 * X - 1 + torch.randn(X.shape)


def test_a_live_lr_change_takes_effect_at_the_next_epoch(client) -> None:
    job = client.post("/api/jobs", json={"epochs": 150, "delay_ms": 20}).json()
    events = read_events(client, job["id"], stop_after=8)  # meta and some epochs: it is running
    answer = client.patch(f"/api/jobs/{job['id']}", json={"lr": 0.02})
    assert answer.status_code == 200, answer.text
    changed_at = answer.json()["epoch"]
    assert answer.json()["lr"] == 0.02
    events = read_events(client, job["id"])
    changes = [data for _, event, data in events if event == "change"]
    assert changes == [{"epoch": changed_at, "lr": 0.02}]
    epochs = [data for _, event, data in events if event == "epoch"]
    assert [e["lr"] for e in epochs] == [0.1] * (changed_at - 1) + [0.02] * (151 - changed_at)

    X, Y = lesson_data()  # the same run, changed by hand at the same epoch
    w = torch.randn([1, 1]).requires_grad_()
    b = torch.randn([1, 1]).requires_grad_()
    opt = torch.optim.SGD([w, b], lr=0.1)
    want = []
    for epoch in range(1, 151):
        if epoch == changed_at:
            opt.param_groups[0]["lr"] = 0.02
        loss = torch.mean((X * w + b - Y) ** 2)
        loss.backward()
        opt.step()
        opt.zero_grad()
        want.append((loss.item(), w.item(), b.item()))
    got = [(e["loss"], e["w"], e["b"]) for e in epochs]
    assert np.allclose(got, want, rtol=0, atol=1e-6)

    script = client.get(f"/api/jobs/{job['id']}/code").text
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    rows = [
        (float(r["loss"]), float(r["w"]), float(r["b"]))
        for r in csv.DictReader(io.StringIO(out.stdout))
    ]
    assert np.allclose(rows, got, rtol=0, atol=1e-6)


def test_adam_betas_change_and_the_script_reproduces_it(client) -> None:
    job = client.post(
        "/api/jobs", json={"mode": "minibatch", "optimizer": "adam", "epochs": 100, "delay_ms": 20}
    ).json()
    read_events(client, job["id"], stop_after=5)
    answer = client.patch(f"/api/jobs/{job['id']}", json={"beta1": 0.5, "lr": 0.3})
    assert answer.status_code == 200, answer.text
    events = read_events(client, job["id"])
    epochs = [data for _, event, data in events if event == "epoch"]
    assert epochs[-1]["lr"] == 0.3
    script = client.get(f"/api/jobs/{job['id']}/code").text
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    rows = [(float(r["w"]), float(r["b"])) for r in csv.DictReader(io.StringIO(out.stdout))]
    assert np.allclose(rows, [(e["w"], e["b"]) for e in epochs], rtol=0, atol=1e-6)


def test_a_finished_job_cannot_change(client) -> None:
    job = client.post("/api/jobs", json={"epochs": 3}).json()
    read_events(client, job["id"])
    answer = client.patch(f"/api/jobs/{job['id']}", json={"lr": 0.5})
    assert answer.status_code == 409
    assert (
        "nothing left to change" in answer.json()["detail"]
        or "completed" in answer.json()["detail"]
    )


@pytest.mark.parametrize(
    ("config", "change", "field"),
    [
        ({}, {}, "lr"),
        ({}, {"lr": 0}, "lr"),
        ({}, {"lr": "fast"}, "lr"),
        ({}, {"momentum": 0.5}, "momentum"),  # plain sgd has no momentum
        ({"optimizer": "adam"}, {"alpha": 0.9}, "alpha"),
        ({"optimizer": "adam"}, {"beta1": 1}, "beta1"),
        ({"optimizer": "nesterov"}, {"momentum": 0}, "momentum"),
        ({"mode": "manual"}, {"beta2": 0.9}, "beta2"),
        ({"scheduler": {"name": "StepLR", "step_size": 5}}, {"lr": 0.5}, "lr"),
        ({}, {"epochs": 10}, "epochs"),
    ],
)
def test_bad_changes_name_the_field(client, config, change, field) -> None:
    job = client.post("/api/jobs", json={**config, "epochs": 500, "delay_ms": 50}).json()
    try:
        answer = client.patch(f"/api/jobs/{job['id']}", json=change)
        assert answer.status_code == 422, answer.text
        assert field in answer.text
    finally:
        client.delete(f"/api/jobs/{job['id']}")
