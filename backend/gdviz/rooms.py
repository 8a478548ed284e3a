"""Classroom rooms' rules: a teacher's class that students follow, and the questions asked before a run.

A room has a short code students type or scan, and a teacher key that only the teacher's page
holds. Its state is what the teacher shows (the run, the player, the current question); every
change is also appended to the room's event log, numbered from 1 like a job's stream, so that a
follower that reconnects resumes with ``Last-Event-ID``.

Where rooms live is a ``RoomStore`` (``gdviz.store``): this process's memory, or Redis for every
process. Both refuse what is out of bounds with the ``RoomError``s made here, which the app
answers as a 4xx.
"""

import hashlib
import hmac
import math
import secrets
import time
from functools import cache
from typing import Any, Literal, NotRequired, TypeVar, cast

from typing_extensions import TypedDict

from .lessons import BUILT_IN, dump, localized, public, read
from .settings import Settings

CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"  # no look-alikes: 0/O/Q… no O, 1/I/L, 2/Z, 5/S, 8/B, U/V
CODE_LENGTH = 6
RATE_WINDOW_S = 60.0  # a student's answers and shared runs are counted over the last minute
ADDRESS_WINDOW_S = 600.0  # an address's answers to a question (or runs sent to a room), 10 min
SWEEP_S = 1.0  # how often the rooms due to close (expired, idle) are closed
CLOSED_KEPT_S = 60.0  # a closed room's stream is kept this long, for followers to read `closed`
ROOM_WAKE_INTERVAL_S = 0.1  # a room's followers are woken at most this often: a projector's
# count needs no more, and 300 answers in a burst then cost each follower ten writes a second
MAX_ROUNDS = 4  # a question's rounds of votes: vote, discuss, vote again (and again)

Answer = int | list[float]  # a choice's index, or a point [w, b]


class Vote(TypedDict):
    """A student's answer as a room keeps it: the answer, the name they gave, when (epoch s)."""

    a: Answer
    n: str | None
    t: float


Round = dict[str, Vote]  # a round's votes by student, in arrival order


class Run(TypedDict):
    """What the room shows: a job, the other runs of a race, the lesson step; whether it is held
    at epoch 0 until the teacher plays it (``staged``); a student's run, by their name."""

    job: str
    race: list[str]
    step: int | None
    staged: bool
    student: bool
    name: str | None


class Player(TypedDict):
    """The teacher's player; ``at``: the server's clock, so that a late joiner can tell how far a
    playing run has gone."""

    epoch: int
    playing: bool
    speed: float
    at: float


class LessonText(TypedDict):
    """A question's words in one language; ``why`` kept from the class until the reveal."""

    prompt: str
    choices: NotRequired[list[str]]
    why: NotRequired[str]


class QuestionSpec(TypedDict):
    """A question as the teacher asked it."""

    kind: Literal["choice", "point"]
    prompt: str
    choices: NotRequired[list[str]]  # choice questions
    step: NotRequired[int]
    why: NotRequired[str]  # the question that closes the loop, shown once revealed
    answer: NotRequired[int]  # choice: the right one, shown once revealed
    texts: NotRequired[dict[str, LessonText]]  # a lesson step's: its words in other languages


class QuestionView(TypedDict):
    """A question as the API shows it: its answers' distribution, its right answer and its "why?"
    once revealed (or to the teacher)."""

    id: int
    kind: Literal["choice", "point"]
    prompt: str
    choices: NotRequired[list[str]]
    step: NotRequired[int]
    why: NotRequired[str]  # once revealed (or to the teacher)
    answer: NotRequired[int]  # once revealed (or to the teacher)
    texts: NotRequired[dict[str, LessonText]]
    answers: int  # how many have answered (this round)
    round: int  # this round, from 1: a revote opens the next
    revealed: bool
    counts: NotRequired[list[int]]  # choice: per choice (this round)
    points: NotRequired[list[list[float]]]  # point: [w, b] per answer (this round)
    rounds: NotRequired[list["RoundView"]]  # every round, the first first


