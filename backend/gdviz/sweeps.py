"""A learning-rate sweep: the same run at many rates, each to its end, to draw loss against lr."""

import threading

from typing_extensions import TypedDict

from .config import ConfigError, JobConfig, check_config
from .job import Job
from .payloads import Finished
from .store.memory.log import MemoryLog
from .uploads import UploadStore

MAX_RATES = 50
MAX_WORK = 200_000  # updates summed over all rates: a sweep answers within seconds
# ... and the points those updates go over (n per full-batch update, the batch per mini-batch
# one), as the surface's cap counts grid cells × points: a few seconds of a core
MAX_POINT_WORK = 100_000_000
TURN_S = 0.05  # a sweep looks at ``stop`` this often


class Stopped(RuntimeError):
    """The sweep was stopped (its client left) before its end."""


class SweepResult(TypedDict):
    """One rate's outcome: what that single run's ``done`` event says."""

    lr: float
    status: Finished
    epochs: int
    loss: float | None
    w: float
    b: float


def sweep(
    config: JobConfig,
    lrs: list[float],
    uploads: UploadStore | None = None,
    stop: threading.Event | None = None,
) -> list[SweepResult]:
    """Each rate's outcome, equal to what that single run's ``done`` event says; ``Stopped`` as
    soon as ``stop`` is set."""
    check_config(config)
    runs = [
        config.model_copy(update={"lr": lr, "granularity": "epoch", "delay_ms": 0}) for lr in lrs
    ]

    def job(run: JobConfig) -> Job:
        return Job(run, MemoryLog(), max_step_events=1, uploads=uploads)

    first = job(runs[0])
    steps, n = first.training.steps_per_epoch, first.training.n
    work = len(lrs) * config.epochs * steps
    if work > MAX_WORK:
        raise ConfigError(
            ("lrs",),
            f"{len(lrs)} rates × {config.epochs} epochs × {steps} updates "
            f"per epoch is {work:,} updates; at most {MAX_WORK:,}",
            "sweepWork",
            work=work,
            max=MAX_WORK,
        )
    points = len(lrs) * config.epochs * n  # an epoch's updates go over the n points once
    if points > MAX_POINT_WORK:
        raise ConfigError(
            ("lrs",),
            f"{len(lrs)} rates × {config.epochs} epochs over {n:,} points is {points:,} "
            f"point-updates; at most {MAX_POINT_WORK:,}",
            "sweepPoints",
            work=points,
            max=MAX_POINT_WORK,
        )
    results: list[SweepResult] = []
    for run in runs:
        trained = first if run is runs[0] else job(run)
        while not trained.run(TURN_S):  # a turn at a time: a client that left stops it
            if stop is not None and stop.is_set():
                trained.cancel()
                raise Stopped("the sweep was stopped")
        done = trained.done
        assert done is not None  # run() to the end
        results.append(
            {
                "lr": run.lr,
                "status": done["status"],
                "epochs": done["epochs"],
                "loss": done["loss"],
                "w": done["w"],
                "b": done["b"],
            }
        )
    return results
