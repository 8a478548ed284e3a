"""Rooms shared by every gdviz process on one Redis (``GDVIZ_REDIS_URL``), as ``jobs.py`` shares
jobs. The keys, and the scripts that write every change together with its event, are in
``scripts.py``; each process follows its rooms' streams with one reader (``Follower``) however
many of its clients watch it.
"""

import asyncio
import contextlib
import json
import logging
import secrets
import time
from typing import Any

import redis.asyncio as aredis

from ...events import EventLog, dumps
from ...lessons import public
from ...rooms import (
    ADDRESS_WINDOW_S,
    RATE_WINDOW_S,
    ROOM_WAKE_INTERVAL_S,
    SWEEP_S,
    Answer,
    Player,
    QuestionSpec,
    Run,
    SharedRun,
    Snapshot,
    digest,
    full,
    new_code,
    no_question,
    no_room,
    opened,
    question_closed,
    revealed,
    snapshot,
    too_many_from_address,
    too_many_posts,
    too_many_questions,
    too_many_rooms,
    too_many_rooms_here,
    too_many_runs,
)
from ...settings import Settings
from ...votes import question_view, vote
from .client import DRIVER, UNREACHABLE, Quiet, async_client
from .follower import Follower, Mirror
from .questions import RoomQuestions, round_of
from .scripts import (
    PREFIX,
    ROOM_ANSWER,
    ROOM_ASK,
    ROOM_CLOSE,
    ROOM_CLOSE_QUESTION,
    ROOM_CREATE,
    ROOM_EMIT,
    ROOM_REVEAL,
    ROOM_REVOTE,
    ROOM_SET,
    ROOM_SHARE,
    ROOM_SNAPSHOT,
    ROOM_SWEEP,
    key,
    room_key,
)

log = logging.getLogger("gdviz.cluster")

POOL_SIZE = 16  # connections to Redis for room requests, per process
SWEEP_MOST = 100  # rooms one sweep closes at most


