"""Training jobs: created from a config, trained by worker threads, watched by any number of streams.

A job writes its events to an ``EventLog`` (``gdviz.events``), which every stream reads from its
own position: a slow or late watcher never slows the training, and resuming from an event id is
trivial. The job itself holds the setup, the lifecycle and ``run``.
"""

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator

import torch

from . import data as datasets
from .config import Builtin, ConfigError, JobConfig, Logistic, Points, Synthetic, check_config
from .data import Data
from .events import EventLog, MemoryLog, dumps, finite
from .payloads import Done, Finished, Meta
from .settings import Settings
from .surface import landscape
from .train import Record, Training, make_rng

log = logging.getLogger("gdviz.jobs")

MAX_META_POINTS = 2000
KEPT_POINTS = 10_000  # a finished job keeps data this small; larger is made again when asked for
FINISHED = ("completed", "cancelled", "diverged", "failed")


class Job:
    def __init__(
        self,
        config: JobConfig,
        max_step_events: int,
        log: EventLog | None = None,
        id: str | None = None,
    ) -> None:
        """Build the data and the training, and append ``meta``. ``log`` is where the events go
        (this process's memory by default); ``id`` names a job made before (to replay it)."""
        check_config(config)
        self.id = id or uuid.uuid4().hex[:12]
        self.config = config
        self.created = time.monotonic()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.status = "queued"
        self.history: list[Record] = []  # epoch records
        self.changes: list[
            Record
        ] = []  # live changes as applied: {"epoch": first epoch, knob: value}
        self.log: EventLog = MemoryLog() if log is None else log  # meta, epoch, step, done
        self.replayed_epochs = 0  # epochs already written by an earlier run: trained without delay
        self.done: Done | None = None
        self._lock = threading.RLock()  # re-entered: cancel() finishes the job under it
        self._records: Iterator[tuple[str, Record | None]] | None = None  # once started
        self._in_turn = False  # a worker is running it right now
        self.not_before = 0.0  # a paced job sleeps (off the workers) until this monotonic time

        data, rng = self._load()
        self._data: Data | None = data
        steps = config.epochs * (math.ceil(data.n / config.batch_size) if config.minibatch else 1)
        self.training = Training(
            config, data, rng, step_stride=max(1, math.ceil(steps / max_step_events))
        )
        self.meta = self._meta()
        self.log.append("meta", dumps(self.meta))
        self._let_go()  # until it starts: a queued job holds its meta, not its data

    def _load(self) -> tuple[Data, torch.Generator]:
        rng = make_rng(self.config.seed)  # the lesson's torch.manual_seed, for this job alone
        return datasets.load(self.config, rng), rng

    def _let_go(self) -> None:
        """Free the training's state; data beyond ``KEPT_POINTS`` too (``data`` makes it again)."""
        if self._data is not None and self._data.n > KEPT_POINTS:
            self.training.release()
            self._data = None

    def _meta(self) -> Meta:
        d, config = self.data, self.config
        x, y = d.x.view(-1), d.y.view(-1)
        if d.n > MAX_META_POINTS:
            idx = torch.linspace(0, d.n - 1, MAX_META_POINTS).long()
            x, y = x[idx], y[idx]
        least_squares, minimum, curvature = landscape(self.training.definition, d, config)
        return {
            "id": self.id,
            "config": config.model_dump(),
            "n": d.n,
            "points": {"x": x.tolist(), "y": y.tolist()},
            "param_names": list(self.training.names),
            "start_params": self.training.start_params,
            "least_squares": least_squares,
            "minimum": minimum,
            "curvature": curvature,
            "start": self.training.start,
            "total_epochs": config.epochs,
            "steps_per_epoch": self.training.steps_per_epoch,
            "step_stride": self.training.step_stride,
            "dataset": {
                "name": d.name,
                "x_label": d.x_label,
                "y_label": d.y_label,
                "dropped_rows": d.dropped_rows,
                "scale": d.scale,
            },
        }

    @property
    def data(self) -> Data:
        """The job's data; once a job with many points has ended, made again from its seed or its
        upload (``ConfigError`` if that upload has gone)."""
        data = self._data
        if data is None:
            data = datasets.load(self.config, make_rng(self.config.seed))
        return data

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.log.attach(loop)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def _begin(self) -> bool:
        with self._lock:
            if self.status != "queued":
                return False
            self.status = "running"
            self.started_at = time.monotonic()
            return True

    def _finish(
        self, status: Finished, reason: str | None = None, diverged_at: int | None = None
    ) -> None:
        with self._lock:
            if self.finished:
                return
            last = self.history[-1] if self.history else None
            params = self.training.start_params if last is None else last["params"]
            done: Done = {
                "status": status,
                "epochs": len(self.history),
                "loss": None if last is None else last["loss"],  # type: ignore[typeddict-item]
                "params": list(params),  # type: ignore[arg-type]
                "reason": reason,
            }
            done.update(self.training.definition.point(params))  # type: ignore[typeddict-item, arg-type]
            if diverged_at is not None:
                done["diverged_at"] = diverged_at
            self.done = done
            self.log.append("done", dumps(done))
            self.status = status
            self.finished_at = time.monotonic()
            self._records = None  # the training's state (a shuffled copy of the data) goes now
            self.training.release()
            self._let_go()

    def run(self, budget_s: float | None = None) -> bool:
        """Train in the calling (worker) thread, publishing every record: to the end, or, given a
        budget, for about that long (at least one epoch or ``TURN_STEPS`` mini-batch steps).
        A paced job (``delay_ms``) given a budget returns after each epoch with ``not_before`` set:
        it waits off the worker. True once the job has finished."""
        with self._lock:
            if self.finished:
                return True
            self._in_turn = True
        finished = True
        try:
            finished = self._run(budget_s)
        finally:
            with self._lock:
                self._in_turn = False
                if not finished and self.training.stop.is_set():  # cancelled during this turn
                    self._finish("cancelled")
                    finished = True
        return finished

    def _run(self, budget_s: float | None) -> bool:
        if self._records is None:
            if not self._begin():
                return True
            if self.training.released:
                try:
                    self._data, rng = self._load()
                except ConfigError as exc:  # its upload has gone meanwhile
                    self._finish("failed", str(exc))
                    return True
                self.training.restore(self._data, rng)
            self._records = iter(self.training)
        deadline = None if budget_s is None else time.monotonic() + budget_s
        delay = self.config.delay_ms / 1000
        stop, append, replayed = self.training.stop, self.log.append, self.replayed_epochs
        try:
            # the hot loop: every line here costs a few % of a small epoch
            for kind, record in self._records:
                if record is None:  # a turn within a long epoch
                    if deadline is not None and time.monotonic() >= deadline:
                        return False
                    continue
                if not finite(record):
                    what = "NaN" if math.isnan(record["loss"]) else "infinite"  # type: ignore[arg-type]
                    epoch = int(record["epoch"])  # type: ignore[arg-type]
                    self._finish(
                        "diverged", f"loss became {what} at epoch {epoch}", diverged_at=epoch
                    )
                    return True
                append(kind, record)  # a record: written as JSON only when streamed
                if kind == "epoch":
                    self.history.append(record)
                    paced = delay and record["epoch"] > replayed  # type: ignore[operator]
                    if paced and deadline is not None:
                        self.not_before = time.monotonic() + delay
                        return False
                    if paced and stop.wait(delay):
                        break
                    if deadline is not None and time.monotonic() >= deadline:
                        return False
                elif kind == "change":
                    self.changes.append(record)
        except (
            Exception
        ) as exc:  # a bug, not bad input: report it on the stream, keep the server up
            log.exception("job %s failed", self.id)
            self._finish("failed", f"{type(exc).__name__}: {exc}")
            return True
        self._finish("cancelled" if stop.is_set() else "completed")
        return True

    def change(self, values: dict[str, float], record: Callable[[int], None] | None = None) -> int:
        """Apply ``values`` from the next epoch on; returns that epoch. Raises ``JobEnded`` when
        the job has no epoch left to change. ``record(epoch)`` keeps the change elsewhere before
        that epoch can begin (a shared store, for a process that takes the job over)."""

        def accept(epoch: int) -> None:
            if epoch > self.config.epochs:
                raise JobEnded(f"job {self.id} has trained its last epoch: nothing left to change")
            if record is not None:
                record(epoch)

        with self._lock:
            if self.finished:
                raise JobEnded(f"job {self.id} has {self.status}: there is no epoch left to change")
            return self.training.change(values, accept)

    # The routes' side, on the event loop: a job kept in a shared store answers these without
    # blocking the loop; one in this process's memory answers at once.

    async def asummary(self, history: bool = True) -> dict[str, object]:
        return self.summary(history)

    async def acancel(self) -> None:
        self.cancel()

    async def achange(self, values: dict[str, float]) -> int:
        return self.change(values)

    async def achanges(self) -> list[Record]:
        """The live changes applied so far, as their ``change`` events."""
        return list(self.changes)

    async def wait_finished(self, timeout: float) -> None:
        """Return once the job has finished, or after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.finished and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    def cancel(self) -> None:
        """Stop the job: at once if no worker is running it (queued, or between turns), else at
        the worker's next step."""
        self.training.stop.set()
        with self._lock:
            if not self._in_turn and not self.finished:  # no worker can start a turn meanwhile
                queued = self.status == "queued"
                self._finish("cancelled", "cancelled before it started" if queued else None)

    def summary(self, history: bool = True) -> dict[str, object]:
        elapsed = None
        if self.started_at is not None:
            elapsed = (self.finished_at or time.monotonic()) - self.started_at
        out: dict[str, object] = {
            "id": self.id,
            "status": self.status,
            "config": self.config.model_dump(),
            "meta": self.meta,
            "done": self.done,
            "epochs_done": len(self.history),
            "elapsed_s": elapsed,
        }
        if history:
            out["history"] = list(self.history)
        return out


