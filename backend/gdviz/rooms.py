"""Classroom rooms: a teacher's class that students follow, and the questions asked before a run.

A room has a short code students type or scan, and a teacher key that only the teacher's page
holds. Its state is what the teacher shows (the run, the player, the current question); every
change is also appended to the room's event log, numbered from 1 like a job's stream, so that a
follower that reconnects resumes with ``Last-Event-ID``.

``RoomStore`` is the seam between the API and where rooms live: ``MemoryRooms`` keeps them in this
process; ``gdviz.cluster_rooms`` keeps them in Redis for every process. Both refuse what is out of
bounds with a ``RoomError`` that the app answers as a 4xx.
"""

import hashlib
import hmac
import json
import math
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .events import EventLog, MemoryLog, dumps
from .settings import Settings

CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"  # no look-alikes: 0/O/Q… no O, 1/I/L, 2/Z, 5/S, 8/B, U/V
CODE_LENGTH = 6
RATE_WINDOW_S = 60.0  # a student's answers and shared runs are counted over the last minute
ROOM_WAKE_INTERVAL_S = 0.1  # a room's followers are woken at most this often: a projector's
# count needs no more, and 300 answers in a burst then cost each follower ten writes a second
LESSON_QUESTIONS = Path(__file__).parent / "lesson_questions.json"

Answer = int | list[float]  # a choice's index, or a point [w, b]


class RoomError(Exception):
    """A refused room request: ``status`` and the message; ``loc`` names the field, if one."""

    def __init__(self, status: int, msg: str, loc: tuple[str, ...] = ()) -> None:
        super().__init__(msg)
        self.status, self.msg, self.loc = status, msg, loc


def no_room(code: str) -> RoomError:
    return RoomError(404, f"no room '{code}': it never existed or has expired")


def no_question(code: str, qid: int) -> RoomError:
    return RoomError(404, f"room '{code}' has no question {qid}")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(code: str) -> str:
    """Codes are typed by students: case does not matter."""
    return code.strip().upper()


def digest(teacher_key: str) -> str:
    return hashlib.sha256(teacher_key.encode()).hexdigest()


def key_matches(given: str, stored_digest: str) -> bool:
    """In constant time: how much of a guess matches must not show in the time it takes."""
    return hmac.compare_digest(digest(given).encode(), stored_digest.encode())


def lesson_questions() -> list[dict]:
    """The ready question of each of the lesson's ten steps, in English and Korean, with its
    answer (``answer``: a choice's index) and the "why?" that closes the loop."""
    return json.loads(LESSON_QUESTIONS.read_text(encoding="utf-8"))["steps"]


def public_lesson_questions() -> list[dict]:
    """The ready questions as anyone may read them: the prompt and the choices, no answer, no why."""
    return [
        {"step": q["step"], "kind": q["kind"], **{lang: asked(q[lang]) for lang in ("en", "ko")}}
        for q in lesson_questions()
    ]


def lesson_question(step: int) -> dict:
    """Step ``step``'s ready question as a room asks it: in English, its Korean in ``texts``."""
    ready = lesson_questions()[step - 1]
    spec = {"kind": ready["kind"], "step": step, **ready["en"], "texts": {"ko": ready["ko"]}}
    if "answer" in ready:
        spec["answer"] = ready["answer"]
    return spec


UNTIL_REVEALED = ("answer", "why")  # what a question keeps from the class until its reveal


def asked(text: dict) -> dict:
    """A question's text without what it keeps until the reveal."""
    return {k: v for k, v in text.items() if k not in UNTIL_REVEALED}


def check_answer(spec: dict, choice: int | None, w: float | None, b: float | None) -> Answer:
    """The stored form of an answer to a question of ``spec``'s kind, or a 422 naming the field."""
    if spec["kind"] == "choice":
        if choice is None:
            raise RoomError(422, "a choice question needs 'choice'", ("choice",))
        if not 0 <= choice < len(spec["choices"]):
            top = len(spec["choices"]) - 1
            raise RoomError(422, f"must be between 0 and {top}", ("choice",))
        return choice
    for name, value in (("w", w), ("b", b)):
        if value is None:
            raise RoomError(422, "a point question needs 'w' and 'b'", (name,))
        if not math.isfinite(value):
            raise RoomError(422, "must be a finite number", (name,))
    assert w is not None and b is not None
    return [w, b]


