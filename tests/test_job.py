"""A job on its own: its run, its cancel, its log's wake-ups, the data it holds."""

import asyncio
import gc
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import torch

from gdviz.config import JobConfig
from gdviz.data import load
from gdviz.job import Job
from gdviz.store.memory.log import MemoryLog
from gdviz.train import Training, make_rng


def test_a_paced_job_cancelled_during_its_turn_ends_with_the_turn():
    """A cancel that lands while a worker trains leaves the job to that worker: the turn must end
    it, not hand it to the pacer (which, on shutdown, would never wake it)."""
    job = Job(JobConfig(epochs=100, delay_ms=50), MemoryLog(), max_step_events=100)
    append = job.log.append

    def cancel_mid_turn(kind: str, record: dict) -> None:
        append(kind, record)
        if kind == "epoch":
            job.cancel()

    job.log.append = cancel_mid_turn  # type: ignore[method-assign]
    assert job.run(budget_s=0.0) is True
    assert job.status == "cancelled"
    assert job.log.ended


def test_watchers_of_a_fast_run_are_woken_at_most_sixty_times_a_second():
    log = MemoryLog()
    job = Job(JobConfig(mode="manual", epochs=3000), log, max_step_events=20_000)
    wakes, seen = 0, 0

    async def watch() -> float:
        nonlocal wakes, seen
        log.attach(asyncio.get_running_loop())
        trainer = asyncio.create_task(asyncio.to_thread(job.run))
        began = time.monotonic()
        while not (log.ended and seen == len(log)):
            await log.wait_beyond(seen)
            wakes += 1
            seen = len(log)
        await trainer
        return time.monotonic() - began

    # In a thread of its own: after the browser tests, Playwright's loop holds the main thread's.
    with ThreadPoolExecutor(1) as pool:
        elapsed = pool.submit(lambda: asyncio.run(watch())).result()
    assert seen == 3002 and job.status == "completed"
    assert wakes <= elapsed * 60 + 3, (wakes, elapsed)  # without the limit: about one per epoch


def big_tensors() -> list[torch.Tensor]:
    gc.collect()
    with warnings.catch_warnings():  # looking at every object touches torch's deprecated names
        warnings.simplefilter("ignore")
        return [t for t in gc.get_objects() if isinstance(t, torch.Tensor) and t.numel() >= 10**5]


def test_a_job_with_many_points_holds_its_data_only_while_it_trains():
    config = JobConfig(  # batches of 5,000: the data's size matters here, not the step count
        mode="design", epochs=3, batch_size=5_000, dataset={"kind": "synthetic", "n": 100_000}
    )
    rng = make_rng(config.seed)
    data = load(config, rng)
    uninterrupted = [r for kind, r in Training(config, data, rng) if kind == "epoch"]
    first = data.x.view(-1).tolist()
    del data, rng
    big = Job(config, MemoryLog(), max_step_events=1)
    assert big_tensors() == []  # queued: its meta, not its data
    big.run()
    assert big.history == uninterrupted  # the data and the model made again: the same numbers
    assert big_tensors() == []  # ended: the data, and the design matrix made of it, are freed
    assert big.data.x.view(-1).tolist() == first  # a late surface gets the same data again
    small = Job(JobConfig(epochs=2), MemoryLog(), max_step_events=1)
    small.run()
    assert small.data is small.data  # the lesson's 20 points are simply kept
