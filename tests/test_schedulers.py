"""Schedulers, trace_state and inline points, against torch and numpy computed here (the micrograd
way): the engine's numbers must be what a plain torch loop gives, to 1e-6."""

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from gdviz.codegen import generate
from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.store.memory.log import MemoryLog
from support import run_scripts

SCHEDULERS = {
    "StepLR": {"step_size": 7, "gamma": 0.5},
    "ExponentialLR": {"gamma": 0.95},
    "CosineAnnealingLR": {"T_max": 15, "eta_min": 0.001},
    "LinearLR": {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 10},
    "OneCycleLR": {"max_lr": 0.3},
    "ReduceLROnPlateau": {"factor": 0.5, "patience": 1, "threshold": 0.05},
}


def lesson_data(seed: int = 2021) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(seed)
    X = torch.arange(-3, 3, 0.3).view(-1, 1)
    Y = 2 * X - 1 + torch.randn(X.shape)
    return X, Y


def reference(name: str, args: dict, epochs: int) -> list[tuple[float, float, float, float]]:
    """The lesson's "sgd" loop with torch's own scheduler: (lr used, loss, w, b) per epoch."""
    X, Y = lesson_data()
    w = torch.randn([1, 1]).requires_grad_()
    b = torch.randn([1, 1]).requires_grad_()
    opt = torch.optim.SGD([w, b], lr=0.1)
    extra = {"total_steps": epochs} if name == "OneCycleLR" else {}
    if name == "OneCycleLR":
        args = {**args, "cycle_momentum": False}
    sched = getattr(torch.optim.lr_scheduler, name)(opt, **args, **extra)
    rows = []
    for _ in range(epochs):
        lr = opt.param_groups[0]["lr"]
        loss = torch.mean((X * w + b - Y) ** 2)
        loss.backward()
        opt.step()
        opt.zero_grad()
        sched.step(loss.item()) if name == "ReduceLROnPlateau" else sched.step()
        rows.append((lr, loss.item(), w.item(), b.item()))
    return rows


PLATEAU_MINIBATCH = {
    "mode": "minibatch",
    "optimizer": "adam",
    "epochs": 25,
    "scheduler": {"name": "ReduceLROnPlateau", "patience": 0, "factor": 0.5},
}


@pytest.fixture(scope="module")
def scheduled() -> dict[str, tuple[Job, list[dict]]]:
    """Each scheduler's job (30 epochs) and the CSV rows its script printed; and the mini-batch
    plateau's, as "minibatch-plateau"."""
    configs = {
        name: JobConfig.model_validate({"epochs": 30, "scheduler": {"name": name, **args}})
        for name, args in SCHEDULERS.items()
    }
    configs["minibatch-plateau"] = JobConfig.model_validate(PLATEAU_MINIBATCH)
    jobs = {name: Job(config, MemoryLog(), max_step_events=1) for name, config in configs.items()}
    for job in jobs.values():
        job.run()
    with tempfile.TemporaryDirectory() as folder:
        runs = run_scripts(
            [
                (generate(job.id, configs[name], job.data).script, Path(folder) / f"{name}.py", [])
                for name, job in jobs.items()
            ]
        )
    for run in runs:
        assert run.returncode == 0, run.stderr
    return {
        name: (job, list(csv.DictReader(io.StringIO(run.stdout))))
        for (name, job), run in zip(jobs.items(), runs, strict=True)
    }


@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_matches_torch_and_its_script(scheduled, name: str) -> None:
    job, rows = scheduled[name]
    want = reference(name, SCHEDULERS[name], 30)
    got = [(r["lr"], r["loss"], r["w"], r["b"]) for r in job.history]
    assert np.allclose(got, want, rtol=0, atol=1e-6)
    assert len({r["lr"] for r in job.history}) > 1  # the rate really changed
    printed = [(float(r["loss"]), float(r["w"]), float(r["b"])) for r in rows]
    assert np.allclose(printed, [g[1:] for g in got], rtol=0, atol=1e-6)


def test_minibatch_plateau_steps_on_the_epoch_loss_in_the_script_too(scheduled) -> None:
    job, rows = scheduled["minibatch-plateau"]
    assert job.history[-1]["lr"] < 0.1
    assert np.allclose(
        [float(r["w"]) for r in rows], [h["w"] for h in job.history], rtol=0, atol=1e-6
    )


