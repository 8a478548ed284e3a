"""Benchmark 2: one epoch of mini-batch SGD on n = 100,000 points, batch 64 — the engine (a whole
job) against the lesson's ``DataLoader`` loop on the same data. Goal: at least 3× faster, and the
same numbers."""

import torch

from common import Figure, cpu_ratio
from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.store.memory.log import MemoryLog
from seed_loops import minibatch

GOAL = 3.0
N, BATCH = 100_000, 64
CONFIG = {
    "mode": "minibatch",
    "epochs": 1,
    "batch_size": BATCH,
    "dataset": {"kind": "synthetic", "n": N},
}


def seed_run() -> tuple[float, float, float]:
    """The lesson's data generator at this n (linspace, as the engine's ``n``), then its loop."""
    torch.manual_seed(2021)
    X = torch.linspace(-3, 3, N).view(-1, 1)
    Y = 2.0 * X + -1.0 + torch.randn(X.shape)
    return minibatch(epochs=1, batch_size=BATCH, X=X, Y=Y)[0]


def engine_run() -> tuple[float, float, float]:
    job = Job(JobConfig(**CONFIG), MemoryLog(), max_step_events=20_000)
    job.run()
    assert job.status == "completed", job.done
    last = job.history[-1]
    return last["loss"], last["w"], last["b"]


def measure(rounds: int = 5) -> list[Figure]:
    same = engine_run() == seed_run()
    r, t_engine, t_seed = cpu_ratio(engine_run, seed_run, rounds)
    speedup = 1 / r
    return [
        Figure(
            "2 big mini-batch (n=1e5, bs 64, 1 epoch)",
            f"≥ {GOAL:.0f}× faster, same numbers",
            f"{speedup:.2f}× ({t_engine * 1e3:.0f} vs {t_seed * 1e3:.0f} ms), {'identical' if same else 'DIFFERENT'}",
            speedup >= GOAL and same,
        )
    ]


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
