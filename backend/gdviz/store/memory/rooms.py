"""Rooms in this process's memory. Everything runs on the event loop: no locks."""

import asyncio
import contextlib
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ...events import EventLog, dumps
from ...lessons import public
from ...rooms import (
    ADDRESS_WINDOW_S,
    MAX_ROUNDS,
    RATE_WINDOW_S,
    ROOM_WAKE_INTERVAL_S,
    SWEEP_S,
    Answer,
    CloseReason,
    Player,
    QuestionSpec,
    QuestionView,
    Round,
    Run,
    SharedRun,
    Snapshot,
    closed,
    digest,
    full,
    new_code,
    no_question,
    no_room,
    opened,
    question_closed,
    revealed,
    revote_revealed,
    snapshot,
    too_many_from_address,
    too_many_posts,
    too_many_questions,
    too_many_rooms,
    too_many_rooms_here,
    too_many_rounds,
    too_many_runs,
)
from ...settings import Settings
from ...votes import question_view, vote
from .log import MemoryLog


@dataclass
class Question:
    spec: QuestionSpec
    rounds: list[Round] = field(default_factory=lambda: [{}])  # a vote per student, in order
    revealed: bool = False


class Posts:
    """The times of accepted posts, by who sent them, over a sliding window: a refused post is
    never counted, and who has posted nothing within the window is forgotten."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.times: dict[str, deque[float]] = {}

    def full(self, who: str, most: int, now: float) -> bool:
        times = self.times.get(who)
        if times is None:
            return False
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self.times[who]
            return False
        return len(times) >= most

    def count(self, who: str, now: float) -> None:
        self.times.setdefault(who, deque()).append(now)

    def prune(self, now: float) -> None:
        for who in [w for w, t in self.times.items() if not t or t[-1] <= now - self.window_s]:
            del self.times[who]


@dataclass
class Room:
    code: str
    digest: str
    owner: str  # the address that opened it
    expires: float  # wall clock, as in Redis
    idle_until: float  # closes then unless its teacher changes something first
    run: Run | None = None
    player: Player | None = None
    current: int | None = None  # the question asked last
    questions: list[Question] = field(default_factory=list)  # question id N is questions[N - 1]
    runs: list[SharedRun] = field(default_factory=list)
    students: Posts = field(default_factory=lambda: Posts(RATE_WINDOW_S))
    addresses: Posts = field(default_factory=lambda: Posts(ADDRESS_WINDOW_S))  # by "address scope"
    log: MemoryLog = field(default_factory=lambda: MemoryLog(ROOM_WAKE_INTERVAL_S))
    lesson: dict[str, Any] | None = None

    def emit(self, event: str, data: object) -> None:
        self.log.append(event, dumps(data))

    def due(self, now: float) -> CloseReason | None:
        if self.expires <= now:
            return "expired"
        return "idle" if self.idle_until <= now else None


class MemoryRooms:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rooms: dict[str, Room] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sweeper = loop.create_task(self._sweep())

    async def _sweep(self) -> None:
        """Close the rooms that are due, and forget the posts counted no more."""
        while True:
            await asyncio.sleep(SWEEP_S)
            self._close_due()
            now = time.monotonic()
            for room in self.rooms.values():
                room.students.prune(now)
                room.addresses.prune(now)

    def _close_due(self) -> None:
        now = time.time()
        for room in list(self.rooms.values()):
            if (reason := room.due(now)) is not None:
                self._close(room, reason)

    def _close(self, room: Room, reason: CloseReason) -> None:
        del self.rooms[room.code]
        room.emit("closed", closed(room.code, reason))  # its last event: its streams end

    def _room(self, code: str) -> Room:
        room = self.rooms.get(code)
        if room is None:
            raise no_room(code)
        if (reason := room.due(time.time())) is not None:
            self._close(room, reason)
            raise no_room(code)
        return room

    def _touch(self, room: Room) -> Room:
        """A change by the teacher: the room is not idle."""
        room.idle_until = time.time() + self.settings.room_idle_s
        return room

    def _question(self, room: Room, qid: int) -> Question:
        if not 1 <= qid <= len(room.questions):
            raise no_question(room.code, qid)
        return room.questions[qid - 1]

    async def create(self, owner: str) -> tuple[str, str, float]:
        self._close_due()
        if len(self.rooms) >= self.settings.max_rooms:
            raise too_many_rooms(self.settings)
        if sum(r.owner == owner for r in self.rooms.values()) >= self.settings.rooms_per_address:
            raise too_many_rooms_here(self.settings)
        code = new_code()
        while code in self.rooms:
            code = new_code()
        key = secrets.token_urlsafe(24)
        now = time.time()
        expires = now + self.settings.room_ttl_s
        room = Room(code, digest(key), owner, expires, now + self.settings.room_idle_s)
        self.rooms[code] = room
        room.emit("open", opened(code, expires))
        return code, key, expires

    async def teacher_digest(self, code: str) -> str:
        return self._room(code).digest

    async def snapshot(self, code: str) -> Snapshot:
        room = self._room(code)
        question = None
        if room.current is not None:
            q = room.questions[room.current - 1]
            question = question_view(room.current, q.spec, q.rounds, q.revealed, False)
        return snapshot(
            room.code,
            room.expires,
            room.run,
            room.player,
            question,
            len(room.runs),
            len(room.log),
            room.lesson,
        )

    async def set_run(self, code: str, run: Run) -> None:
        room = self._touch(self._room(code))
        room.run = run
        room.emit("run", run)

    async def set_player(self, code: str, player: Player) -> None:
        room = self._touch(self._room(code))
        room.player = player
        room.emit("player", player)

    async def ask(self, code: str, spec: QuestionSpec) -> int:
        room = self._touch(self._room(code))
        if len(room.questions) >= self.settings.room_max_questions:
            raise too_many_questions(self.settings)
        room.questions.append(Question(spec))
        room.current = qid = len(room.questions)
        room.emit("question", question_view(qid, spec, [{}], False, False))
        return qid

    async def question(self, code: str, qid: int) -> tuple[QuestionSpec, list[Round], bool]:
        q = self._question(self._room(code), qid)
        return q.spec, [dict(votes) for votes in q.rounds], q.revealed

    async def questions(self, code: str) -> list[tuple[int, QuestionSpec, list[Round]]]:
        room = self._room(code)
        return [(i, q.spec, [dict(v) for v in q.rounds]) for i, q in enumerate(room.questions, 1)]

    def _check_posts(self, room: Room, student: str, address: str, what: str) -> float:
        """Refuse a post over a student's or an address's rate; the time to count it at."""
        now = time.monotonic()
        if room.students.full(student, self.settings.room_posts_per_minute, now):
            raise too_many_posts(self.settings)
        if room.addresses.full(address, self.settings.room_posts_per_address, now):
            raise too_many_from_address(self.settings, what)
        return now

    async def answer(
        self,
        code: str,
        qid: int,
        student: str,
        address: str,
        answer: Answer,
        name: str | None = None,
    ) -> tuple[int, bool]:
        room = self._room(code)
        q = self._question(room, qid)
        if q.revealed:
            raise revealed(qid)
        scope = f"{address} q{qid}"
        now = self._check_posts(room, student, scope, "answers to one question")
        votes = q.rounds[-1]
        replaced = student in votes
        if not replaced and len(votes) >= self.settings.room_max_answers:
            raise full(self.settings)
        votes[student] = vote(answer, name)
        room.students.count(student, now)
        room.addresses.count(scope, now)
        room.emit("answers", {"question": qid, "answers": len(votes), "round": len(q.rounds)})
        return len(votes), replaced

    async def reveal(self, code: str, qid: int) -> QuestionView:
        room = self._touch(self._room(code))
        q = self._question(room, qid)
        q.revealed = True
        view = question_view(qid, q.spec, q.rounds, True, True)
        room.emit("reveal", view)
        return view

    async def revote(self, code: str, qid: int) -> QuestionView:
        room = self._room(code)
        q = self._question(room, qid)
        if q.revealed:
            raise revote_revealed(qid)
        if len(q.rounds) >= MAX_ROUNDS:
            raise too_many_rounds(qid)
        self._touch(room)
        q.rounds.append({})
        room.current = qid
        room.emit("question", question_view(qid, q.spec, q.rounds, False, False))
        return question_view(qid, q.spec, q.rounds, False, True)

    async def set_lesson(self, code: str, lesson: dict[str, Any]) -> None:
        room = self._touch(self._room(code))
        room.lesson = lesson
        room.emit("lesson", public(lesson))

    async def lesson(self, code: str) -> dict[str, Any] | None:
        return self._room(code).lesson

    async def close_question(self, code: str, qid: int) -> bool:
        room = self._room(code)
        self._question(room, qid)
        if room.current != qid:
            return False
        self._touch(room)
        room.current = None
        room.emit("close", question_closed(qid))
        return True

    async def share_run(self, code: str, run: SharedRun, address: str) -> int:
        room = self._room(code)
        scope = f"{address} runs"
        now = self._check_posts(room, run["student"], scope, "runs sent to one room")
        if len(room.runs) >= self.settings.room_max_runs:
            raise too_many_runs(self.settings)
        room.runs.append(run)
        room.students.count(run["student"], now)
        room.addresses.count(scope, now)
        room.emit("runs", {"runs": len(room.runs)})
        return len(room.runs) - 1

    async def shared_runs(self, code: str) -> list[SharedRun]:
        return list(self._room(code).runs)

    async def close_room(self, code: str) -> None:
        self._close(self._room(code), "closed")

    async def log(self, code: str) -> EventLog:
        return self._room(code).log

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for room in self.rooms.values():
            room.log.wake_watchers()
