"""The training threads: workers that give jobs turns, the line they take them from, and the pacer
that holds paced jobs off them.

Workers take turns: a new job trains one epoch on its first turn, then ``SLICE_S`` per turn, and
goes to the back of the line; new jobs go first. A turn ends between mini-batch steps too, so one
job's long epoch never holds a worker for long. So when a whole class presses Run at once, every
run shows its first epoch at once and all of them move, instead of each one waiting for every run
created before it. A paced job (``delay_ms``) sleeps in the ``Pacer``, not in a worker, and goes
first when its time comes.

Where a worker finds its next job is its ``JobSource``, which each store provides: in memory, this
process's ``Line``; on Redis, the cluster's queue of new jobs and then this process's line.
"""

import contextlib
import heapq
import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol

from .job import Job

log = logging.getLogger("gdviz.jobs")

SLICE_S = 0.02  # a turn after the first: about this long


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


Turn = tuple[int, int, Job | None]  # (priority, order, job); no job: a worker's wake-up or stop


class Line:
    """This process's jobs waiting for a turn, by priority and then first come, first served."""

    NEW, STARTED, STOP = 0, 1, 2  # a paced job's next epoch counts as NEW

    def __init__(self) -> None:
        self._queue: queue.PriorityQueue[Turn] = queue.PriorityQueue()
        self._order = itertools.count()
        self._pacer = Pacer(self.put_new)

    def start(self) -> None:
        self._pacer.start()

    def put_new(self, job: Job | None) -> None:
        """A job for its first turn (or a paced one's next epoch); None wakes a worker."""
        self._queue.put((self.NEW, next(self._order), job))

    def put_back(self, job: Job) -> None:
        """After a turn that did not finish the job: a paced one sleeps, others queue again."""
        if job.not_before > time.monotonic():
            self._pacer.hold(job)
        else:
            self._queue.put((self.STARTED, next(self._order), job))

    def put(self, turn: Turn) -> None:
        """A turn taken but not given, back in its place."""
        self._queue.put(turn)

    def take(self, timeout: float | None = None) -> Turn | None:
        """The next turn, waiting up to ``timeout`` seconds for one (None if none came)."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self, workers: int) -> None:
        """Stop the pacer, and each of ``workers`` after the turns queued before."""
        self._pacer.stop()
        for _ in range(workers):
            self._queue.put((self.STOP, next(self._order), None))


class JobSource(Protocol):
    """Where workers find jobs: each store has its own."""

    def next_job(self) -> Job | None:
        """The next job to give a turn to, once there is one; None: the worker stops."""

    def after_turn(self, job: Job, finished: bool) -> None:
        """A turn is over: the job has ``finished``, or waits for its next turn."""


class Workers:
    """``count`` threads training the jobs of ``source`` in turns, at ``niceness`` added to the
    process's OS priority."""

    def __init__(self, source: JobSource, count: int, niceness: int = 0) -> None:
        self.source, self.count, self.niceness = source, count, niceness
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.count):
            thread = threading.Thread(target=self._work, name=f"gdviz-train-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        if self.niceness:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.niceness)
        while (job := self.source.next_job()) is not None:
            finished = job.run(budget_s=SLICE_S if job.begun else 0.0)
            self.source.after_turn(job, finished)

    def join(self, deadline: float) -> None:
        """Wait for the threads (told to stop) until ``deadline`` (monotonic)."""
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in self._threads if t.is_alive()]
        if alive:
            log.warning("training threads still running at shutdown: %s", alive)
        self._threads.clear()