def question_view(qid: int, spec: dict, answers: list[Answer], revealed: bool, full: bool) -> dict:
    """A question as the API shows it: the answers' distribution, the right answer and the "why?"
    only once revealed, or ``full`` (to the teacher)."""
    if not (revealed or full):
        spec = asked(spec)
        if "texts" in spec:
            spec["texts"] = {lang: asked(text) for lang, text in spec["texts"].items()}
    view = {"id": qid, **spec, "answers": len(answers), "revealed": revealed}
    if revealed or full:
        if spec["kind"] == "choice":
            counts = [0] * len(spec["choices"])
            for choice in answers:
                assert isinstance(choice, int)
                counts[choice] += 1
            view["counts"] = counts
        else:
            view["points"] = answers
    return view


def player_state(epoch: int, playing: bool, speed: float) -> dict:
    """``at``: the server's clock, so that a late joiner can tell how far a playing run has gone."""
    return {"epoch": epoch, "playing": playing, "speed": speed, "at": time.time()}


class RoomStore(ABC):
    """Where rooms live. Every method refuses an unknown or expired room with a 404 ``RoomError``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abstractmethod
    async def create(self) -> tuple[str, str, float]:
        """A new room: (code, teacher key, expires at); 429 when ``max_rooms`` are open."""

    @abstractmethod
    async def teacher_digest(self, code: str) -> str:
        """The digest of the room's teacher key."""

    @abstractmethod
    async def snapshot(self, code: str) -> dict:
        """The room as a late joiner needs it, with ``last_event``: the id its stream goes on from."""

    @abstractmethod
    async def set_run(self, code: str, run: dict) -> None:
        """What the room shows now (``{"job", "race", "step"}``); followers load it."""

    @abstractmethod
    async def set_player(self, code: str, player: dict) -> None: ...

    @abstractmethod
    async def ask(self, code: str, spec: dict) -> int:
        """A new question, which becomes the current one; its id."""

    @abstractmethod
    async def question(self, code: str, qid: int) -> tuple[dict, list[Answer], bool]:
        """(spec, answers, revealed)."""

    @abstractmethod
    async def answer(self, code: str, qid: int, student: str, answer: Answer) -> tuple[int, bool]:
        """Keep a student's answer (replacing theirs): (answers now, whether it replaced one)."""

    @abstractmethod
    async def reveal(self, code: str, qid: int) -> dict:
        """Close the question to answers and show its distribution to everyone; its full view."""

    @abstractmethod
    async def close_question(self, code: str, qid: int) -> bool:
        """Take question ``qid`` off every screen (``close`` event) if it is the current one;
        whether it was."""

    @abstractmethod
    async def share_run(self, code: str, run: dict) -> int:
        """A student's run sent to the teacher; its index in the room's list."""

    @abstractmethod
    async def shared_runs(self, code: str) -> list[dict]: ...

    @abstractmethod
    async def count_post(self, code: str, student: str) -> None:
        """Count a student's answer or shared run; 429 past ``room_posts_per_minute``."""

    @abstractmethod
    async def log(self, code: str) -> EventLog:
        """The room's event log, for its stream."""

    async def close(self) -> None:  # noqa: B027 - a store with nothing to stop keeps this one
        """Stop what the store runs (readers, connections) when the server stops."""

    def too_many_posts(self) -> RoomError:
        return RoomError(
            429,
            f"at most {self.settings.room_posts_per_minute} answers and shared runs per student "
            "per minute (GDVIZ_ROOM_POSTS_PER_MINUTE); wait a little",
        )


@dataclass
class Question:
    spec: dict
    answers: dict[str, Answer] = field(default_factory=dict)  # one per student, in arrival order
    revealed: bool = False


