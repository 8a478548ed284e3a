"""Jobs in this process's memory: kept in a dict, trained by this process's workers, forgotten
after ``job_ttl_s`` or when over ``max_jobs``."""

import asyncio
import threading
import time
from collections import OrderedDict

from ...config import JobConfig
from ...job import Job, quick_to_build
from ...payloads import Finished, JobState, Record, Status
from ...settings import Settings
from ...uploads import UploadStore
from ...watched import RunEvent, RunSpec, Watched
from ...workers import Line, Workers
from ..protocols import JobCounts, TooManyJobs
from .log import MemoryLog


class MemoryJob:
    """A job of this process, as requests see it: they ask the ``Job`` itself."""

    def __init__(self, job: Job | Watched) -> None:
        self.job = self.setup = job
        self.id, self.config, self.meta = job.id, job.config, job.meta
        self.log: MemoryLog = job.log  # type: ignore[assignment]  # MemoryJobs made it so

    @property
    def status(self) -> Status:
        return self.job.status

    def summary(self, history: bool = True) -> JobState:
        return self.job.summary(history, records=self._records)

    def _records(self) -> list[Record]:
        return self.log.payloads("epoch")  # type: ignore[return-value]  # epochs: records

    def compact(self) -> None:
        """An ended job's events kept as their wire form alone (two thirds less memory for the hour
        it is kept; ``summary`` reads its records back from there)."""
        self.log.compact()
        self.job.let_go_of_history()

    async def change(self, values: dict[str, float]) -> int:
        return self.job.change(values)

    async def cancel(self) -> None:
        self.job.cancel()

    async def changes(self) -> list[Record]:
        return list(self.job.changes)

    async def wait_finished(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.job.finished and time.monotonic() < deadline:
            await asyncio.sleep(0.005)


class MemoryRun:
    """A watched run of this process, as its loop sees it."""

    def __init__(self, run: Watched, token_digest: str) -> None:
        self.run, self.id, self.token_digest = run, run.id, token_digest

    async def add(self, events: list[RunEvent]) -> tuple[int, Status]:
        return self.run.add(events)

    async def end(self, status: Finished, reason: str | None) -> None:
        self.run.end(status, reason)


class MemoryJobs:
    """Keeps jobs, trains at most ``max_running`` at once (``gdviz.workers``), forgets finished
    ones after a while. It is its workers' source of jobs: this process's ``Line``."""

    # Added to the training threads' OS niceness. 0 here: on a laptop the page that draws the run
    # shares the cores with it, and should not starve it.
    training_niceness = 0

    def __init__(self, settings: Settings, uploads: UploadStore) -> None:
        self.settings, self.uploads = settings, uploads
        self.jobs: OrderedDict[str, MemoryJob] = OrderedDict()
        self.runs: dict[str, MemoryRun] = {}  # the watched ones among them, by id
        # held to change or walk ``jobs``: jobs are made on the event loop and in threads at once
        self._lock = threading.Lock()
        self._building = 0  # jobs being built: their places under the cap are taken
        self.line = Line()
        self.workers = Workers(self, settings.max_running, self.training_niceness)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_expiry_check = 0.0

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self.line.start()
        self.workers.start()

    def shutdown(self, timeout: float = 2.0) -> None:
        """Cancel every job and join the workers within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            handles = list(self.jobs.values())
        for handle in handles:
            handle.job.cancel()
        self.line.stop(self.workers.count)
        self.workers.join(deadline)

    # --- requests (event loop) ---

    async def create(self, config: JobConfig) -> MemoryJob:
        """A job whose data takes a while to build is built in a worker thread."""
        if quick_to_build(config):  # about a millisecond: less than the hop to a thread under load
            return self._create(config)
        return await asyncio.to_thread(self._create, config)

    def _create(self, config: JobConfig) -> MemoryJob:
        log = MemoryLog()
        if self._loop is not None:
            log.attach(self._loop)
        with self._lock:  # a place under the cap, kept while the job is built outside the lock
            self._evict(room=1 + self._building)
            kept = len(self.jobs) + self._building
            if kept >= self.settings.max_jobs:
                raise TooManyJobs(
                    f"{kept} jobs are queued or running (GDVIZ_MAX_JOBS); try again shortly"
                )
            self._building += 1
        try:
            job = Job(
                config, log, max_step_events=self.settings.max_step_events, uploads=self.uploads
            )
        except BaseException:
            with self._lock:
                self._building -= 1
            raise
        with self._lock:
            self._building -= 1
            self.jobs[job.id] = handle = MemoryJob(job)
        self.line.put_new(job)
        return handle

    async def create_run(self, spec: RunSpec, token_digest: str) -> MemoryJob:
        """A watched run: kept with the jobs, under their cap, never given to a worker."""
        log = MemoryLog()
        if self._loop is not None:
            log.attach(self._loop)
        with self._lock:
            self._evict(room=1)
            if len(self.jobs) >= self.settings.max_jobs:
                raise TooManyJobs(
                    f"{len(self.jobs)} jobs are queued or running (GDVIZ_MAX_JOBS); try again shortly"
                )
            run = Watched(spec, log)  # a few milliseconds: its landscape, on at most 10,000 points
            self.jobs[run.id] = handle = MemoryJob(run)
            self.runs[run.id] = MemoryRun(run, token_digest)
        return handle

    async def get_run(self, run_id: str) -> MemoryRun | None:
        with self._lock:
            self._evict()
            return self.runs.get(run_id)

    async def get(self, job_id: str) -> MemoryJob | None:
        with self._lock:
            self._evict()
            return self.jobs.get(job_id)

    async def counts(self) -> JobCounts:
        with self._lock:
            handles = list(self.jobs.values())
        statuses = [handle.job.status for handle in handles]
        return {
            "running": statuses.count("running"),
            "queued": statuses.count("queued"),
            "kept": len(statuses),
        }

    async def problem(self) -> str | None:
        return None

    def _evict(self, room: int = 0) -> None:
        """Forget expired jobs, then the oldest finished ones until ``room`` more fit under the cap
        (with ``_lock`` held).

        Called on every request for a job, so it walks all jobs only when it must: for expiry at
        most every tenth of the TTL (and once a second), for the cap only when over it."""
        now, ttl = time.monotonic(), self.settings.job_ttl_s
        if now >= self._next_expiry_check:
            self._next_expiry_check = now + min(1.0, ttl / 10)
            for job_id, handle in list(self.jobs.items()):
                job = handle.job
                if isinstance(job, Watched):  # a loop that stopped sending (its process died)
                    job.expire(ttl)
                if job.finished and now - (job.finished_at or now) > ttl:
                    del self.jobs[job_id]
                    self.runs.pop(job_id, None)
        excess = len(self.jobs) - self.settings.max_jobs + room
        if excess <= 0:
            return
        for job_id, handle in list(self.jobs.items()):
            if handle.job.finished:
                del self.jobs[job_id]
                self.runs.pop(job_id, None)
                excess -= 1
                if excess <= 0:
                    break

    # --- the workers' source (worker threads) ---

    def next_job(self) -> Job | None:
        turn = self.line.take()
        return None if turn is None else turn[2]

    def after_turn(self, job: Job, finished: bool) -> None:
        if not finished:
            self.line.put_back(job)
            return
        with self._lock:
            handle = self.jobs.get(job.id)
        if handle is not None:
            handle.compact()
