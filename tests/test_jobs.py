"""The job manager in-process: worker threads, the queue, forgetting finished jobs."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from gdviz.config import JobConfig
from gdviz.jobs import Job, JobManager, TooManyJobs
from gdviz.settings import Settings


@pytest.fixture
def manager():
    manager = JobManager(Settings(max_running=2, max_jobs=5, job_ttl_s=0.3))
    manager.start()
    yield manager
    manager.shutdown()


def wait_finished(job, timeout=30):
    deadline = time.monotonic() + timeout
    while not job.finished:
        assert time.monotonic() < deadline, f"job {job.id} still {job.status}"
        time.sleep(0.01)


def test_finished_jobs_are_forgotten_after_the_ttl(manager):
    job = manager.create(JobConfig(epochs=3))
    wait_finished(job)
    assert manager.get(job.id) is job
    time.sleep(0.4)
    assert manager.get(job.id) is None


def test_the_cap_evicts_the_oldest_finished_first(manager):
    manager.settings.job_ttl_s = 3600
    jobs = [manager.create(JobConfig(epochs=2)) for _ in range(5)]
    for job in jobs:
        wait_finished(job)
    newest = manager.create(JobConfig(epochs=2))
    assert manager.get(jobs[0].id) is None and manager.get(jobs[1].id) is jobs[1]
    assert manager.get(newest.id) is newest


def test_too_many_live_jobs_are_refused_not_dropped(manager):
    live = [manager.create(JobConfig(epochs=20000, delay_ms=100)) for _ in range(5)]
    with pytest.raises(TooManyJobs):
        manager.create(JobConfig())
    assert all(manager.get(job.id) is job for job in live)


def test_shutdown_cancels_and_joins_within_two_seconds():
    manager = JobManager(Settings(max_running=2))
    manager.start()
    jobs = [manager.create(JobConfig(epochs=20000, delay_ms=50)) for _ in range(4)]
    time.sleep(0.2)
    began = time.monotonic()
    manager.shutdown(2.0)
    assert time.monotonic() - began < 2.0
    assert {job.status for job in jobs} == {"cancelled"}
    assert all(job.log.ended for job in jobs)


def test_watchers_of_a_fast_run_are_woken_at_most_sixty_times_a_second():
    job = Job(JobConfig(mode="manual", epochs=3000), max_step_events=20_000)
    wakes, seen = 0, 0

    async def watch() -> float:
        nonlocal wakes, seen
        job.attach(asyncio.get_running_loop())
        trainer = asyncio.create_task(asyncio.to_thread(job.run))
        began = time.monotonic()
        while not (job.log.ended and seen == len(job.log)):
            await job.log.wait_beyond(seen)
            wakes += 1
            seen = len(job.log)
        await trainer
        return time.monotonic() - began

    # In a thread of its own: after the browser tests, Playwright's loop holds the main thread's.
    with ThreadPoolExecutor(1) as pool:
        elapsed = pool.submit(lambda: asyncio.run(watch())).result()
    assert seen == 3002 and job.status == "completed"
    assert wakes <= elapsed * 60 + 3, (wakes, elapsed)  # without the limit: about one per epoch
