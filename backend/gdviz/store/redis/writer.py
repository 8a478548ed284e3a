"""How a process writes its jobs' events to Redis: one writer thread per process appends every
job's events to its stream (``StreamWriter``), fed by each training job's ``WriterLog``."""

import json
import logging
import threading
import time
from collections import deque

import redis
from redis.exceptions import NoScriptError

from ...config import MAX_EPOCHS
from ...events import EventLog, Payload, as_json
from ...settings import Settings
from .client import UNREACHABLE, Quiet, ttl_ms
from .scripts import APPEND, FINISH, key

log = logging.getLogger("gdviz.cluster")


class StreamWriter:
    """One thread per process writes every job's events to Redis, in order, in batches: one
    ``APPEND`` per job per batch, and ``FINISH`` after a job's ``done``. A batch that fails is
    written again until Redis takes it (appends are idempotent). Woken by the first event, it
    waits ``GATHER_S`` for more, so a fast run's events go in batches, not one round trip each."""

    BATCH = 5000
    GATHER_S = 0.005

    def __init__(self, r: redis.Redis, settings: Settings, token: str, quiet: Quiet) -> None:
        self.r, self.settings, self.token, self.quiet = r, settings, token, quiet
        self.maxlen = MAX_EPOCHS + settings.max_step_events + 2  # no job has more events
        self.ttl_ms = ttl_ms(settings)
        self._pending: deque[tuple[str, int, str, Payload]] = deque()
        self._wake = threading.Event()
        self._stop = False
        self._shas: tuple[str, str] | None = None  # APPEND's and FINISH's, once loaded
        self._thread = threading.Thread(target=self._run, name="gdviz-redis-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, job_id: str, n: int, event: str, payload: Payload) -> None:
        """Called by training threads: cheap, never blocks."""
        self._pending.append((job_id, n, event, payload))
        if not self._wake.is_set():
            self._wake.set()

    def close(self, timeout: float) -> None:
        """Write what is pending (for up to ``timeout`` seconds), then stop."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(self.GATHER_S)  # still set: the events meanwhile cost no wake-up
            self._wake.clear()
            batch: list[tuple[str, int, str, Payload]] = []
            while self._pending and len(batch) < self.BATCH:
                batch.append(self._pending.popleft())
            if batch:
                self._write(batch)
                if self._pending or self._stop:  # more to write, or a close() to see
                    self._wake.set()
            elif self._stop:
                return

    def _write(self, batch: list[tuple[str, int, str, Payload]]) -> None:
        runs: list[tuple[str, int, list[str]]] = []  # (job, first id, event, data, ...) per job
        finished: list[tuple[str, str]] = []
        for job_id, n, event, payload in batch:
            data = as_json(payload)
            if runs and runs[-1][0] == job_id and runs[-1][1] + len(runs[-1][2]) // 2 == n:
                runs[-1][2].extend((event, data))
            else:
                runs.append((job_id, n, [event, data]))
            if event == "done":
                finished.append((job_id, data))
        while True:
            try:
                # By their digests: a pipeline of registered scripts asks SCRIPT EXISTS each time.
                if self._shas is None:
                    self._shas = (self.r.script_load(APPEND), self.r.script_load(FINISH))
                append, finish = self._shas
                pipe = self.r.pipeline(transaction=False)
                for job_id, first, fields in runs:
                    stream, job = key("events", job_id), key("job", job_id)
                    pipe.evalsha(append, 2, stream, job, first, self.maxlen, *fields)
                for job_id, data in finished:
                    status = json.loads(data)["status"]
                    keys = [key(kind, job_id) for kind in ("job", "events")]
                    keys += [key("live"), key("running"), key("lease", job_id)]
                    args = [job_id, data, status, time.time(), self.ttl_ms, self.token]
                    pipe.evalsha(finish, len(keys), *keys, *args)
                pipe.execute()
                self.quiet.ok("writing events")
                return
            except NoScriptError:  # Redis restarted: load them again (appends are idempotent)
                self._shas = None
            except UNREACHABLE as exc:
                if self._stop:
                    log.warning("%d events not written: Redis unreachable at shutdown", len(batch))
                    return
                self.quiet.warn("writing events", exc)
                time.sleep(0.5)


class WriterLog(EventLog):
    """The training side of a job's log in Redis: appends go to the process's ``StreamWriter``,
    except the first ``written`` (a replay of a job another process began). Streams never read
    this log; they read the job's stream through a ``Mirror``."""

    def __init__(self, writer: StreamWriter, job_id: str, written: int) -> None:
        self.writer, self.job_id, self.written = writer, job_id, written
        self.count = 0
        self.closed = False  # the lease was lost: another process writes this job now

    def append(self, event: str, payload: Payload) -> None:
        self.count += 1
        if self.count > self.written and not self.closed:
            self.writer.put(self.job_id, self.count, event, payload)

    def __len__(self) -> int:
        return self.count

    @property
    def ended(self) -> bool:
        return False

    def wire(self, start: int) -> list[bytes]:
        raise NotImplementedError("streams read a job's events through a Mirror")

    async def wait_beyond(self, seen: int) -> None:
        raise NotImplementedError("streams read a job's events through a Mirror")

    def wake_watchers(self) -> None:
        pass
