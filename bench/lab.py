"""Benchmark: the lab's costs, as ratios in this process (``python bench/lab.py``).

- trace_state: a job that reports the optimizer's state with every epoch ÷ the same job without
  it (adam, full batch and mini-batch), CPU time.
- A 20-rate sweep (``gdviz.sweeps.sweep``) ÷ one run of the same config: the sweep trains 20 runs,
  so 20× is the cost of doing nothing clever; less means the shared set-up pays off.
"""

from functools import partial

import numpy as np

from common import Figure, cpu_ratio, print_table
from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.store.memory.log import MemoryLog
from gdviz.sweeps import sweep

ROUNDS = 7
GOAL_TRACE = 1.5  # tracing reads a few tensors per epoch: well under half the epoch's cost


def run(config: JobConfig) -> None:
    Job(config, MemoryLog(), max_step_events=1).run()


def measure() -> list[Figure]:
    figures = []
    for mode, epochs in (("sgd", 2000), ("minibatch", 400)):
        base = JobConfig(mode=mode, optimizer="adam", epochs=epochs, lr=0.05)
        traced = base.model_copy(update={"trace_state": True})
        ratio, s, b = cpu_ratio(partial(run, traced), partial(run, base), ROUNDS)
        figures.append(
            Figure(
                f"trace_state, adam {mode}, {epochs} epochs",
                f"≤ {GOAL_TRACE}×",
                f"{ratio:.2f}× ({s * 1000:.0f} vs {b * 1000:.0f} ms)",
                ratio <= GOAL_TRACE,
            )
        )
    config = JobConfig(mode="minibatch", epochs=100)
    lrs = list(np.geomspace(1e-3, 1.0, 20))
    ratio, s, b = cpu_ratio(lambda: sweep(config, lrs), lambda: run(config), 3)
    figures.append(
        Figure(
            "20-rate sweep vs one run (minibatch, 100 epochs)",
            "≤ 20×",
            f"{ratio:.1f}× ({s * 1000:.0f} vs {b * 1000:.0f} ms)",
            ratio <= 20,
        )
    )
    return figures


if __name__ == "__main__":
    print_table(measure())
