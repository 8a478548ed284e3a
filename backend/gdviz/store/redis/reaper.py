"""The reaper: finds the running jobs whose process died (their lease lapsed) and takes them over,
to train them here from the start; the events already written are not written again."""

import logging

import redis

from ...workers import Line
from .claims import Claims
from .leases import LEASE_S
from .scripts import ORPHANS, PREFIX, TAKE_OVER, key

log = logging.getLogger("gdviz.cluster")


class Reaper:
    def __init__(self, r: redis.Redis, token: str, claims: Claims, line: Line) -> None:
        self.token, self.claims, self.line = token, claims, line
        self._orphans = r.register_script(ORPHANS)
        self._take_over = r.register_script(TAKE_OVER)

    def reap(self) -> None:
        """Take over every orphan another process has not taken first; it goes first in line."""
        for job_id in self._orphans(args=[PREFIX]):
            taken = self._take_over(
                keys=[key("job", job_id), key("lease", job_id), key("events", job_id)],
                args=[self.token, int(LEASE_S * 1000)],
            )
            if taken:
                config, written, changes = taken
                log.warning("job %s: its process stopped; training it here", job_id)
                job = self.claims.train(job_id, config, int(written), changes)
                if job is not None:
                    self.line.put_new(job)
