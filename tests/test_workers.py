"""The training threads: turns, the pacer, their priority, their end (fed by the memory store)."""

import os
import threading
import time

import pytest

from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.settings import Settings
from gdviz.store.memory.jobs import MemoryJobs
from gdviz.store.memory.uploads import MemoryUploads
from support import run


def create(jobs: MemoryJobs, config: JobConfig) -> Job:
    return run(jobs.create(config)).job


def wait_finished(job: Job, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not job.finished:
        assert time.monotonic() < deadline, f"job {job.id} still {job.status}"
        time.sleep(0.01)


def wait_first_epoch(job: Job, timeout: float = 30) -> float:
    t0 = time.monotonic()
    while not job.history:
        assert time.monotonic() - t0 < timeout, f"job {job.id} still {job.status}"
        time.sleep(0.002)
    return time.monotonic() - t0


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_training_threads_run_at_the_processes_own_priority_in_memory(memory_jobs):
    """On a laptop the page shares the cores with the run: it must not starve it (on Redis they
    yield: tests/store/test_redis_jobs.py)."""
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    workers = [t for t in threading.enumerate() if t.name.startswith("gdviz-train-")]
    assert len(workers) == 2
    for worker in workers:
        assert worker.native_id is not None
        assert os.getpriority(os.PRIO_PROCESS, worker.native_id) == ours


def test_shutdown_cancels_and_joins_within_two_seconds():
    jobs = MemoryJobs(Settings(max_running=2), MemoryUploads())
    jobs.start()
    made = [create(jobs, JobConfig(epochs=20000, delay_ms=50)) for _ in range(4)]
    time.sleep(0.2)
    began = time.monotonic()
    jobs.shutdown(2.0)
    assert time.monotonic() - began < 2.0
    assert {job.status for job in made} == {"cancelled"}
    assert all(job.log.ended for job in made)


MILLION_BY_ONE = JobConfig(
    mode="minibatch", batch_size=1, epochs=2, dataset={"kind": "synthetic", "n": 1_000_000}
)


@pytest.mark.parametrize("granularity", ["epoch", "step"])
def test_long_epochs_take_turns_between_steps(memory_jobs, granularity):
    # Two jobs of 10⁶ steps per epoch hold both workers; a default job still starts at once.
    config = MILLION_BY_ONE.model_copy(update={"granularity": granularity})
    long_jobs = [create(memory_jobs, config) for _ in range(2)]
    while not all(job.status == "running" for job in long_jobs):
        time.sleep(0.01)
    time.sleep(0.3)
    waited = wait_first_epoch(create(memory_jobs, JobConfig()))
    assert waited < 1.0, f"first epoch after {waited:.2f} s (the goal is 250 ms)"


def test_minibatch_memory_does_not_grow_with_steps_and_is_freed_on_cancel(memory_jobs):
    before = rss_mb()
    job = create(memory_jobs, MILLION_BY_ONE)
    time.sleep(3)  # some 10⁵ steps
    grown = rss_mb() - before
    assert job.status == "running" and grown < 150, f"+{grown:.0f} MB after 3 s"
    job.cancel()
    wait_finished(job)
    assert not job.begun  # the training's state is dropped


def test_paced_jobs_wait_off_the_workers_and_keep_their_pace(memory_jobs):
    demos = [create(memory_jobs, JobConfig(epochs=3, delay_ms=5000)) for _ in range(2)]
    for demo in demos:
        wait_first_epoch(demo)
    t0 = time.monotonic()
    job = create(memory_jobs, JobConfig())
    wait_finished(job)
    assert time.monotonic() - t0 < 2.0
    paced = create(memory_jobs, JobConfig(epochs=5, delay_ms=200))
    wait_finished(paced)
    assert paced.finished_at is not None and paced.started_at is not None
    took = paced.finished_at - paced.started_at
    assert 0.8 <= took < 2.0, f"5 epochs at 200 ms took {took:.2f} s"


def test_cancelling_a_sleeping_paced_job_takes_effect_at_once(memory_jobs):
    demo = create(memory_jobs, JobConfig(epochs=3, delay_ms=5000))
    wait_first_epoch(demo)
    time.sleep(0.05)
    demo.cancel()
    assert demo.status == "cancelled" and demo.done["epochs"] == 1
