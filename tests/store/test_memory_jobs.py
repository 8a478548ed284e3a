"""Jobs in memory: kept, capped, forgotten, refused, cancelled before they start."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.settings import Settings
from gdviz.store.memory.jobs import MemoryJob, MemoryJobs
from gdviz.store.memory.log import MemoryLog
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


def test_jobs_built_at_once_in_threads_stay_under_the_cap():
    """Jobs with much data are built in threads, several at once (and quick ones on the event loop
    meanwhile): each takes its place under the cap before it is built, and the jobs' table is never
    walked while another thread changes it (a soak once met "OrderedDict mutated during
    iteration", a 500)."""
    jobs = MemoryJobs(Settings(max_jobs=3), MemoryUploads())  # not started: nothing trains
    big = JobConfig(dataset={"kind": "synthetic", "n": 1_000_000})
    gate = threading.Barrier(8)

    def make() -> str:
        gate.wait()
        try:
            return create(jobs, big).id
        except TooManyJobs:
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: make(), range(8)))
    assert made.count("refused") == 5 and len(jobs.jobs) == 3


def test_an_ended_job_keeps_its_events_as_wire_alone_and_answers_the_same():
    """Once a job has ended, its log drops the records (the wire form stays) and the job its
    history: streams and summaries read the same as a job that kept everything."""
    config = JobConfig(epochs=40, mode="minibatch", batch_size=5, granularity="step")
    kept = Job(config, MemoryLog(), max_step_events=5000)
    kept.run()
    jobs = MemoryJobs(Settings(max_running=1), MemoryUploads())
    jobs.start()
    try:
        handle = create(jobs, config)
        wait_finished(handle)
        deadline = time.monotonic() + 10
        while handle.job.history:  # the worker compacts it just after its last turn
            assert time.monotonic() < deadline, "never compacted"
            time.sleep(0.01)
        assert handle.log.events == [] and handle.log.ended and len(handle.log) == len(kept.log)
        # the same events on the wire but the meta's (it holds the job's id)
        assert handle.log.wire(1) == kept.log.wire(1) and handle.log.wire(5) == kept.log.wire(5)
        summary, reference = handle.summary(), kept.summary()
        assert summary["epochs_done"] == reference["epochs_done"] == 40
        assert summary["history"] == json.loads(json.dumps(reference["history"]))
        assert handle.summary(history=False)["epochs_done"] == 40
        assert len(handle.log.payloads("step")) == 40 * 4
    finally:
        jobs.shutdown()


def test_a_watched_run_whose_loop_went_quiet_ends_then_is_forgotten(memory_jobs):
    from gdviz.watched import RunEvent, RunSpec

    spec = RunSpec(param_names=["w", "b"], params=[0.0, 1.0])
    handle = run(memory_jobs.create_run(spec, "digest"))
    loop = run(memory_jobs.get_run(handle.id))
    assert loop.token_digest == "digest" and handle.status == "running"
    assert run(loop.add([RunEvent(epoch=1, loss=1.0, params=[0.5, 0.5])])) == (1, "running")
    time.sleep(0.35)  # no batch for longer than the ttl (0.3 s): its process died
    assert get(memory_jobs, handle.id) is handle
    assert handle.status == "failed" and "sent nothing for" in handle.summary()["done"]["reason"]
    time.sleep(0.35)
    assert get(memory_jobs, handle.id) is None and run(memory_jobs.get_run(handle.id)) is None
