"""Jobs shared by every gdviz process on one Redis (``GDVIZ_REDIS_URL``).

Any process creates jobs, streams them, cancels them and trains them; a browser may reach a
different process on every request. The keys and the scripts that change them are in
``scripts.py``. This process's workers take new jobs from the cluster's queue (``queue.py``) and
train them as claims (``claims.py``) under leases (``leases.py``); a job whose process died is
taken over (``reaper.py``). Events go to Redis through one writer per process (``writer.py``) and
are read by one follower per process (``follower.py``), however many clients watch. A finished
job's keys expire after GDVIZ_JOB_TTL_S.
"""

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

import redis.asyncio as aredis

from ...config import JobConfig
from ...events import as_json, dumps
from ...job import Job, JobEnded, quick_to_build
from ...payloads import JobState, Record, Status
from ...settings import Settings, where
from ...uploads import UploadStore
from ...watched import RunError, RunSpec, Watched
from ...workers import Workers
from ..memory.log import MemoryLog
from ..protocols import JobCounts, NoAnswer, TooManyJobs
from .claims import CHANGE_WAIT_S, Claims
from .client import UNREACHABLE, Quiet, async_client, client, process_token
from .follower import Follower, Mirror
from .leases import Leases
from .news import News
from .queue import SharedQueue
from .reaper import Reaper
from .runs import RUN_APPEND, RedisRun
from .scripts import CANCEL, CHANGE_QUEUED, key
from .writer import StreamWriter


class RedisJob:
    """A job of the cluster as this process sees it: its setup built here from the shared config
    (for its surface and script), its state, cancel and changes in Redis, its events from a
    ``Mirror`` of its stream."""

    def __init__(self, job: Job | Watched, mirror: Mirror, store: "RedisJobs") -> None:
        self.job = self.setup = job
        self.id, self.config, self.meta = job.id, job.config, job.meta
        self.status: Status = "queued"  # as this process made it; its state is in Redis
        self.log, self.store = mirror, store

    def summary(self, history: bool = True) -> JobState:
        pipe = self.store.r.pipeline(transaction=False)
        pipe.hgetall(key("job", self.id))
        pipe.xrange(key("events", self.id))
        stored, entries = pipe.execute()
        records = [json.loads(f["d"]) for _, f in entries if f["e"] == "epoch"]
        started, finished = stored.get("started"), stored.get("finished")
        elapsed = None
        if started is not None:
            elapsed = float(finished or time.time()) - float(started)
        out: JobState = {
            "id": self.id,
            "status": stored.get("status", self.status),
            "config": self.config.model_dump(),
            "meta": self.meta,
            "done": json.loads(stored["done"]) if "done" in stored else None,
            "epochs_done": len(records),
            "elapsed_s": elapsed,
        }
        if history:
            out["history"] = records
        return out

    async def cancel(self) -> None:
        """A queued job ends here; a running one is asked to stop (its process stops it); a
        watched run ends here (its loop's next batch gets 409)."""
        if isinstance(self.job, Watched):
            with contextlib.suppress(RunError):
                await self.store.run(self.job, "").end("cancelled", "cancelled from gdviz")
            return
        done = dumps(
            {
                "status": "cancelled",
                "epochs": 0,
                "loss": None,
                **self.job.start,
                "params": self.job.start_params,
                "reason": "cancelled before it started",
            }
        )
        store, writer = self.store, self.store.writer
        keys = [key("job", self.id), key("events", self.id), key("live"), key("queue")]
        args: list[Any] = [self.id, done, time.time(), writer.ttl_ms, writer.maxlen]
        if await store.cancel_script(keys=keys, args=args) == "running":
            await store.ar.publish(key("news"), f"cancel {self.id}")  # its process stops it at once

    async def change(self, values: dict[str, float]) -> int:
        """A queued job takes the change here (from epoch 1); a running one is asked over the news
        channel, and the process that trains it answers with the epoch (asked again while the job
        is between processes)."""
        store = self.store
        ask = uuid.uuid4().hex
        deadline = time.monotonic() + CHANGE_WAIT_S
        while True:
            change = dumps({"epoch": 1, **values})
            status = await store.change_queued(keys=[key("job", self.id)], args=[change])
            if status == "queued":
                return 1
            if status != "running":
                ended = "expired" if status is None else status
                raise JobEnded(f"job {self.id} has {ended}: there is no epoch left to change")
            await store.ar.publish(
                key("news"), "change " + dumps({"job": self.id, "ask": ask, "values": values})
            )
            answer = await store.ar.blpop([key("reply", ask)], timeout=0.5)
            if answer is not None:
                reply = json.loads(answer[1])
                if "error" in reply:
                    raise JobEnded(reply["error"])
                return int(reply["epoch"])
            if time.monotonic() > deadline:
                raise NoAnswer(
                    f"job {self.id}: the process training it did not answer within "
                    f"{CHANGE_WAIT_S:.0f} s (it may be being taken over); try again shortly"
                )

    async def changes(self) -> list[Record]:
        entries: Any = await self.store.ar.xrange(key("events", self.id))
        return [json.loads(f["d"]) for _, f in entries if f["e"] == "change"]

    async def wait_finished(self, timeout: float) -> None:
        mirror = self.log
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not mirror.ended:
                    await mirror.wait_beyond(len(mirror))


