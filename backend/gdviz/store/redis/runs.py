"""Watched runs on Redis: any process takes a loop's batches, checks them against the run's state
in its hash and appends them with one script, so two processes never interleave a run's epochs.

Besides a job's keys (``job:{id}`` with ``watch``, the run's spec, and ``digest``, its token's;
``events:{id}``), the hash keeps ``last_epoch``, ``epochs`` and ``last`` (the last epoch's JSON).
No process trains a watched run, so no lease keeps it: its keys expire GDVIZ_JOB_TTL_S after its
last batch (a loop whose process died), as a finished job's do after its end. ``watched`` (a sorted
set by last batch) counts the unfinished ones under GDVIZ_MAX_JOBS.
"""

import json
import time
from typing import Any

import redis.asyncio as aredis
from redis.commands.core import AsyncScript

from ...events import dumps
from ...payloads import Done, Finished, Record, Status
from ...watched import POSTS_PER_S, RunError, RunEvent, Watched, ended, records
from .scripts import _LAST_SEQ, key

# KEYS: job, events, watched; ARGV: id, last epoch and epochs expected, then after, maxlen, ttl
# ms, now, last JSON, done JSON (or ''), its status, then event, data pairs. Answers {'ok'},
# {'ended', status} or {'moved'} (another batch came first: check again).
RUN_APPEND = (
    _LAST_SEQ
    + """
local h = redis.call('HMGET', KEYS[1], 'status', 'last_epoch', 'epochs')
if not h[1] then return {'gone'} end
if h[1] ~= 'running' then return {'ended', h[1]} end
if (h[2] or '0') ~= ARGV[2] or (h[3] or '0') ~= ARGV[3] then return {'moved'} end
local n = last_seq(KEYS[2]) + 1
for i = 12, #ARGV, 2 do
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[6], '0-' .. n, 'e', ARGV[i], 'd', ARGV[i + 1])
  n = n + 1
end
redis.call('HSET', KEYS[1], 'last_epoch', ARGV[4], 'epochs', ARGV[5])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'last', ARGV[9]) end
if not redis.call('HGET', KEYS[1], 'started') then redis.call('HSET', KEYS[1], 'started', ARGV[8]) end
if ARGV[10] ~= '' then
  redis.call('HSET', KEYS[1], 'status', ARGV[11], 'done', ARGV[10], 'finished', ARGV[8])
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('ZADD', KEYS[3], ARGV[8], ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return {'ok'}
"""
)


class RedisRun:
    """A watched run of the cluster, as its loop sees it."""

    def __init__(
        self,
        run: Watched,
        token_digest: str,
        ar: aredis.Redis,
        script: AsyncScript,
        limits: tuple[int, int],  # a stream's maxlen, and the keys' ttl in ms
    ) -> None:
        self.run, self.id, self.token_digest = run, run.id, token_digest
        self.ar, self.script, (self.maxlen, self.ttl_ms) = ar, script, limits

    async def add(self, events: list[RunEvent]) -> tuple[int, Status]:
        ar, now = self.ar, time.time()
        rate = key("rate", f"{self.id}:{int(now)}")
        pipe = ar.pipeline(transaction=False)
        pipe.incr(rate)
        pipe.expire(rate, 2)
        if (await pipe.execute())[0] > POSTS_PER_S:
            raise RunError(429, f"at most {POSTS_PER_S} batches a second: send fewer, larger")
        for _ in range(3):  # another batch of the same run may come first
            status, last, kept, last_record = await self._state()
            self._refuse(status)
            new, diverged = records(
                events, self.run.definition.size, last, kept, self.run.definition
            )
            top = new[-1] if new else last_record
            done = None
            if diverged is not None:
                done = ended(
                    diverged, top, kept + len(new), self.run.spec.params, self.run.definition
                )
            after = int(top["epoch"]) if top is not None else 0  # type: ignore[arg-type]
            pairs = [("epoch", dumps(record)) for record in new]
            if done is not None:
                pairs.append(("done", dumps(done)))
            answer = await self._append(last, kept, after, kept + len(new), top, done, pairs)
            if answer[0] == "ok":
                return kept + len(new), "running" if done is None else done["status"]
            if answer[0] != "moved":
                self._refuse(answer[1] if len(answer) > 1 else "gone")
        raise RunError(409, "other batches of this run kept coming first: send them one at a time")

    async def end(self, status: Finished, reason: str | None) -> None:
        for _ in range(3):
            state, last, kept, last_record = await self._state()
            self._refuse(state)
            partial: Done = {"status": status, "epochs": kept, "loss": None, "reason": reason}
            done = ended(partial, last_record, kept, self.run.spec.params, self.run.definition)
            answer = await self._append(last, kept, last, kept, None, done, [("done", dumps(done))])
            if answer[0] == "ok":
                return
            if answer[0] != "moved":
                self._refuse(answer[1] if len(answer) > 1 else "gone")
        raise RunError(409, "other batches of this run kept coming first")

    async def _state(self) -> tuple[str, int, int, Record | None]:
        stored = await self.ar.hmget(
            key("job", self.id), ["status", "last_epoch", "epochs", "last"]
        )
        status, last, kept, top = stored
        return (
            str(status or "gone"),
            int(last or 0),
            int(kept or 0),
            None if top is None else json.loads(top),
        )

    def _refuse(self, status: str) -> None:
        if status == "gone":
            raise RunError(409, f"run {self.id} is gone from the server's store (expired)")
        if status != "running":
            raise RunError(409, f"run {self.id} has {status}; it takes nothing more")

    async def _append(
        self,
        last: int,
        kept: int,
        after: int,
        count: int,
        top: Record | None,
        done: Done | None,
        pairs: list[tuple[str, str]],
    ) -> list[Any]:
        keys = [key("job", self.id), key("events", self.id), key("watched")]
        args: list[Any] = [self.id, last, kept, after, count, self.maxlen, self.ttl_ms]
        args += [
            time.time(),
            "" if top is None else dumps(top),
            "" if done is None else dumps(done),
        ]
        args.append("" if done is None else done["status"])
        for event, data in pairs:
            args += [event, data]
        answer: list[Any] = await self.script(keys=keys, args=args)
        return answer
