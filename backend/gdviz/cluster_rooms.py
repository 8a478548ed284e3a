"""Rooms shared by every gdviz process on one Redis (``GDVIZ_REDIS_URL``), as ``gdviz.cluster``
shares jobs. Keys, all under ``gdviz:``, all expiring with the room:

- ``room:{code}``          hash: digest, expires (ms), run, player (JSON), question (current id;
                           none once closed), questions (how many asked)
- ``room:{code}:q:{n}``    hash: spec (JSON), revealed ("1" once revealed)
- ``room:{code}:a:{n}``    hash: student → answer (JSON)
- ``room:{code}:runs``     list of the students' shared runs (JSON)
- ``room:{code}:events``   stream: SSE event N is entry ``0-N`` (fields ``e`` event, ``d`` data)
- ``room:{code}:posts:{student}``  sorted set: the times of a student's posts in the last minute
- ``rooms``                sorted set of the open rooms by expiry (for GDVIZ_MAX_ROOMS)

Every change and its event are written by one Lua script, so that the state and the log agree
whichever process writes; each process follows its rooms' streams with one reader (``Follower``)
however many of its clients watch it.
"""

import json
import secrets
import time

import redis.asyncio as aredis

from .cluster_scripts import _LAST_SEQ, PREFIX
from .cluster_streams import DRIVER, Follower, Mirror, Quiet, async_client
from .events import EventLog, dumps
from .rooms import (
    RATE_WINDOW_S,
    ROOM_WAKE_INTERVAL_S,
    Answer,
    RoomStore,
    digest,
    full,
    new_code,
    no_question,
    no_room,
    opened,
    question_view,
    revealed,
    snapshot,
    too_many_questions,
    too_many_rooms,
    too_many_runs,
)
from .settings import Settings

# Appends event ARGV[e], data ARGV[e + 1] to KEYS[events] as the next id; everything expires with
# the room (``exp``: its ``expires`` in ms).
_EMIT = (
    _LAST_SEQ
    + """
local function emit(events, exp, event, data)
  local n = last_seq(events) + 1
  redis.call('XADD', events, '0-' .. n, 'e', event, 'd', data)
  redis.call('PEXPIREAT', events, exp)
  return n
end
"""
)

# KEYS: room, rooms, events; ARGV: code, digest, now ms, expires ms, max rooms, open event's data.
# 1 made, 0 taken, -1 full. The stream begins with ``open``: it exists as long as the room.
CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'expires', ARGV[4], 'questions', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('XADD', KEYS[3], '0-1', 'e', 'open', 'd', ARGV[6])
redis.call('PEXPIREAT', KEYS[3], ARGV[4])
return 1
"""

# KEYS: room, events; ARGV: field, value, event. Sets a field of the room and sends it as the event.
SET = (
    _EMIT
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return emit(KEYS[2], exp, ARGV[3], ARGV[2])
"""
)

# KEYS: room, events; ARGV: room key prefix, spec JSON, question view JSON without its id, max.
# The new question's id; -1 no room, -2 too many questions.
ASK = (
    _EMIT
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'questions')) + 1
if n > tonumber(ARGV[4]) then return -2 end
local q = ARGV[1] .. ':q:' .. n
redis.call('HSET', q, 'spec', ARGV[2])
redis.call('PEXPIREAT', q, exp)
redis.call('HSET', KEYS[1], 'questions', n, 'question', n)
emit(KEYS[2], exp, 'question', '{"id":' .. n .. ',' .. string.sub(ARGV[3], 2))
return n
"""
)

# KEYS: room, q, a, events; ARGV: qid, student, answer JSON, max answers.
# {answers now, 1 if it replaced one}; -1 no room, -2 no question, -3 revealed, -4 full.
ANSWER = (
    _EMIT
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
if redis.call('HGET', KEYS[2], 'revealed') then return -3 end
local replaced = redis.call('HEXISTS', KEYS[3], ARGV[2])
if replaced == 0 and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[4]) then return -4 end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[3], exp)
local n = redis.call('HLEN', KEYS[3])
emit(KEYS[4], exp, 'answers', '{"question":' .. ARGV[1] .. ',"answers":' .. n .. '}')
return {n, replaced}
"""
)

# KEYS: room, q, a. Marks the question revealed; {spec, answers in arrival order}; -1, -2 as above.
REVEAL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
redis.call('HSET', KEYS[2], 'revealed', '1')
return {redis.call('HGET', KEYS[2], 'spec'), redis.call('HVALS', KEYS[3])}
"""

# KEYS: room, events; ARGV: qid, close event's data. 1 closed, 0 not the current question, -1 no room.
CLOSE = (
    _EMIT
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
if redis.call('HGET', KEYS[1], 'question') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'question')
emit(KEYS[2], exp, 'close', ARGV[2])
return 1
"""
)

