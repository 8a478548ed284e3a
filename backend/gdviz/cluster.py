"""Jobs shared by every gdviz process on one Redis (``GDVIZ_REDIS_URL``).

Any process creates jobs, streams them, cancels them and trains them; a browser may reach a
different process on every request. Its Redis keys and the scripts that change them are in
``gdviz.cluster_scripts``; how events go through Redis, in ``gdviz.cluster_streams``.

Training is deterministic, so a job whose process died is trained again from the start by
another process, which appends only the events past the last one written: ``APPEND`` skips ids
at or below the stream's top, which makes every append idempotent. A live change is decided by
the process that trains the job and kept in the job's hash before its epoch begins, so the
successor replays it at the same epoch. A finished job's keys expire after GDVIZ_JOB_TTL_S. Each
process reads the streams its clients watch with one reader (``Follower``), however many watch.

Requests talk to Redis with the asyncio client, so a slow answer never stalls the event loop; the
blocking client is used only by this process's threads (training, the writer, leases, news).
"""

import asyncio
import contextlib
import json
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

import redis
import redis.asyncio as aredis

from .cluster_scripts import (
    CANCEL,
    CHANGE_QUEUED,
    CLAIM_NEXT,
    ORPHANS,
    PREFIX,
    RECORD_CHANGE,
    RENEW,
    TAKE_OVER,
    key,
)
from .cluster_streams import (
    UNREACHABLE,
    Follower,
    Mirror,
    Quiet,
    StreamWriter,
    WriterLog,
    async_client,
    client,
    ttl_ms,
    where,
)
from .config import JobConfig
from .events import MemoryLog, Record, as_json, dumps
from .jobs import Job, JobEnded, JobManager, NoAnswer, TooManyJobs, quick_to_build
from .settings import Settings
from .uploads import Table, parse_csv, uploads

log = logging.getLogger("gdviz.cluster")

LEASE_S = 5.0  # a training process renews its leases every RENEW_S; a dead one's lapse after this
RENEW_S = 0.5  # ... and also reads cancel requests this often
REAP_S = 1.0  # how often a process looks for jobs whose process died
LOOK_S = 1.0  # a worker looks at the cluster's queue at least this often, news or not
CHANGE_WAIT_S = 8.0  # a live change waits this long for the training process (a takeover: ≤ 6 s)


class ClusterJob(Job):
    """A job as any process sees it: its data and meta built here from the shared config (for the
    surface), its status, history, cancel and changes from Redis, its events from a ``Mirror``."""

    manager: "ClusterJobManager"

    def summary(self, history: bool = True) -> dict:
        return self.manager.summary(self, history)

    async def asummary(self, history: bool = True) -> dict:
        return await self.manager.asummary(self, history)

    async def acancel(self) -> None:
        await self.manager.acancel(self)

    async def achange(self, values: dict[str, float]) -> int:
        return await self.manager.achange(self, values)

    async def achanges(self) -> list[Record]:
        return await self.manager.achanges(self)

    async def wait_finished(self, timeout: float) -> None:
        mirror = view_mirror(self)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not mirror.ended:
                    await mirror.wait_beyond(len(mirror))


class RedisUploads:
    """Uploaded CSVs in Redis, so that a job on any process finds its data; parsed again (once per
    process) from the text kept."""

    def __init__(self, r: redis.Redis, settings: Settings) -> None:
        self.r, self.settings = r, settings

    def put(self, table: Table, raw: bytes) -> None:
        self.r.hset(key("upload", table.id), mapping={"filename": table.filename, "csv": raw})
        self.r.pexpire(key("upload", table.id), ttl_ms(self.settings))

    def get(self, id: str) -> Table | None:
        stored: Any = self.r.hgetall(key("upload", id))
        if not stored:
            return None
        table = parse_csv(stored["csv"].encode(), stored["filename"], self.settings.upload_max_rows)
        table.id = id
        return table


