"""Manual gradient descent on MSE, in-process: below lr = 2/λ_max it converges to least squares at
the rate the maths promises; above it the run ends ``diverged`` and no event carries NaN or ∞."""

import math

import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.store.memory.log import MemoryLog
from support import strict_json


def hessian_eigenvalues(x: torch.Tensor) -> tuple[float, float]:
    """Eigenvalues of the MSE Hessian in (w, b): 2/n·[Σx², Σx; Σx, n], ascending."""
    x = x.double().view(-1)
    n = len(x)
    H = (
        2
        / n
        * torch.tensor(
            [[float((x * x).sum()), float(x.sum())], [float(x.sum()), float(n)]],
            dtype=torch.float64,
        )
    )
    lo, hi = torch.linalg.eigvalsh(H).tolist()
    return lo, hi


datasets = st.fixed_dictionaries(
    {
        "kind": st.just("synthetic"),
        "x_start": st.floats(-5, 0),
        "n": st.integers(2, 300),
        "true_w": st.floats(-5, 5),
        "true_b": st.floats(-5, 5),
        "noise": st.floats(0, 3),
    }
).flatmap(lambda d: st.floats(d["x_start"] + 0.5, 5).map(lambda stop: {**d, "x_stop": stop}))


def job_for(dataset: dict, seed: int, **fields) -> Job:
    """A job built only to read its data (nothing runs)."""
    return Job(
        JobConfig(mode="manual", dataset=dataset, seed=seed, **fields),
        MemoryLog(),
        max_step_events=20_000,
    )


def run(dataset: dict, seed: int, lr: float, epochs: int) -> Job:
    job = Job(
        JobConfig(mode="manual", dataset=dataset, seed=seed, lr=lr, epochs=epochs),
        MemoryLog(),
        max_step_events=20_000,
    )
    job.run()
    for chunk in job.log.wire(0):  # every event as a stream writes it
        fields = dict(line.split(": ", 1) for line in chunk.decode().splitlines() if ": " in line)
        strict_json(fields["data"])  # raises on NaN / Infinity
    return job


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets, seed=st.integers(0, 2**31), fraction=st.floats(0.05, 0.95))
def test_below_two_over_lambda_max_it_converges_to_least_squares(dataset, seed, fraction):
    probe = job_for(dataset, seed)
    lo, hi = hessian_eigenvalues(probe.data.x)
    lr = min(fraction * 2 / hi, 100.0)
    epochs = 400
    job = run(dataset, seed, lr, epochs)
    assert job.status == "completed", job.done
    w_ls, b_ls = job.least_squares
    start = job.training.start
    # GD on a quadratic: e_{t+1} = (I − lr·H) e_t, so |e_T| ≤ ρ^T |e_0| with ρ = max|1 − lr·λ|.
    rho = max(abs(1 - lr * lo), abs(1 - lr * hi))
    e0 = math.hypot(start["w"] - w_ls, start["b"] - b_ls)
    last = job.history[-1]
    eT = math.hypot(last["w"] - w_ls, last["b"] - b_ls)
    tolerance = (
        1e-4 * (1 + abs(w_ls) + abs(b_ls)) / max(lr * lo, 1e-3)
    )  # float32 rounding, amplified by 1/(lr·λ_min)
    assert eT <= rho**epochs * e0 + tolerance
    assert eT <= e0 + tolerance  # never moves away from the solution
    losses = [r["loss"] for r in job.history]
    assert losses[-1] <= losses[0] + 1e-6 * (1 + abs(losses[0]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets, seed=st.integers(0, 2**31), factor=st.floats(1.2, 3.0))
def test_above_two_over_lambda_max_it_diverges_without_nan(dataset, seed, factor):
    probe = job_for(dataset, seed)
    _, hi = hessian_eigenvalues(probe.data.x)
    lr = factor * 2 / hi
    if lr > 100:  # the config's bound; such flat data cannot diverge within it
        return
    job = run(dataset, seed, lr, epochs=20_000)
    assert job.status == "diverged", job.done
    done = job.done
    assert f"at epoch {done['diverged_at']}" in done["reason"]
    assert done["epochs"] == len(job.history) == done["diverged_at"] - 1 < 20_000
    assert done["loss"] is None or math.isfinite(done["loss"])  # the last finite loss, or none
    assert job.log.ended
    assert all(math.isfinite(v) for r in job.history for v in r.values())
