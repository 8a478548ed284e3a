"""The jobs this process trains on Redis, each claimed under a lease: built here from the shared
config (again, when another process died mid-run), stopped, and changed live.

Training is deterministic, so a job whose process died is trained again from the start by
another process, which appends only the events past the last one written (``WriterLog``). A live
change is decided here, by the process that trains the job, and kept in the job's hash before its
epoch begins, so a successor replays it at the same epoch.
"""

import json
import threading
from collections import OrderedDict
from typing import Any

import redis

from ...config import JobConfig
from ...events import dumps
from ...job import Job, JobEnded
from ...settings import Settings
from ...uploads import UploadStore
from .scripts import RECORD_CHANGE, key
from .writer import StreamWriter, WriterLog

CHANGE_WAIT_S = 8.0  # a live change waits this long for the training process (a takeover: ≤ 6 s)


class Claims:
    def __init__(
        self,
        r: redis.Redis,
        settings: Settings,
        token: str,
        writer: StreamWriter,
        uploads: UploadStore,
    ) -> None:
        self.r, self.settings, self.token = r, settings, token
        self.writer, self.uploads = writer, uploads
        self.jobs: dict[str, Job] = {}  # by id: touched by workers, leases, the reaper and news
        self._lock = threading.Lock()
        self._answered: OrderedDict[str, str] = OrderedDict()  # live changes' answers, by ask
        self._record_change = r.register_script(RECORD_CHANGE)

    def train(self, job_id: str, config: str, written: int, changes: str) -> Job | None:
        """The job claimed, built here to train (again) with the live changes made so far; None
        if it cannot be (its upload expired: its stream ends ``failed``)."""
        log = WriterLog(self.writer, job_id, written)
        try:
            job = Job(
                JobConfig.model_validate_json(config),
                log,
                max_step_events=self.settings.max_step_events,
                uploads=self.uploads,
                id=job_id,
            )
        except Exception as exc:
            done = {"status": "failed", "epochs": 0, "loss": None, "w": None, "b": None}
            self.writer.put(job_id, written + 1, "done", dumps({**done, "reason": str(exc)}))
            return None
        for change in json.loads(changes):
            epoch = change.pop("epoch")
            job.training.change_at(epoch, change)
        if written > 1:
            job.replayed_epochs = self._epochs_written(job_id)
        with self._lock:
            self.jobs[job_id] = job
        return job

    def _epochs_written(self, job_id: str) -> int:
        entries: Any = self.r.xrevrange(key("events", job_id), count=256)
        for _, fields in entries:
            if fields["e"] == "epoch":
                return int(json.loads(fields["d"])["epoch"])
        return 0

    def all(self) -> list[Job]:
        with self._lock:
            return list(self.jobs.values())

    def done(self, job: Job) -> None:
        with self._lock:
            self.jobs.pop(job.id, None)

    def stop(self, job_id: str) -> None:
        """Cancel asked: the job stops at its worker's next step."""
        if (job := self.jobs.get(job_id)) is not None:
            job.training.stop.set()

    def lose(self, job: Job) -> None:
        """Stop training ``job`` without writing another event: another process writes it now
        (its lease went to it), or will (this process is stopping)."""
        assert isinstance(job.log, WriterLog)
        job.log.closed = True
        job.training.stop.set()

    def change(self, job_id: str, ask: str, values: dict[str, float]) -> None:
        """Apply a live change to a job trained here, kept in Redis before its epoch begins, and
        answer the process that asked (once per ask, however often it asks)."""
        if (job := self.jobs.get(job_id)) is None:
            return
        reply = self._answered.get(ask)
        if reply is None:

            def keep(epoch: int) -> None:
                change = dumps({"epoch": epoch, **values})
                keys = [key("job", job.id), key("lease", job.id)]
                if not self._record_change(keys=keys, args=[change, self.token]):
                    raise JobEnded(f"job {job.id} has ended: there is no epoch left to change")

            try:
                reply = dumps({"epoch": job.change(values, keep)})
            except JobEnded as exc:
                reply = dumps({"error": str(exc)})
            self._answered[ask] = reply
            while len(self._answered) > 256:
                self._answered.popitem(last=False)
        pipe = self.r.pipeline(transaction=False)
        pipe.rpush(key("reply", ask), reply)
        pipe.pexpire(key("reply", ask), int(CHANGE_WAIT_S * 1000))
        pipe.execute()