class RoundView(TypedDict):
    """One round of a question once revealed (or to the teacher): its distribution, and from the
    second on, who changed their mind since the round before, and to what."""

    answers: int
    counts: NotRequired[list[int]]
    points: NotRequired[list[list[float]]]
    kept: NotRequired[int]  # answered both rounds the same
    changed: NotRequired[int]  # answered both rounds differently
    moves: NotRequired[list[dict[str, int]]]  # choice: [{"from", "to", "students"}]


class SharedRun(TypedDict):
    """A student's own run, sent to the teacher."""

    student: str
    job: str
    name: str | None


class Snapshot(TypedDict):
    """The room as a late joiner needs it, with ``last_event``: the id its stream goes on from."""

    code: str
    job: str | None  # the run's job
    run: Run | None
    player: Player | None
    question: QuestionView | None
    lesson: dict[str, Any] | None  # the room's lesson, without its answers; none: the built-in
    shared_runs: int
    expires_at: float
    now: float
    last_event: int


CloseReason = Literal["closed", "idle", "expired", "gone"]


class Closed(TypedDict):
    """A room's last event: closed by its teacher, idle for GDVIZ_ROOM_IDLE_S, expired after
    GDVIZ_ROOM_TTL_S, or gone (its store lost it: a Redis restarted without its data)."""

    code: str
    reason: CloseReason


class Opened(TypedDict):
    """A room's first event: its stream exists from the start."""

    code: str
    expires_at: float


class QuestionClosed(TypedDict):
    """A question taken off every screen (its ``close`` event)."""

    question: int


class LessonStep(TypedDict):
    """A lesson step's ready question, in English and Korean (its answer and whys only in the
    room that asks it)."""

    step: int
    kind: Literal["choice", "point"]
    answer: NotRequired[int]  # choice: the index of the answer the step's run shows
    en: LessonText
    ko: LessonText


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


def lesson_questions(lesson: dict[str, Any] | None = None) -> list[LessonStep]:
    """The question of each of a lesson's steps that has one (the built-in lesson's, if none), in
    English and Korean (one standing in for the other it lacks), with its answer and "why?"."""
    if lesson is None:
        lesson = built_in_line()
    steps: list[LessonStep] = []
    for n, step in enumerate(lesson["steps"], start=1):
        q = step.get("question")
        if not q:
            continue
        ready: LessonStep = {
            "step": n,
            "kind": q["kind"],
            "en": text_in(q, "en"),
            "ko": text_in(q, "ko"),
        }
        if q.get("answer") is not None:
            ready["answer"] = q["answer"]
        steps.append(ready)
    return steps


@cache
def built_in_line() -> dict[str, Any]:
    """The built-in lesson of ten steps, read once."""
    return dump(read(BUILT_IN / "line.json"))


def text_in(q: dict[str, Any], lang: str) -> LessonText:
    """A lesson question's words in ``lang``."""
    out: LessonText = {"prompt": localized(q["prompt"], lang) or ""}
    if "choices" in q:
        out["choices"] = [localized(c, lang) or "" for c in q["choices"]]
    if q.get("why"):
        out["why"] = localized(q["why"], lang) or ""
    return out


def public_lesson_questions() -> list[LessonStep]:
    """The ready questions as anyone may read them: the prompt and the choices, no answer, no why."""
    return [
        {"step": q["step"], "kind": q["kind"], "en": asked(q["en"]), "ko": asked(q["ko"])}
        for q in lesson_questions()
    ]


def lesson_question(step: int, lesson: dict[str, Any] | None = None) -> QuestionSpec:
    """Step ``step``'s question (of ``lesson``, or the built-in one) as a room asks it: in
    English, its Korean in ``texts``; a 422 when that step has none."""
    ready = next((q for q in lesson_questions(lesson) if q["step"] == step), None)
    if ready is None:
        raise RoomError(422, f"the lesson's step {step} has no question", ("step",))
    en = ready["en"]
    spec: QuestionSpec = {"kind": ready["kind"], "step": step, "prompt": en["prompt"]}
    if "choices" in en:
        spec["choices"] = en["choices"]
    if "why" in en:
        spec["why"] = en["why"]
    spec["texts"] = {"ko": ready["ko"]}
    if "answer" in ready:
        spec["answer"] = ready["answer"]
    return spec


