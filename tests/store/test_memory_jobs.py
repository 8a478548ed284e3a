"""Jobs in memory: kept, capped, forgotten, refused, cancelled before they start."""

import time

import pytest

from gdviz.config import JobConfig
from gdviz.settings import Settings
from gdviz.store.memory.jobs import MemoryJob, MemoryJobs
from gdviz.store.memory.uploads import MemoryUploads
from gdviz.store.protocols import TooManyJobs
from support import run


def create(jobs: MemoryJobs, config: JobConfig) -> MemoryJob:
    return run(jobs.create(config))


def get(jobs: MemoryJobs, job_id: str) -> MemoryJob | None:
    return run(jobs.get(job_id))


def wait_finished(handle: MemoryJob, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not handle.job.finished:
        assert time.monotonic() < deadline, f"job {handle.id} still {handle.status}"
        time.sleep(0.01)


def test_finished_jobs_are_forgotten_after_the_ttl(memory_jobs):
    job = create(memory_jobs, JobConfig(epochs=3))
    wait_finished(job)
    assert get(memory_jobs, job.id) is job
    time.sleep(0.4)
    assert get(memory_jobs, job.id) is None


def test_the_cap_evicts_the_oldest_finished_first():
    jobs = MemoryJobs(Settings(max_running=2, max_jobs=5, job_ttl_s=3600), MemoryUploads())
    jobs.start()
    try:
        made = [create(jobs, JobConfig(epochs=2)) for _ in range(5)]
        for job in made:
            wait_finished(job)
        newest = create(jobs, JobConfig(epochs=2))
        assert get(jobs, made[0].id) is None and get(jobs, made[1].id) is made[1]
        assert get(jobs, newest.id) is newest
    finally:
        jobs.shutdown()


def test_too_many_live_jobs_are_refused_not_dropped(memory_jobs):
    live = [create(memory_jobs, JobConfig(epochs=20000, delay_ms=100)) for _ in range(5)]
    with pytest.raises(TooManyJobs):
        create(memory_jobs, JobConfig())
    assert all(get(memory_jobs, job.id) is job for job in live)


def test_a_queued_job_can_be_cancelled():
    jobs = MemoryJobs(Settings(max_running=1), MemoryUploads())  # not started: nothing trains
    job = create(jobs, JobConfig(epochs=5))
    run(job.cancel())
    assert job.status == "cancelled" and job.job.done is not None
    assert job.job.done["reason"] == "cancelled before it started"