@dataclass
class Room:
    code: str
    digest: str
    expires: float  # wall clock, as in Redis
    run: dict | None = None
    player: dict | None = None
    current: int | None = None  # the question asked last
    questions: list[Question] = field(default_factory=list)  # question id N is questions[N - 1]
    runs: list[dict] = field(default_factory=list)
    posts: dict[str, deque[float]] = field(
        default_factory=dict
    )  # student: times of the last minute
    log: MemoryLog = field(default_factory=lambda: MemoryLog(ROOM_WAKE_INTERVAL_S))

    def emit(self, event: str, data: object) -> None:
        self.log.append(event, dumps(data))


class MemoryRooms(RoomStore):
    """Rooms in this process's memory. Everything runs on the event loop: no locks."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
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

    async def snapshot(self, code: str) -> dict:
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

    async def set_run(self, code: str, run: dict) -> None:
        room = self._room(code)
        room.run = run
        room.emit("run", run)

    async def set_player(self, code: str, player: dict) -> None:
        room = self._room(code)
        room.player = player
        room.emit("player", player)

    async def ask(self, code: str, spec: dict) -> int:
        room = self._room(code)
        if len(room.questions) >= self.settings.room_max_questions:
            raise too_many_questions(self.settings)
        room.questions.append(Question(spec))
        room.current = qid = len(room.questions)
        room.emit("question", question_view(qid, spec, [], False, False))
        return qid

    async def question(self, code: str, qid: int) -> tuple[dict, list[Answer], bool]:
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

    async def reveal(self, code: str, qid: int) -> dict:
        room = self._room(code)
        q = self._question(room, qid)
        q.revealed = True
        view = question_view(qid, q.spec, list(q.answers.values()), True, True)
        room.emit("reveal", view)
        return view

    async def close_question(self, code: str, qid: int) -> bool:
        room = self._room(code)
        self._question(room, qid)
        if room.current != qid:
            return False
        room.current = None
        room.emit("close", {"question": qid})
        return True

    async def share_run(self, code: str, run: dict) -> int:
        room = self._room(code)
        if len(room.runs) >= self.settings.room_max_runs:
            raise too_many_runs(self.settings)
        room.runs.append(run)
        room.emit("runs", {"runs": len(room.runs)})
        return len(room.runs) - 1

    async def shared_runs(self, code: str) -> list[dict]:
        return list(self._room(code).runs)

    async def count_post(self, code: str, student: str) -> None:
        posts = self._room(code).posts.setdefault(student, deque())
        now = time.monotonic()
        while posts and posts[0] <= now - RATE_WINDOW_S:
            posts.popleft()
        if len(posts) >= self.settings.room_posts_per_minute:
            raise self.too_many_posts()
        posts.append(now)

    async def log(self, code: str) -> EventLog:
        return self._room(code).log

    async def close(self) -> None:
        for room in self.rooms.values():
            room.log.wake_watchers()


def opened(code: str, expires: float) -> dict:
    """A room's first event: its stream exists from the start."""
    return {"code": code, "expires_at": expires}


def snapshot(
    code: str,
    expires: float,
    run: dict | None,
    player: dict | None,
    question: dict | None,
    runs: int,
    last_event: int,
) -> dict:
    return {
        "code": code,
        "job": run["job"] if run else None,
        "run": run,
        "player": player,
        "question": question,
        "shared_runs": runs,
        "expires_at": expires,
        "now": time.time(),
        "last_event": last_event,
    }


def too_many_rooms(settings: Settings) -> RoomError:
    return RoomError(
        429,
        f"{settings.max_rooms} rooms are open (GDVIZ_MAX_ROOMS); one closes when it expires",
    )


def too_many_questions(settings: Settings) -> RoomError:
    return RoomError(
        409,
        f"this room has asked its {settings.room_max_questions} questions (GDVIZ_ROOM_MAX_QUESTIONS)",
    )


def too_many_runs(settings: Settings) -> RoomError:
    return RoomError(
        409, f"this room holds its {settings.room_max_runs} shared runs (GDVIZ_ROOM_MAX_RUNS)"
    )


def revealed(qid: int) -> RoomError:
    return RoomError(409, f"question {qid} is revealed: it takes no more answers")


def full(settings: Settings) -> RoomError:
    return RoomError(
        409,
        f"this question has its {settings.room_max_answers} answers (GDVIZ_ROOM_MAX_ANSWERS)",
    )