class RedisJobs:
    """The cluster's jobs, and this process's part in training them: the same workers and turns
    as in memory, fed by the cluster's queue, the jobs this process claimed kept alive by leases."""

    # A server for a course trains on all its cores: its requests, streams and health checks go
    # first, or a class waits behind the training threads (docs/benchmarks.md, scale-out).
    training_niceness = 10

    def __init__(self, settings: Settings, uploads: UploadStore) -> None:
        assert settings.redis_url is not None
        self.settings, self.uploads, self.url = settings, uploads, settings.redis_url
        self.r = client(self.url)
        self.quiet = Quiet()
        token = process_token()
        self.writer = StreamWriter(self.r, settings, token, self.quiet)
        self.stopping = threading.Event()
        self.claims = Claims(self.r, settings, token, self.writer, uploads)
        self.queue = SharedQueue(self.r, token, self.claims, self.quiet, self.stopping)
        self.workers = Workers(self.queue, settings.max_running, self.training_niceness)
        reaper = Reaper(self.r, token, self.claims, self.queue.line)
        self.leases = Leases(self.r, token, self.claims, self.quiet, reaper.reap, self.stopping)
        self.news = News(self.r, self.quiet, self.claims, self.queue.wake, self.stopping)
        self.views: OrderedDict[str, RedisJob] = OrderedDict()  # the jobs this process has seen
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ar: aredis.Redis | None = None  # requests, on the event loop
        self._follower: Follower | None = None  # streams' blocking reads, on the event loop

    @property
    def ar(self) -> aredis.Redis:
        assert self._ar is not None, "start() first"
        return self._ar

    # --- lifetime ---

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._ar = async_client(self.url)
        reader = async_client(self.url, socket_timeout=10)  # blocks up to Follower.BLOCK_MS
        self._follower = Follower(reader, self._ar, self.quiet)
        self.cancel_script = self._ar.register_script(CANCEL)
        self.change_queued = self._ar.register_script(CHANGE_QUEUED)
        self.run_append = self._ar.register_script(RUN_APPEND)
        self.writer.start()
        self.leases.start()
        self.news.start()
        self.queue.line.start()
        self.workers.start()

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop training without finishing the jobs: their leases are given up, so another
        process takes them over at once (this one's events so far stay written)."""
        deadline = time.monotonic() + timeout
        self.stopping.set()
        claimed = self.claims.all()
        for job in claimed:
            self.claims.lose(job)
        self.queue.line.stop(self.workers.count)  # each worker wakes to see that it stops
        self.workers.join(deadline)
        self.writer.close(max(0.1, deadline - time.monotonic()))
        self.leases.give_up(claimed)
        self.leases.join(1.0)
        self.news.join(1.5)
        if self._loop is not None and self._follower is not None:
            self._loop.call_soon_threadsafe(self._follower.close)

    # --- requests (event loop) ---

    async def create(self, config: JobConfig) -> RedisJob:
        if await self.ar.zcard(key("live")) >= self.settings.max_jobs:
            raise TooManyJobs(
                f"{self.settings.max_jobs} jobs are queued or running (GDVIZ_MAX_JOBS); "
                "try again shortly"
            )
        log = MemoryLog()  # where the setup writes its meta, which goes to Redis from here
        job = (
            self._build(config, log)
            if quick_to_build(config)
            else await asyncio.to_thread(self._build, config, log)
        )
        now = time.time()
        pipe = self.ar.pipeline(transaction=True)
        pipe.hset(
            key("job", job.id),
            mapping={"config": config.model_dump_json(), "status": "queued", "created": now},
        )
        pipe.xadd(key("events", job.id), {"e": "meta", "d": as_json(log.events[0][1])}, id="0-1")
        pipe.zadd(key("live"), {job.id: now})
        pipe.rpush(key("queue"), job.id)
        pipe.publish(key("news"), "queued")
        await pipe.execute()
        return self._remember(job)

    async def create_run(self, spec: RunSpec, token_digest: str) -> RedisJob:
        """A watched run: its keys as a job's, never queued; its keys expire unless its loop
        sends (``runs.py``)."""
        now = time.time()
        pipe = self.ar.pipeline(transaction=False)
        pipe.zremrangebyscore(key("watched"), "-inf", now - self.settings.job_ttl_s)
        pipe.zcard(key("live"))
        pipe.zcard(key("watched"))
        _, live, watched = await pipe.execute()
        if live + watched >= self.settings.max_jobs:
            raise TooManyJobs(
                f"{live + watched} jobs are queued or running (GDVIZ_MAX_JOBS); try again shortly"
            )
        log = MemoryLog()
        run = Watched(spec, log)
        pipe = self.ar.pipeline(transaction=True)
        pipe.hset(
            key("job", run.id),
            mapping={
                "config": run.config.model_dump_json(),
                "watch": spec.model_dump_json(),
                "digest": token_digest,
                "status": "running",
                "created": now,
            },
        )
        pipe.xadd(key("events", run.id), {"e": "meta", "d": as_json(log.events[0][1])}, id="0-1")
        pipe.zadd(key("watched"), {run.id: now})
        for k in (key("job", run.id), key("events", run.id)):
            pipe.pexpire(k, self.writer.ttl_ms)
        await pipe.execute()
        return self._remember(run)

    async def get_run(self, run_id: str) -> RedisRun | None:
        view = await self.get(run_id)
        if view is None or not isinstance(view.job, Watched):
            return None
        token_digest = await self.ar.hget(key("job", run_id), "digest")
        return None if token_digest is None else self.run(view.job, str(token_digest))

    def run(self, watched: Watched, token_digest: str) -> RedisRun:
        limits = (self.writer.maxlen, self.writer.ttl_ms)
        return RedisRun(watched, token_digest, self.ar, self.run_append, limits)

    async def get(self, job_id: str) -> RedisJob | None:
        config, watch = await self.ar.hmget(key("job", job_id), ["config", "watch"])
        view = self.views.get(job_id)
        if config is None:
            if view is not None:  # expired, or lost with Redis's data: its streams end
                view.log.lose()
                self._forget(job_id)
            return None
        if view is None and watch is not None:  # its meta, made again as the run made it
            spec = RunSpec.model_validate_json(watch)
            view = self._remember(Watched(spec, MemoryLog(), job_id))
        elif view is None:
            view = self._remember(
                self._build(JobConfig.model_validate_json(config), MemoryLog(), job_id)
            )
        return view

    def _build(self, config: JobConfig, log: MemoryLog, job_id: str | None = None) -> Job:
        return Job(
            config,
            log,
            max_step_events=self.settings.max_step_events,
            uploads=self.uploads,
            id=job_id,
        )

    def _remember(self, job: Job | Watched) -> RedisJob:
        assert self._follower is not None, "start() first"
        mirror = Mirror(self._follower, key("events", job.id))
        if self._loop is not None:
            mirror.attach(self._loop)
        self.views[job.id] = view = RedisJob(job, mirror, self)
        while len(self.views) > self.settings.max_jobs:
            self._forget(next(iter(self.views)))
        return view

    def _forget(self, job_id: str) -> None:
        view = self.views.pop(job_id, None)
        if view is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(view.log.close)

    async def counts(self) -> JobCounts:
        pipe = self.ar.pipeline(transaction=False)
        pipe.scard(key("running"))
        pipe.llen(key("queue"))
        pipe.zcard(key("live"))
        running, queued, live = await pipe.execute()
        return {"running": running, "queued": queued, "kept": live}

    async def problem(self) -> str | None:
        try:
            await self.ar.ping()
        except UNREACHABLE as exc:
            return f"Redis at {where(self.url)} is unreachable: {exc}"
        return None