# KEYS: room, events; ARGV: event, data. -1 no room.
EMIT = (
    _EMIT
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
return emit(KEYS[2], exp, ARGV[1], ARGV[2])
"""
)

# KEYS: room, runs, events; ARGV: run JSON, max. The run's index; -1 no room, -2 full.
SHARE = (
    _EMIT
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[2]) then return -2 end
local n = redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[2], exp)
emit(KEYS[3], exp, 'runs', '{"runs":' .. n .. '}')
return n - 1
"""
)

# KEYS: room, events; ARGV: room key prefix. {room hash, last event id, spec, revealed, answers}:
# one consistent reading however many processes write.
SNAPSHOT = (
    _LAST_SEQ
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local room = redis.call('HGETALL', KEYS[1])
local seq = last_seq(KEYS[2])
local current = redis.call('HGET', KEYS[1], 'question')
local runs = redis.call('LLEN', ARGV[1] .. ':runs')
if not current then return {room, seq, runs} end
local q = ARGV[1] .. ':q:' .. current
return {room, seq, runs, redis.call('HGET', q, 'spec'), redis.call('HGET', q, 'revealed') or '',
        redis.call('HVALS', ARGV[1] .. ':a:' .. current)}
"""
)

# KEYS: posts; ARGV: now ms, window ms, max, a unique member. 1 counted, 0 refused: the times
# of a student's posts within the last window, in a sorted set expiring with the window.
COUNT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


POOL_SIZE = 16  # connections to Redis for room requests, per process


def room_key(code: str, part: str = "") -> str:
    return f"{PREFIX}room:{code}" + (f":{part}" if part else "")


class RedisRooms(RoomStore):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        assert settings.redis_url is not None
        self.url = settings.redis_url
        self.quiet = Quiet()
        # A class joins at once: its requests wait for one of a few connections rather than open
        # hundreds at the same moment (which a busy machine answers with connect timeouts).
        pool = aredis.BlockingConnectionPool.from_url(
            self.url,
            max_connections=POOL_SIZE,
            timeout=5,
            decode_responses=True,
            socket_timeout=2,
            socket_connect_timeout=2,
            driver_info=DRIVER,
        )
        self.r = aredis.Redis(connection_pool=pool)
        reader = async_client(self.url, socket_timeout=10)  # blocks up to Follower.BLOCK_MS
        self.follower = Follower(reader, self.r, self.quiet)
        self.mirrors: dict[str, Mirror] = {}
        self._create = self.r.register_script(CREATE)
        self._set = self.r.register_script(SET)
        self._ask = self.r.register_script(ASK)
        self._answer = self.r.register_script(ANSWER)
        self._reveal = self.r.register_script(REVEAL)
        self._emit = self.r.register_script(EMIT)
        self._close = self.r.register_script(CLOSE)
        self._share = self.r.register_script(SHARE)
        self._snapshot = self.r.register_script(SNAPSHOT)
        self._count = self.r.register_script(COUNT)
        self._specs: dict[tuple[str, int], dict] = {}  # questions never change once asked

    async def create(self) -> tuple[str, str, float]:
        key = secrets.token_urlsafe(24)
        while True:
            code = new_code()
            now = time.time()
            expires_ms = int((now + self.settings.room_ttl_s) * 1000)
            made = await self._create(
                keys=[room_key(code), f"{PREFIX}rooms", room_key(code, "events")],
                args=[
                    code,
                    digest(key),
                    int(now * 1000),
                    expires_ms,
                    self.settings.max_rooms,
                    dumps(opened(code, expires_ms / 1000)),
                ],
            )
            if made == -1:
                raise too_many_rooms(self.settings)
            if made == 1:
                return code, key, expires_ms / 1000

    async def teacher_digest(self, code: str) -> str:
        stored = await self.r.hget(room_key(code), "digest")
        if stored is None:
            raise no_room(code)
        return str(stored)

    async def snapshot(self, code: str) -> dict:
        got = await self._snapshot(
            keys=[room_key(code), room_key(code, "events")], args=[room_key(code)]
        )
        if not got:
            raise no_room(code)
        flat, seq, runs, *current = got
        room = dict(zip(flat[::2], flat[1::2], strict=True))
        question = None
        if current:
            spec, is_revealed, answers = current
            qid = int(room["question"])
            question = question_view(
                qid, json.loads(spec), [json.loads(a) for a in answers], bool(is_revealed), False
            )
        return snapshot(
            code,
            int(room["expires"]) / 1000,
            json.loads(room["run"]) if "run" in room else None,
            json.loads(room["player"]) if "player" in room else None,
            question,
            runs,
            seq,
        )

    async def _set_field(self, code: str, name: str, value: dict, event: str) -> None:
        if not await self._set(
            keys=[room_key(code), room_key(code, "events")], args=[name, dumps(value), event]
        ):
            raise no_room(code)

    async def set_run(self, code: str, run: dict) -> None:
        await self._set_field(code, "run", run, "run")

    async def set_player(self, code: str, player: dict) -> None:
        await self._set_field(code, "player", player, "player")

    async def ask(self, code: str, spec: dict) -> int:
        view = question_view(0, spec, [], False, False)
        del view["id"]
        qid = await self._ask(
            keys=[room_key(code), room_key(code, "events")],
            args=[room_key(code), dumps(spec), dumps(view), self.settings.room_max_questions],
        )
        if qid == -1:
            raise no_room(code)
        if qid == -2:
            raise too_many_questions(self.settings)
        return qid

    async def _spec(self, code: str, qid: int) -> dict:
        spec = self._specs.get((code, qid))
        if spec is None:
            text = await self.r.hget(room_key(code, f"q:{qid}"), "spec")
            if text is None:
                if not await self.r.exists(room_key(code)):
                    raise no_room(code)
                raise no_question(code, qid)
            spec = self._specs[(code, qid)] = json.loads(text)
            if len(self._specs) > 10_000:
                self._specs.pop(next(iter(self._specs)))
        return spec

    async def question(self, code: str, qid: int) -> tuple[dict, list[Answer], bool]:
        spec = await self._spec(code, qid)
        pipe = self.r.pipeline(transaction=True)
        pipe.hget(room_key(code, f"q:{qid}"), "revealed")
        pipe.hvals(room_key(code, f"a:{qid}"))
        is_revealed, answers = await pipe.execute()
        return spec, [json.loads(a) for a in answers], bool(is_revealed)

    async def answer(self, code: str, qid: int, student: str, answer: Answer) -> tuple[int, bool]:
        got = await self._answer(
            keys=[
                room_key(code),
                room_key(code, f"q:{qid}"),
                room_key(code, f"a:{qid}"),
                room_key(code, "events"),
            ],
            args=[qid, student, dumps(answer), self.settings.room_max_answers],
        )
        match got:
            case -1:
                raise no_room(code)
            case -2:
                raise no_question(code, qid)
            case -3:
                raise revealed(qid)
            case -4:
                raise full(self.settings)
        count, replaced = got
        return count, bool(replaced)

    async def reveal(self, code: str, qid: int) -> dict:
        got = await self._reveal(
            keys=[room_key(code), room_key(code, f"q:{qid}"), room_key(code, f"a:{qid}")]
        )
        if got == -1:
            raise no_room(code)
        if got == -2:
            raise no_question(code, qid)
        spec, answers = got
        view = question_view(qid, json.loads(spec), [json.loads(a) for a in answers], True, True)
        if (
            await self._emit(
                keys=[room_key(code), room_key(code, "events")], args=["reveal", dumps(view)]
            )
            == -1
        ):
            raise no_room(code)
        return view

    async def close_question(self, code: str, qid: int) -> bool:
        await self._spec(code, qid)  # 404 for a question never asked
        closed = await self._close(
            keys=[room_key(code), room_key(code, "events")],
            args=[qid, dumps({"question": qid})],
        )
        if closed == -1:
            raise no_room(code)
        return bool(closed)

    async def share_run(self, code: str, run: dict) -> int:
        index = await self._share(
            keys=[room_key(code), room_key(code, "runs"), room_key(code, "events")],
            args=[dumps(run), self.settings.room_max_runs],
        )
        if index == -1:
            raise no_room(code)
        if index == -2:
            raise too_many_runs(self.settings)
        return index

    async def shared_runs(self, code: str) -> list[dict]:
        pipe = self.r.pipeline(transaction=True)
        pipe.exists(room_key(code))
        pipe.lrange(room_key(code, "runs"), 0, -1)
        exists, runs = await pipe.execute()
        if not exists:
            raise no_room(code)
        return [json.loads(run) for run in runs]

    async def count_post(self, code: str, student: str) -> None:
        counted = await self._count(
            keys=[room_key(code, f"posts:{student}")],
            args=[
                int(time.time() * 1000),
                int(RATE_WINDOW_S * 1000),
                self.settings.room_posts_per_minute,
                secrets.token_hex(6),
            ],
        )
        if not counted:
            raise self.too_many_posts()

    async def log(self, code: str) -> EventLog:
        mirror = self.mirrors.get(code)
        if mirror is None or mirror.gone:
            mirror = Mirror(self.follower, room_key(code, "events"), ROOM_WAKE_INTERVAL_S)
            self.mirrors[code] = mirror
            self._forget_gone()
        return mirror

    def _forget_gone(self) -> None:
        for code in [c for c, m in self.mirrors.items() if m.gone]:
            self.mirrors.pop(code).close()
        while len(self.mirrors) > self.settings.max_rooms:  # the oldest first
            self.mirrors.pop(next(iter(self.mirrors))).close()

    async def close(self) -> None:
        self.follower.close()
        for mirror in self.mirrors.values():
            mirror.wake_watchers()
        await self.r.aclose()
        await self.follower.reader.aclose()