def warm_up() -> None:
    """Train one epoch of every mode, so that no student's first click pays for what torch does
    only once: the first optimizer alone imports torch._dynamo, about a second here."""
    for mode in ("manual", "sgd", "minibatch", "design", "linear"):
        Job(JobConfig(mode=mode, epochs=1), max_step_events=1).run()
    logistic = JobConfig(model=Logistic(kind="logistic"), epochs=1, dataset=Synthetic(labels=True))
    Job(logistic, max_step_events=1).run()


def quick_to_build(config: JobConfig) -> bool:
    """A job whose data is quick to build: a built-in dataset or at most 10,000 synthetic points."""
    ds = config.dataset
    if isinstance(ds, Builtin | Points):
        return True
    return isinstance(ds, Synthetic) and (ds.n or (ds.x_stop - ds.x_start) / ds.x_step) <= 10_000


class TooManyJobs(RuntimeError):
    pass


class JobEnded(RuntimeError):
    """A change asked of a job that has ended (409)."""


class NoAnswer(RuntimeError):
    """A change that the job's training process did not answer in time (503): on a shared store,
    the job is between processes (one died and another is taking it over)."""


class Pacer:
    """Holds paced jobs while they wait for their next epoch, off the workers: one thread, one heap."""

    def __init__(self, wake: Callable[[Job], None]) -> None:
        self._wake = wake
        self._heap: list[tuple[float, int, Job]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="gdviz-pacer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def hold(self, job: Job) -> None:
        with self._changed:
            heapq.heappush(self._heap, (job.not_before, next(self._order), job))
            self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while not self._stopping:
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    self._wake(heapq.heappop(self._heap)[2])
                timeout = self._heap[0][0] - now if self._heap else None
                self._changed.wait(timeout)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify()
        if self._thread.is_alive():
            self._thread.join(1.0)


class JobManager:
    """Keeps jobs, trains at most ``max_running`` at once, forgets finished ones after a while.

    Workers take turns: a new job trains one epoch on its first turn, then ``SLICE_S`` per turn,
    and goes to the back of the line; new jobs go first. A turn ends between mini-batch steps too,
    so one job's long epoch never holds a worker for long. So when a whole class presses Run at
    once, every run shows its first epoch at once and all of them move, instead of each one waiting
    for every run created before it. A paced job (``delay_ms``) sleeps in the ``Pacer``, not in a
    worker, and goes first when its time comes.
    """

    SLICE_S = 0.02
    # Added to the training threads' OS niceness. 0 here: on a laptop the page that draws the run
    # shares the cores with it, and should not starve it.
    training_niceness = 0
    NEW, STARTED, STOP = 0, 1, 2  # turn priorities (a paced job's next epoch counts as NEW)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.PriorityQueue[tuple[int, int, Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()  # first come, first served within a priority
        self._workers: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_expiry_check = 0.0
        self._pacer = Pacer(lambda job: self._queue.put((self.NEW, next(self._order), job)))

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._pacer.start()
        for i in range(self.settings.max_running):
            worker = threading.Thread(target=self._worker, name=f"gdviz-train-{i}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def _worker(self) -> None:
        if self.training_niceness:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.training_niceness)
        self._work()

    def _work(self) -> None:
        while (job := self._queue.get()[2]) is not None:
            first_turn = job._records is None
            if not job.run(budget_s=0.0 if first_turn else self.SLICE_S):
                self.requeue(job)

    def requeue(self, job: Job) -> None:
        """After a turn that did not finish the job: a paced one sleeps, others queue again."""
        if job.not_before > time.monotonic():
            self._pacer.hold(job)
        else:
            self._queue.put((self.STARTED, next(self._order), job))

    def create(self, config: JobConfig) -> Job:
        """Build the job (raises ConfigError on input that fits no run) and queue it."""
        self._evict(room=1)
        if len(self.jobs) >= self.settings.max_jobs:
            raise TooManyJobs(
                f"{len(self.jobs)} jobs are queued or running (GDVIZ_MAX_JOBS); try again shortly"
            )
        job = Job(config, self.settings.max_step_events)
        if self._loop is not None:
            job.attach(self._loop)
        self.jobs[job.id] = job
        self._queue.put((self.NEW, next(self._order), job))
        return job

    def get(self, job_id: str) -> Job | None:
        self._evict()
        return self.jobs.get(job_id)

    # The routes' side, on the event loop: a shared store answers these without blocking the loop.

    async def acreate(self, config: JobConfig) -> Job:
        """``create``, with a job whose data takes a while to build built in a worker thread."""
        if quick_to_build(config):  # about a millisecond: less than the hop to a thread under load
            return self.create(config)
        return await asyncio.to_thread(self.create, config)

    async def aget(self, job_id: str) -> Job | None:
        return self.get(job_id)

    async def acounts(self) -> dict[str, int]:
        return self.counts()

    async def aproblem(self) -> str | None:
        return self.problem()

    def _evict(self, room: int = 0) -> None:
        """Forget expired jobs, then the oldest finished ones until ``room`` more fit under the cap.

        Called on every request for a job, so it walks all jobs only when it must: for expiry at
        most every tenth of the TTL (and once a second), for the cap only when over it."""
        now, ttl = time.monotonic(), self.settings.job_ttl_s
        if now >= self._next_expiry_check:
            self._next_expiry_check = now + min(1.0, ttl / 10)
            for job_id, job in list(self.jobs.items()):
                if job.finished and now - (job.finished_at or now) > ttl:
                    self.jobs.pop(job_id, None)  # another thread may have just forgotten it
        excess = len(self.jobs) - self.settings.max_jobs + room
        if excess <= 0:
            return
        for job_id, job in list(self.jobs.items()):
            if job.finished:
                self.jobs.pop(job_id, None)  # another thread may have just forgotten it
                excess -= 1
                if excess <= 0:
                    break

    def counts(self) -> dict[str, int]:
        statuses = [job.status for job in list(self.jobs.values())]
        return {
            "running": statuses.count("running"),
            "queued": statuses.count("queued"),
            "kept": len(statuses),
        }

    def problem(self) -> str | None:
        """Why this server cannot take jobs now, if it cannot (its store is unreachable)."""
        return None

    def shutdown(self, timeout: float = 2.0) -> None:
        """Cancel every job and join the workers within ``timeout`` seconds."""
        for job in list(self.jobs.values()):
            job.cancel()
        self._pacer.stop()
        for _ in self._workers:
            self._queue.put((self.STOP, next(self._order), None))
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        alive = [w.name for w in self._workers if w.is_alive()]
        if alive:
            log.warning("training threads still running after %.1fs: %s", timeout, alive)
        self._workers.clear()


__all__ = ["ConfigError", "Job", "JobEnded", "JobManager", "NoAnswer", "TooManyJobs", "warm_up"]