def process_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class ClusterJobManager(JobManager):
    """``JobManager`` over Redis: the same worker threads and turns, with the queue of new jobs
    shared by every process (a new job's first epoch goes to whichever worker is free first), and
    the jobs this process claimed kept alive by leases."""

    # A server for a course trains on all its cores: its requests, streams and health checks go
    # first, or a class waits behind the training threads (docs/benchmarks.md, scale-out).
    training_niceness = 10

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        assert settings.redis_url is not None
        self.url = settings.redis_url
        self.r = client(self.url)
        self.token = process_token()
        self.quiet = Quiet()
        self.writer = StreamWriter(self.r, settings, self.token, self.quiet)
        self.views: OrderedDict[str, ClusterJob] = OrderedDict()  # jobs this process has seen
        self.training: dict[str, Job] = {}  # jobs this process claimed
        self._stopping = threading.Event()
        self._keeper = threading.Thread(target=self._keep, name="gdviz-redis-leases", daemon=True)
        self._listener = threading.Thread(target=self._listen, name="gdviz-redis-news", daemon=True)
        self._next_look = 0.0  # when a worker looks at the cluster's queue without news
        self._answered: OrderedDict[str, str] = OrderedDict()  # live changes' answers, by ask
        self._ar: aredis.Redis | None = None  # requests, on the event loop
        self._follower: Follower | None = None  # streams' blocking reads, on the event loop
        self._claim_next = self.r.register_script(CLAIM_NEXT)
        self._take_over = self.r.register_script(TAKE_OVER)
        self._orphans = self.r.register_script(ORPHANS)
        self._renew = self.r.register_script(RENEW)
        self._record_change = self.r.register_script(RECORD_CHANGE)
        uploads.shared = RedisUploads(self.r, settings)

    @property
    def ar(self) -> aredis.Redis:
        assert self._ar is not None, "start() first"
        return self._ar

    # --- lifetime ---

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._ar = async_client(self.url)
        reader = async_client(self.url, socket_timeout=10)  # blocks up to Follower.BLOCK_MS
        self._follower = Follower(reader, self._ar, self.quiet)
        self._cancel = self._ar.register_script(CANCEL)
        self._change_queued = self._ar.register_script(CHANGE_QUEUED)
        self.writer.start()
        self._keeper.start()
        self._listener.start()
        super().start(loop)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop training without finishing the jobs: their leases are given up, so another
        process takes them over at once (this one's events so far stay written)."""
        self._stopping.set()
        self._pacer.stop()
        claimed = list(self.training.values())
        for job in claimed:
            assert isinstance(job.log, WriterLog)
            job.log.closed = True
            job.training.stop.set()
        for _ in self._workers:
            self._wake_worker()  # to see that it stops
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        self.writer.close(max(0.1, deadline - time.monotonic()))
        try:
            for job in claimed:
                self.r.delete(key("lease", job.id))
        except UNREACHABLE:
            pass
        self._keeper.join(1.0)
        self._listener.join(1.5)
        if self._loop is not None and self._follower is not None:
            self._loop.call_soon_threadsafe(self._follower.close)
        self._workers.clear()

    # --- requests (event loop) ---

    def create(self, config: JobConfig) -> Job:
        raise NotImplementedError("on Redis, jobs are made with acreate, on the event loop")

    def get(self, job_id: str) -> Job | None:
        raise NotImplementedError("on Redis, jobs are found with aget, on the event loop")

    async def acreate(self, config: JobConfig) -> Job:
        if await self.ar.zcard(key("live")) >= self.settings.max_jobs:
            raise TooManyJobs(
                f"{self.settings.max_jobs} jobs are queued or running (GDVIZ_MAX_JOBS); "
                "try again shortly"
            )
        args = (config, self.settings.max_step_events)
        view = (
            ClusterJob(*args)
            if quick_to_build(config)
            else await asyncio.to_thread(ClusterJob, *args)
        )
        assert isinstance(view.log, MemoryLog)
        meta = view.log.events[0][1]
        now = time.time()
        pipe = self.ar.pipeline(transaction=True)
        pipe.hset(
            key("job", view.id),
            mapping={"config": config.model_dump_json(), "status": "queued", "created": now},
        )
        pipe.xadd(key("events", view.id), {"e": "meta", "d": as_json(meta)}, id="0-1")
        pipe.zadd(key("live"), {view.id: now})
        pipe.rpush(key("queue"), view.id)
        pipe.publish(key("news"), "queued")
        await pipe.execute()
        return self._remember(view)

    async def aget(self, job_id: str) -> Job | None:
        config = await self.ar.hget(key("job", job_id), "config")
        view = self.views.get(job_id)
        if config is None:
            if view is not None:
                self._forget(job_id)
            return None
        if view is None:
            view = self._remember(
                ClusterJob(
                    JobConfig.model_validate_json(config), self.settings.max_step_events, id=job_id
                )
            )
        return view

    def _remember(self, view: ClusterJob) -> ClusterJob:
        assert self._follower is not None, "start() first"
        view.manager = self
        view.log = Mirror(self._follower, key("events", view.id))
        if self._loop is not None:
            view.log.attach(self._loop)
        self.views[view.id] = view
        while len(self.views) > self.settings.max_jobs:
            self._forget(next(iter(self.views)))
        return view

    def _forget(self, job_id: str) -> None:
        view = self.views.pop(job_id, None)
        if view is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(view_mirror(view).close)

    def summary(self, view: ClusterJob, history: bool = True) -> dict:
        """From a worker thread (a route that may send a long history)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.hgetall(key("job", view.id))
        pipe.xrange(key("events", view.id))
        stored, entries = pipe.execute()
        return self._summary(view, stored, entries, history)

    async def asummary(self, view: ClusterJob, history: bool = True) -> dict:
        pipe = self.ar.pipeline(transaction=False)
        pipe.hgetall(key("job", view.id))
        pipe.xrange(key("events", view.id))
        stored, entries = await pipe.execute()
        return self._summary(view, stored, entries, history)

    def _summary(self, view: ClusterJob, stored: dict, entries: list, history: bool) -> dict:
        records = [json.loads(f["d"]) for _, f in entries if f["e"] == "epoch"]
        started, finished = stored.get("started"), stored.get("finished")
        elapsed = None
        if started is not None:
            elapsed = float(finished or time.time()) - float(started)
        out = {
            "id": view.id,
            "status": stored.get("status", view.status),
            "config": view.config.model_dump(),
            "meta": view.meta,
            "done": json.loads(stored["done"]) if "done" in stored else None,
            "epochs_done": len(records),
            "elapsed_s": elapsed,
        }
        if history:
            out["history"] = records
        return out

    async def acancel(self, view: ClusterJob) -> None:
        done = dumps(
            {
                "status": "cancelled",
                "epochs": 0,
                "loss": None,
                **view.training.start,
                "params": view.training.start_params,
                "reason": "cancelled before it started",
            }
        )
        keys = [key("job", view.id), key("events", view.id), key("live"), key("queue")]
        args: list[Any] = [view.id, done, time.time(), self.writer.ttl_ms, self.writer.maxlen]
        if await self._cancel(keys=keys, args=args) == "running":
            await self.ar.publish(key("news"), f"cancel {view.id}")  # its process stops it at once

    async def achange(self, view: ClusterJob, values: dict[str, float]) -> int:
        """A queued job takes the change here (from epoch 1); a running one is asked over the news
        channel, and the process that trains it answers with the epoch (asked again while the job
        is between processes)."""
        ask = uuid.uuid4().hex
        deadline = time.monotonic() + CHANGE_WAIT_S
        while True:
            change = dumps({"epoch": 1, **values})
            status = await self._change_queued(keys=[key("job", view.id)], args=[change])
            if status == "queued":
                return 1
            if status != "running":
                ended = "expired" if status is None else status
                raise JobEnded(f"job {view.id} has {ended}: there is no epoch left to change")
            await self.ar.publish(
                key("news"), "change " + dumps({"job": view.id, "ask": ask, "values": values})
            )
            answer = await self.ar.blpop([key("reply", ask)], timeout=0.5)
            if answer is not None:
                reply = json.loads(answer[1])
                if "error" in reply:
                    raise JobEnded(reply["error"])
                return int(reply["epoch"])
            if time.monotonic() > deadline:
                raise NoAnswer(
                    f"job {view.id}: the process training it did not answer within "
                    f"{CHANGE_WAIT_S:.0f} s (it may be being taken over); try again shortly"
                )

    async def achanges(self, view: ClusterJob) -> list[Record]:
        entries: Any = await self.ar.xrange(key("events", view.id))
        return [json.loads(f["d"]) for _, f in entries if f["e"] == "change"]

    async def acounts(self) -> dict[str, int]:
        pipe = self.ar.pipeline(transaction=False)
        pipe.scard(key("running"))
        pipe.llen(key("queue"))
        pipe.zcard(key("live"))
        running, queued, live = await pipe.execute()
        return {"running": running, "queued": queued, "kept": live}

    async def aproblem(self) -> str | None:
        try:
            await self.ar.ping()
        except UNREACHABLE as exc:
            return f"Redis at {where(self.url)} is unreachable: {exc}"
        return None

    # --- training (worker threads) ---

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self._next_job()
            except UNREACHABLE as exc:
                self.quiet.warn("taking jobs", exc)
                self._stopping.wait(0.5)
                continue
            if job is None:
                continue
            first_turn = job._records is None
            if job.run(budget_s=0.0 if first_turn else self.SLICE_S):
                self.training.pop(job.id, None)
            elif not self._stopping.is_set():
                self.requeue(job)  # a paced job sleeps off the workers

    def _next_job(self) -> Job | None:
        """A job taken over (or paced) goes first, then a new job of the cluster, then this
        process's turns. Waits (up to ``LOOK_S``) for one: the news of a queued job puts a
        wake-up in the local queue, so the cluster's queue is read when there is something in it
        (and every ``LOOK_S`` in case some news was missed), not on every turn."""
        try:
            item = self._queue.get(timeout=LOOK_S)
        except queue.Empty:
            item = None
        if self._stopping.is_set():
            return None
        priority, _, job = (self.NEW, 0, None) if item is None else item
        if job is not None and (priority == self.NEW or time.monotonic() < self._next_look):
            return job
        self._next_look = time.monotonic() + LOOK_S
        claimed = self._claim_next(args=[PREFIX, self.token, int(LEASE_S * 1000), time.time()])
        if claimed:
            if item is not None and job is not None:
                self._queue.put(item)  # its turn comes after the new job's first epoch
            job_id, config, written, changes = claimed
            return self._train(job_id, config, int(written), changes)
        return job

    def _train(self, job_id: str, config: str, written: int, changes: str) -> Job | None:
        """The job built here to train (again), with the live changes made so far; None if it
        cannot be (its upload expired)."""
        log = WriterLog(self.writer, job_id, written)
        try:
            job = Job(
                JobConfig.model_validate_json(config),
                self.settings.max_step_events,
                log=log,
                id=job_id,
            )
        except Exception as exc:
            done = {
                "status": "failed",
                "epochs": 0,
                "loss": None,
                "w": None,
                "b": None,
                "params": None,
            }
            self.writer.put(job_id, written + 1, "done", dumps({**done, "reason": str(exc)}))
            return None
        for change in json.loads(changes):
            epoch = change.pop("epoch")
            job.training.change_at(epoch, change)
        if written > 1:
            job.replayed_epochs = self._epochs_written(job_id)
        self.training[job_id] = job
        return job

    def _epochs_written(self, job_id: str) -> int:
        entries: Any = self.r.xrevrange(key("events", job_id), count=256)
        for _, fields in entries:
            if fields["e"] == "epoch":
                return int(json.loads(fields["d"])["epoch"])
        return 0

    # --- news (one thread): queued jobs, cancels and live changes ---

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with self.r.pubsub(ignore_subscribe_messages=True) as news:
                    news.subscribe(key("news"))
                    self._wake_worker()  # news may have been missed meanwhile
                    self.quiet.ok("hearing news")
                    while not self._stopping.is_set():
                        message = news.get_message(timeout=1.0)
                        if message is not None:
                            self._hear(message["data"])
            except UNREACHABLE as exc:
                self.quiet.warn("hearing news", exc)
                self._stopping.wait(0.5)

    def _wake_worker(self) -> None:
        self._queue.put((self.NEW, next(self._order), None))

    def _hear(self, news: str) -> None:
        kind, _, rest = news.partition(" ")
        if kind == "queued":
            self._wake_worker()
        elif kind == "cancel" and (job := self.training.get(rest)) is not None:
            job.training.stop.set()
        elif kind == "change":
            asked = json.loads(rest)
            if (job := self.training.get(asked["job"])) is not None:
                self._change(job, asked["ask"], asked["values"])

    def _change(self, job: Job, ask: str, values: dict[str, float]) -> None:
        """Apply a live change to a job trained here, kept in Redis before its epoch begins, and
        answer the process that asked (once per ask, however often it asks)."""
        reply = self._answered.get(ask)
        if reply is None:

            def record(epoch: int) -> None:
                change = dumps({"epoch": epoch, **values})
                keys = [key("job", job.id), key("lease", job.id)]
                if not self._record_change(keys=keys, args=[change, self.token]):
                    raise JobEnded(f"job {job.id} has ended: there is no epoch left to change")

            try:
                reply = dumps({"epoch": job.change(values, record)})
            except JobEnded as exc:
                reply = dumps({"error": str(exc)})
            self._answered[ask] = reply
            while len(self._answered) > 256:
                self._answered.popitem(last=False)
        pipe = self.r.pipeline(transaction=False)
        pipe.rpush(key("reply", ask), reply)
        pipe.pexpire(key("reply", ask), int(CHANGE_WAIT_S * 1000))
        pipe.execute()

    # --- leases (one thread) ---

    def _keep(self) -> None:
        next_reap = 0.0
        while not self._stopping.wait(RENEW_S):
            try:
                self._renew_leases()
                if time.monotonic() >= next_reap:
                    next_reap = time.monotonic() + REAP_S
                    self._reap()
                self.quiet.ok("keeping leases")
            except UNREACHABLE as exc:
                self.quiet.warn("keeping leases", exc)

    def _renew_leases(self) -> None:
        claimed = list(self.training.values())
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
            if answer == -1:  # another process took it over: it writes this job from now on
                assert isinstance(job.log, WriterLog)
                job.log.closed = True
                job.training.stop.set()
                log.warning("job %s: lease lost, left to the process that took it over", job.id)
            elif answer == 1:
                job.training.stop.set()

    def _reap(self) -> None:
        for job_id in self._orphans(args=[PREFIX]):
            taken = self._take_over(
                keys=[key("job", job_id), key("lease", job_id), key("events", job_id)],
                args=[self.token, int(LEASE_S * 1000)],
            )
            if taken:
                config, written, changes = taken
                log.warning("job %s: its process stopped; training it here", job_id)
                job = self._train(job_id, config, int(written), changes)
                if job is not None:
                    self._queue.put((self.NEW, next(self._order), job))


def view_mirror(view: Job) -> Mirror:
    assert isinstance(view.log, Mirror)
    return view.log
