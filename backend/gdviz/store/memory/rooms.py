"""Rooms in this process's memory. Everything runs on the event loop: no locks."""

import secrets
import time
from collections import deque
from dataclasses import dataclass, field

from ...events import EventLog, dumps
from ...rooms import (
    RATE_WINDOW_S,
    ROOM_WAKE_INTERVAL_S,
    Answer,
    Player,
    QuestionSpec,
    QuestionView,
    Run,
    SharedRun,
    Snapshot,
    digest,
    full,
    new_code,
    no_question,
    no_room,
    opened,
    question_view,
    revealed,
    snapshot,
    too_many_posts,
    too_many_questions,
    too_many_rooms,
    too_many_runs,
)
from ...settings import Settings
from .log import MemoryLog


@dataclass
class Question:
    spec: QuestionSpec
    answers: dict[str, Answer] = field(default_factory=dict)  # one per student, in arrival order
    revealed: bool = False


@dataclass
class Room:
    code: str
    digest: str
    expires: float  # wall clock, as in Redis
    run: Run | None = None
    player: Player | None = None
    current: int | None = None  # the question asked last
    questions: list[Question] = field(default_factory=list)  # question id N is questions[N - 1]
    runs: list[SharedRun] = field(default_factory=list)
    posts: dict[str, deque[float]] = field(
        default_factory=dict
    )  # student: times of the last minute
    log: MemoryLog = field(default_factory=lambda: MemoryLog(ROOM_WAKE_INTERVAL_S))

    def emit(self, event: str, data: object) -> None:
        self.log.append(event, dumps(data))


class MemoryRooms:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rooms: dict[str, Room] = {}

    def _purge(self) -> None:
        now = time.time()
        for code in [c for c, room in self.rooms.items() if room.expires <= now]:
            room = self.rooms.pop(code)
            room.log.wake_watchers()

    def _room(self, code: str) -> Room:
        room = self.rooms.get(code)
        if room is None or room.expires <= time.time():
            raise no_room(code)
        return room

    def _question(self, room: Room, qid: int) -> Question:
        if not 1 <= qid <= len(room.questions):
            raise no_question(room.code, qid)
        return room.questions[qid - 1]

    async def create(self) -> tuple[str, str, float]:
        self._purge()
        if len(self.rooms) >= self.settings.max_rooms:
            raise too_many_rooms(self.settings)
        code = new_code()
        while code in self.rooms:
            code = new_code()
        key = secrets.token_urlsafe(24)
        expires = time.time() + self.settings.room_ttl_s
        self.rooms[code] = room = Room(code, digest(key), expires)
        room.emit("open", opened(code, expires))
        return code, key, expires

    async def teacher_digest(self, code: str) -> str:
        return self._room(code).digest

    async def snapshot(self, code: str) -> Snapshot:
        room = self._room(code)
        question = None
        if room.current is not None:
            q = room.questions[room.current - 1]
            question = question_view(
                room.current, q.spec, list(q.answers.values()), q.revealed, False
            )
        return snapshot(
            room.code, room.expires, room.run, room.player, question, len(room.runs), len(room.log)
        )

    async def set_run(self, code: str, run: Run) -> None:
        room = self._room(code)
        room.run = run
        room.emit("run", run)

    async def set_player(self, code: str, player: Player) -> None:
        room = self._room(code)
        room.player = player
        room.emit("player", player)

    async def ask(self, code: str, spec: QuestionSpec) -> int:
        room = self._room(code)
        if len(room.questions) >= self.settings.room_max_questions:
            raise too_many_questions(self.settings)
        room.questions.append(Question(spec))
        room.current = qid = len(room.questions)
        room.emit("question", question_view(qid, spec, [], False, False))
        return qid

    async def question(self, code: str, qid: int) -> tuple[QuestionSpec, list[Answer], bool]:
        q = self._question(self._room(code), qid)
        return q.spec, list(q.answers.values()), q.revealed

    async def answer(self, code: str, qid: int, student: str, answer: Answer) -> tuple[int, bool]:
        room = self._room(code)
        q = self._question(room, qid)
        if q.revealed:
            raise revealed(qid)
        replaced = student in q.answers
        if not replaced and len(q.answers) >= self.settings.room_max_answers:
            raise full(self.settings)
        q.answers[student] = answer
        room.emit("answers", {"question": qid, "answers": len(q.answers)})
        return len(q.answers), replaced

    async def reveal(self, code: str, qid: int) -> QuestionView:
        room = self._room(code)
        q = self._question(room, qid)
        q.revealed = True
        view = question_view(qid, q.spec, list(q.answers.values()), True, True)
        room.emit("reveal", view)
        return view

    async def share_run(self, code: str, run: SharedRun) -> int:
        room = self._room(code)
        if len(room.runs) >= self.settings.room_max_runs:
            raise too_many_runs(self.settings)
        room.runs.append(run)
        room.emit("runs", {"runs": len(room.runs)})
        return len(room.runs) - 1

    async def shared_runs(self, code: str) -> list[SharedRun]:
        return list(self._room(code).runs)

    async def count_post(self, code: str, student: str) -> None:
        posts = self._room(code).posts.setdefault(student, deque())
        now = time.monotonic()
        while posts and posts[0] <= now - RATE_WINDOW_S:
            posts.popleft()
        if len(posts) >= self.settings.room_posts_per_minute:
            raise too_many_posts(self.settings)
        posts.append(now)

    async def log(self, code: str) -> EventLog:
        return self._room(code).log

    async def close(self) -> None:
        for room in self.rooms.values():
            room.log.wake_watchers()
