"""Where a worker of a process on Redis finds its next job: the cluster's queue of new jobs, shared
by every process (a new job's first epoch goes to whichever worker is free first), and this
process's own line of turns for the jobs it claimed."""

import threading
import time

import redis

from ...job import Job
from ...workers import Line
from .claims import Claims
from .client import UNREACHABLE, Quiet
from .leases import LEASE_S
from .scripts import CLAIM_NEXT, PREFIX

LOOK_S = 1.0  # a worker looks at the cluster's queue at least this often, news or not


class SharedQueue:
    """The workers' source of jobs on Redis."""

    def __init__(
        self, r: redis.Redis, token: str, claims: Claims, quiet: Quiet, stopping: threading.Event
    ) -> None:
        self.token, self.claims, self.quiet, self.stopping = token, claims, quiet, stopping
        self.line = Line()
        self._next_look = 0.0  # when a worker looks at the cluster's queue without news
        self._claim_next = r.register_script(CLAIM_NEXT)

    def wake(self) -> None:
        """A job was queued somewhere (news): a waiting worker looks at the cluster's queue."""
        self.line.put_new(None)

    def next_job(self) -> Job | None:
        while not self.stopping.is_set():
            try:
                job = self._next()
            except UNREACHABLE as exc:
                self.quiet.warn("taking jobs", exc)
                self.stopping.wait(0.5)
                continue
            if job is not None:
                return job
        return None

    def after_turn(self, job: Job, finished: bool) -> None:
        if finished:
            self.claims.done(job)
        elif not self.stopping.is_set():
            self.line.put_back(job)  # a paced job sleeps off the workers

    def _next(self) -> Job | None:
        """A job taken over (or paced) goes first, then a new job of the cluster, then this
        process's turns. Waits (up to ``LOOK_S``) for one: the news of a queued job puts a
        wake-up in the local line, so the cluster's queue is read when there is something in it
        (and every ``LOOK_S`` in case some news was missed), not on every turn."""
        turn = self.line.take(timeout=LOOK_S)
        if self.stopping.is_set():
            return None
        priority, _, job = (Line.NEW, 0, None) if turn is None else turn
        if job is not None and (priority == Line.NEW or time.monotonic() < self._next_look):
            return job
        self._next_look = time.monotonic() + LOOK_S
        claimed = self._claim_next(args=[PREFIX, self.token, int(LEASE_S * 1000), time.time()])
        if claimed:
            if turn is not None and job is not None:
                self.line.put(turn)  # its turn comes after the new job's first epoch
            job_id, config, written, changes = claimed
            return self.claims.train(job_id, config, int(written), changes)
        return job