class RedisRooms(RoomQuestions):
    def __init__(self, settings: Settings) -> None:
        assert settings.redis_url is not None
        self.settings = settings
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
        self._create = self.r.register_script(ROOM_CREATE)
        self._set = self.r.register_script(ROOM_SET)
        self._ask = self.r.register_script(ROOM_ASK)
        self._answer = self.r.register_script(ROOM_ANSWER)
        self._reveal = self.r.register_script(ROOM_REVEAL)
        self._revote = self.r.register_script(ROOM_REVOTE)
        self._emit = self.r.register_script(ROOM_EMIT)
        self._share = self.r.register_script(ROOM_SHARE)
        self._snapshot = self.r.register_script(ROOM_SNAPSHOT)
        self._close = self.r.register_script(ROOM_CLOSE)
        self._close_question = self.r.register_script(ROOM_CLOSE_QUESTION)
        self._sweep_script = self.r.register_script(ROOM_SWEEP)
        self._specs: dict[tuple[str, int], QuestionSpec] = {}  # questions never change once asked
        self._sweeper: asyncio.Task[None] | None = None
        self.idle_ms = int(settings.room_idle_s * 1000)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sweeper = loop.create_task(self._sweep())

    async def _sweep(self) -> None:
        """Close the rooms that are due (expired, or idle): every process sweeps, each room is
        closed once, by whichever comes first."""
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                await self._sweep_script(keys=[key("rooms")], args=[PREFIX, SWEEP_MOST])
                self.quiet.ok("closing rooms")
            except UNREACHABLE as exc:
                self.quiet.warn("closing rooms", exc)
            except Exception:  # a bug: said, and the next sweep tries again
                log.exception("closing rooms")

    async def create(self, owner: str) -> tuple[str, str, float]:
        teacher_key = secrets.token_urlsafe(24)
        while True:
            code = new_code()
            now = time.time()
            expires_ms = int((now + self.settings.room_ttl_s) * 1000)
            made = await self._create(
                keys=[
                    room_key(code),
                    f"{PREFIX}rooms",
                    room_key(code, "events"),
                    f"{PREFIX}room-owner:{owner}",
                ],
                args=[
                    code,
                    digest(teacher_key),
                    int(now * 1000),
                    expires_ms,
                    self.settings.max_rooms,
                    dumps(opened(code, expires_ms / 1000)),
                    self.idle_ms,
                    owner,
                    self.settings.rooms_per_address,
                ],
            )
            if made == -1:
                raise too_many_rooms(self.settings)
            if made == -2:
                raise too_many_rooms_here(self.settings)
            if made == 1:
                return code, teacher_key, expires_ms / 1000

    async def teacher_digest(self, code: str) -> str:
        stored, *closes = await self.r.hmget(room_key(code), ["digest", "expires", "idle"])
        if stored is None or any(ms and int(ms) <= time.time() * 1000 for ms in closes):
            raise no_room(code)
        return str(stored)

    async def snapshot(self, code: str) -> Snapshot:
        got = await self._snapshot(
            keys=[room_key(code), room_key(code, "events")], args=[room_key(code)]
        )
        if not got:
            raise no_room(code)
        flat, seq, runs, *current = got
        room = dict(zip(flat[::2], flat[1::2], strict=True))
        question = None
        if current:
            spec, is_revealed, rounds = current
            qid = int(room["question"])
            question = question_view(
                qid, json.loads(spec), [round_of(r) for r in rounds], bool(is_revealed), False
            )
        return snapshot(
            code,
            int(room["expires"]) / 1000,
            json.loads(room["run"]) if "run" in room else None,
            json.loads(room["player"]) if "player" in room else None,
            question,
            runs,
            seq,
            json.loads(room["lesson"]) if "lesson" in room else None,
        )

    async def _set_field(
        self, code: str, name: str, value: object, event: str, data: object = None
    ) -> None:
        extra = [dumps(data)] if data is not None else []
        if not await self._set(
            keys=[room_key(code), room_key(code, "events"), key("rooms")],
            args=[name, dumps(value), event, code, self.idle_ms, *extra],
        ):
            raise no_room(code)

    async def set_lesson(self, code: str, lesson: dict[str, Any]) -> None:
        await self._set_field(code, "lesson", lesson, "lesson", public(lesson))

    async def lesson(self, code: str) -> dict[str, Any] | None:
        pipe = self.r.pipeline(transaction=True)
        pipe.exists(room_key(code))
        pipe.hget(room_key(code), "lesson")
        exists, text = await pipe.execute()
        if not exists:
            raise no_room(code)
        return json.loads(text) if text else None

    async def set_run(self, code: str, run: Run) -> None:
        await self._set_field(code, "run", run, "run")

    async def set_player(self, code: str, player: Player) -> None:
        await self._set_field(code, "player", player, "player")

    async def ask(self, code: str, spec: QuestionSpec) -> int:
        view: dict[str, object] = dict(question_view(0, spec, [{}], False, False))
        del view["id"]
        qid = await self._ask(
            keys=[room_key(code), room_key(code, "events"), key("rooms")],
            args=[
                room_key(code),
                dumps(spec),
                dumps(view),
                self.settings.room_max_questions,
                code,
                self.idle_ms,
            ],
        )
        if qid == -1:
            raise no_room(code)
        if qid == -2:
            raise too_many_questions(self.settings)
        return int(qid)

    def _rate_args(self) -> list[int]:
        """A post's two rates: the student's window and most, then the address's."""
        settings = self.settings
        return [
            int(RATE_WINDOW_S * 1000),
            settings.room_posts_per_minute,
            int(ADDRESS_WINDOW_S * 1000),
            settings.room_posts_per_address,
        ]

    async def answer(
        self,
        code: str,
        qid: int,
        student: str,
        address: str,
        answer: Answer,
        name: str | None = None,
    ) -> tuple[int, bool]:
        got = await self._answer(
            keys=[
                room_key(code),
                room_key(code, f"q:{qid}"),
                room_key(code, f"a:{qid}"),
                room_key(code, "events"),
                room_key(code, f"posts:{student}"),
                room_key(code, f"from:q{qid}:{address}"),
            ],
            args=[
                qid,
                student,
                dumps(vote(answer, name)),
                self.settings.room_max_answers,
                *self._rate_args(),
                secrets.token_hex(6),
            ],
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
            case -5:
                raise too_many_posts(self.settings)
            case -6:
                raise too_many_from_address(self.settings, "answers to one question")
        count, replaced, _ = got
        return count, bool(replaced)

    async def close_question(self, code: str, qid: int) -> bool:
        got = await self._close_question(
            keys=[
                room_key(code),
                room_key(code, f"q:{qid}"),
                room_key(code, "events"),
                key("rooms"),
            ],
            args=[qid, dumps(question_closed(qid)), code, self.idle_ms],
        )
        if got == -1:
            raise no_room(code)
        if got == -2:
            raise no_question(code, qid)
        return bool(got)

    async def share_run(self, code: str, run: SharedRun, address: str) -> int:
        index = await self._share(
            keys=[
                room_key(code),
                room_key(code, "runs"),
                room_key(code, "events"),
                room_key(code, f"posts:{run['student']}"),
                room_key(code, f"from:runs:{address}"),
            ],
            args=[
                dumps(run),
                self.settings.room_max_runs,
                *self._rate_args(),
                secrets.token_hex(6),
            ],
        )
        match index:
            case -1:
                raise no_room(code)
            case -2:
                raise too_many_runs(self.settings)
            case -5:
                raise too_many_posts(self.settings)
            case -6:
                raise too_many_from_address(self.settings, "runs sent to one room")
        return int(index)

    async def shared_runs(self, code: str) -> list[SharedRun]:
        pipe = self.r.pipeline(transaction=True)
        pipe.exists(room_key(code))
        pipe.lrange(room_key(code, "runs"), 0, -1)
        exists, runs = await pipe.execute()
        if not exists:
            raise no_room(code)
        return [json.loads(run) for run in runs]

    async def close_room(self, code: str) -> None:
        if not await self._close(keys=[room_key(code)], args=[PREFIX, code]):
            raise no_room(code)

    async def log(self, code: str) -> EventLog:
        mirror = self.mirrors.get(code)
        if mirror is None or mirror.gone:
            mirror = Mirror(self.follower, room_key(code, "events"), ROOM_WAKE_INTERVAL_S)
            self.mirrors[code] = mirror
            self._forget_gone()
        return mirror

    def _forget_gone(self) -> None:
        for code in [c for c, m in self.mirrors.items() if m.ended]:  # closed, or gone
            self.mirrors.pop(code).close()
        while len(self.mirrors) > self.settings.max_rooms:  # the oldest first
            self.mirrors.pop(next(iter(self.mirrors))).close()

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        self.follower.close()
        for mirror in self.mirrors.values():
            mirror.wake_watchers()
        await self.r.aclose()
        await self.follower.reader.aclose()
