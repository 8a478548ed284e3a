"""Leases: each job a process trains is claimed under a lease that the process renews; one whose
process died lapses, and another process takes the job over (``reaper.py``)."""

import logging
import threading
import time
from collections.abc import Callable

import redis

from ...job import Job
from .claims import Claims
from .client import UNREACHABLE, Quiet
from .scripts import RENEW, key

log = logging.getLogger("gdviz.cluster")

LEASE_S = 5.0  # a training process renews its leases every RENEW_S; a dead one's lapse after this
RENEW_S = 0.5  # ... and also reads cancel requests this often
REAP_S = 1.0  # how often a process looks for jobs whose process died


class Leases:
    """One thread: renews this process's leases (reading cancel requests with them), and every
    ``REAP_S`` calls ``reap``."""

    def __init__(
        self,
        r: redis.Redis,
        token: str,
        claims: Claims,
        quiet: Quiet,
        reap: Callable[[], None],
        stopping: threading.Event,
    ) -> None:
        self.r, self.token, self.claims, self.quiet = r, token, claims, quiet
        self.reap, self.stopping = reap, stopping
        self._renew = r.register_script(RENEW)
        self._thread = threading.Thread(target=self._keep, name="gdviz-redis-leases", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def give_up(self, jobs: list[Job]) -> None:
        """At shutdown: another process takes these jobs over at once."""
        try:
            for job in jobs:
                self.r.delete(key("lease", job.id))
        except UNREACHABLE:
            pass

    def _keep(self) -> None:
        next_reap = 0.0
        while not self.stopping.wait(RENEW_S):
            try:
                self._renew_all()
                if time.monotonic() >= next_reap:
                    next_reap = time.monotonic() + REAP_S
                    self.reap()
                self.quiet.ok("keeping leases")
            except UNREACHABLE as exc:
                self.quiet.warn("keeping leases", exc)

    def _renew_all(self) -> None:
        claimed = self.claims.all()
        if not claimed:
            return
        pipe = self.r.pipeline(transaction=False)
        for job in claimed:
            self._renew(
                keys=[key("lease", job.id), key("job", job.id)],
                args=[self.token, int(LEASE_S * 1000)],
                client=pipe,
            )
        for job, answer in zip(claimed, pipe.execute(), strict=True):
            if answer == -2:  # Redis lost it (restarted without its data): nobody can follow it
                self.claims.lose(job)
                log.warning(
                    "job %s: gone from Redis (restarted without its data?); stopped", job.id
                )
            elif answer == -1:  # another process took it over: it writes this job from now on
                self.claims.lose(job)
                log.warning("job %s: lease lost, left to the process that took it over", job.id)
            elif answer == 1:
                job.training.stop.set()