def traced(config: JobConfig) -> tuple[Job, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The job, run with trace_state; and the lesson's data and start (w, b) to replay it."""
    job = Job(config, MemoryLog(), max_step_events=1)
    job.run()
    X, Y = lesson_data()
    w = torch.randn([1, 1]).requires_grad_()
    b = torch.randn([1, 1]).requires_grad_()
    return job, X, Y, w, b


def test_adam_trace_state_is_the_bias_corrected_moments() -> None:
    job, X, Y, w, b = traced(JobConfig(optimizer="adam", epochs=12, trace_state=True, lr=0.05))
    opt = torch.optim.Adam([w, b], lr=0.05, betas=(0.9, 0.999))
    for t, record in enumerate(job.history, 1):
        before = (w.item(), b.item())
        loss = torch.mean((X * w + b - Y) ** 2)
        loss.backward()
        opt.step()
        opt.zero_grad()
        for p, axis in ((w, "w"), (b, "b")):
            m = opt.state[p]["exp_avg"].item() / (1 - 0.9**t)
            v = opt.state[p]["exp_avg_sq"].item() / (1 - 0.999**t)
            assert record[f"m_hat_{axis}"] == pytest.approx(m, abs=1e-6)
            assert record[f"v_hat_sqrt_{axis}"] == pytest.approx(v**0.5, abs=1e-6)
        assert record["step_w"] == pytest.approx(w.item() - before[0], abs=1e-6)
        assert record["step_b"] == pytest.approx(b.item() - before[1], abs=1e-6)


def test_momentum_trace_state_is_the_buffer() -> None:
    job, X, Y, w, b = traced(JobConfig(optimizer="momentum", epochs=5, trace_state=True, lr=0.05))
    opt = torch.optim.SGD([w, b], lr=0.05, momentum=0.9)
    for record in job.history:
        torch.mean((X * w + b - Y) ** 2).backward()
        opt.step()
        opt.zero_grad()
        assert record["momentum_w"] == pytest.approx(
            opt.state[w]["momentum_buffer"].item(), abs=1e-6
        )
        assert record["momentum_b"] == pytest.approx(
            opt.state[b]["momentum_buffer"].item(), abs=1e-6
        )


def test_without_trace_state_records_stay_lean() -> None:
    job = Job(JobConfig(epochs=2), MemoryLog(), max_step_events=1)
    job.run()
    assert set(job.history[0]) == {"epoch", "loss", "w", "b", "grad_w", "grad_b", "lr"}


def test_points_fit_and_curvature_match_numpy() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(-5, 5, 200)
    y = 0.7 * x + 3 + rng.normal(0, 1, 200)
    config = JobConfig.model_validate(
        {"dataset": {"kind": "points", "x": x.tolist(), "y": y.tolist()}, "epochs": 1}
    )
    job = Job(config, MemoryLog(), max_step_events=1)
    xs = x.astype(np.float32).astype(np.float64)
    ys = y.astype(np.float32).astype(np.float64)
    w, b = np.polyfit(xs, ys, 1)
    assert job.least_squares == pytest.approx((w, b), abs=1e-6)
    design = np.stack([xs, np.ones_like(xs)], axis=1)
    hessian = 2 * design.T @ design / len(xs)  # of mean((w·x + b − y)²) in (w, b)
    eig = np.linalg.eigvalsh(hessian)
    curvature = job.meta["curvature"]
    assert np.allclose(curvature["hessian"], hessian, atol=1e-9)
    assert curvature["eigenvalues"] == pytest.approx(list(eig), rel=1e-9)
    assert curvature["condition_number"] == pytest.approx(eig[1] / eig[0], rel=1e-9)
    assert curvature["max_stable_lr"] == pytest.approx(2 / eig[1], rel=1e-9)


def test_gradient_descent_diverges_just_above_two_over_lambda_max() -> None:
    probe = Job(JobConfig(epochs=1), MemoryLog(), max_step_events=1)
    limit = probe.meta["curvature"]["max_stable_lr"]
    below = Job(
        JobConfig(mode="manual", lr=0.95 * limit, epochs=300), MemoryLog(), max_step_events=1
    )
    above = Job(
        JobConfig(mode="manual", lr=1.05 * limit, epochs=3000), MemoryLog(), max_step_events=1
    )
    below.run()
    above.run()
    assert below.status == "completed"
    assert above.status == "diverged"


def test_curvature_is_for_mse_only() -> None:
    assert (
        Job(JobConfig(loss="mae", epochs=1), MemoryLog(), max_step_events=1).meta["curvature"]
        is None
    )