UNTIL_REVEALED = ("answer", "why")  # what a question keeps from the class until its reveal


Asked = TypeVar("Asked", QuestionSpec, LessonText)


def asked(text: Asked) -> Asked:
    """A question's text without what it keeps until the reveal."""
    return cast(Asked, {k: v for k, v in text.items() if k not in UNTIL_REVEALED})


def check_answer(
    spec: QuestionSpec, choice: int | None, w: float | None, b: float | None
) -> Answer:
    """The stored form of an answer to a question of ``spec``'s kind, or a 422 naming the field."""
    if spec["kind"] == "choice":
        if choice is None:
            raise RoomError(422, "a choice question needs 'choice'", ("choice",))
        if not 0 <= choice < len(spec.get("choices", [])):
            top = len(spec.get("choices", [])) - 1
            raise RoomError(422, f"must be between 0 and {top}", ("choice",))
        return choice
    for name, value in (("w", w), ("b", b)):
        if value is None:
            raise RoomError(422, "a point question needs 'w' and 'b'", (name,))
        if not math.isfinite(value):
            raise RoomError(422, "must be a finite number", (name,))
    assert w is not None and b is not None
    return [w, b]


def player_state(epoch: int, playing: bool, speed: float) -> Player:
    return {"epoch": epoch, "playing": playing, "speed": speed, "at": time.time()}


def opened(code: str, expires: float) -> Opened:
    return {"code": code, "expires_at": expires}


def question_closed(qid: int) -> QuestionClosed:
    return {"question": qid}


def closed(code: str, reason: CloseReason) -> Closed:
    return {"code": code, "reason": reason}


def snapshot(
    code: str,
    expires: float,
    run: Run | None,
    player: Player | None,
    question: QuestionView | None,
    runs: int,
    last_event: int,
    lesson: dict[str, Any] | None,
) -> Snapshot:
    return {
        "code": code,
        "job": run["job"] if run else None,
        "run": run,
        "player": player,
        "question": question,
        "lesson": public(lesson) if lesson is not None else None,
        "shared_runs": runs,
        "expires_at": expires,
        "now": time.time(),
        "last_event": last_event,
    }


def too_many_rooms(settings: Settings) -> RoomError:
    return RoomError(
        429,
        f"{settings.max_rooms} rooms are open (GDVIZ_MAX_ROOMS); one closes when its teacher "
        "closes it, when it is idle or when it expires",
    )


def too_many_rooms_here(settings: Settings) -> RoomError:
    return RoomError(
        429,
        f"your address has {settings.rooms_per_address} rooms open (GDVIZ_ROOMS_PER_ADDRESS): "
        "close one (DELETE /api/rooms/{code} with its teacher key) or wait until one is idle "
        "or expires",
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


def too_many_posts(settings: Settings) -> RoomError:
    return RoomError(
        429,
        f"at most {settings.room_posts_per_minute} answers and shared runs per student "
        "per minute (GDVIZ_ROOM_POSTS_PER_MINUTE); wait a little",
    )


def too_many_from_address(settings: Settings, what: str) -> RoomError:
    minutes = round(ADDRESS_WINDOW_S / 60)
    return RoomError(
        429,
        f"at most {settings.room_posts_per_address} {what} from one address in {minutes} "
        "minutes (GDVIZ_ROOM_POSTS_PER_ADDRESS); wait a little",
    )


def revealed(qid: int) -> RoomError:
    return RoomError(409, f"question {qid} is revealed: it takes no more answers")


def revote_revealed(qid: int) -> RoomError:
    return RoomError(409, f"question {qid} is revealed: a new round would ask what all have seen")


def too_many_rounds(qid: int) -> RoomError:
    return RoomError(409, f"question {qid} has had its {MAX_ROUNDS} rounds")


def full(settings: Settings) -> RoomError:
    return RoomError(
        409,
        f"this question has its {settings.room_max_answers} answers (GDVIZ_ROOM_MAX_ANSWERS)",
    )
