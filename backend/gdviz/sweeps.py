"""A learning-rate sweep: the same run at many rates, each to its end, to draw loss against lr."""

from .config import ConfigError, JobConfig, check_config
from .jobs import Job

MAX_RATES = 50
MAX_WORK = 200_000  # updates summed over all rates: a sweep answers within seconds


def sweep(config: JobConfig, lrs: list[float]) -> list[dict]:
    """Each rate's outcome, equal to what that single run's ``done`` event says."""
    check_config(config)
    runs = [
        config.model_copy(update={"lr": lr, "granularity": "epoch", "delay_ms": 0}) for lr in lrs
    ]
    first = Job(runs[0], max_step_events=1)
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
    results = []
    for run in runs:
        job = first if run is runs[0] else Job(run, max_step_events=1)
        job.run()
        done = job.done
        assert done is not None  # run() to the end
        keys = ("status", "epochs", "loss", "w", "b", "params")
        results.append({"lr": run.lr, **{k: done[k] for k in keys if k in done}})  # type: ignore[literal-required]
    return results
