"""A learning-rate sweep: the same run at many rates, each to its end, to draw loss against lr."""

from typing import NotRequired

from typing_extensions import TypedDict

from . import models
from .config import ConfigError, JobConfig
from .job import Job
from .payloads import Finished
from .store.memory.log import MemoryLog
from .uploads import UploadStore

MAX_RATES = 50
MAX_WORK = 200_000  # updates summed over all rates: a sweep answers within seconds


class SweepResult(TypedDict):
    """One rate's outcome: what that single run's ``done`` event says."""

    lr: float
    status: Finished
    epochs: int
    loss: float | None
    params: list[float] | None  # in meta.param_names order
    w: NotRequired[float | None]  # where the model has (w, b)
    b: NotRequired[float | None]


def sweep(
    config: JobConfig, lrs: list[float], uploads: UploadStore | None = None
) -> list[SweepResult]:
    """Each rate's outcome, equal to what that single run's ``done`` event says."""
    models.check(config)
    runs = [
        config.model_copy(update={"lr": lr, "granularity": "epoch", "delay_ms": 0}) for lr in lrs
    ]

    def job(run: JobConfig) -> Job:
        return Job(run, MemoryLog(), max_step_events=1, uploads=uploads)

    first = job(runs[0])
    work = len(lrs) * config.epochs * first.training.steps_per_epoch
    if work > MAX_WORK:
        raise ConfigError(
            ("lrs",),
            f"{len(lrs)} rates × {config.epochs} epochs × {first.training.steps_per_epoch} updates "
            f"per epoch is {work:,} updates; at most {MAX_WORK:,}",
            "sweepWork",
            work=work,
            max=MAX_WORK,
        )
    results: list[SweepResult] = []
    for run in runs:
        trained = first if run is runs[0] else job(run)
        trained.run()
        done = trained.done
        assert done is not None  # run() to the end
        keys = ("status", "epochs", "loss", "w", "b", "params")
        results.append({"lr": run.lr, **{k: done[k] for k in keys if k in done}})  # type: ignore[typeddict-item, literal-required]
    return results
