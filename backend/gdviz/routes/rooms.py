"""Classroom rooms: the teacher's class, followed by students, and the questions asked before a run.

Teacher-only calls carry ``Authorization: Bearer <teacher_key>``: 401 without it, 403 with a
wrong one. Every text a client sends (prompts, choices, names) is kept and answered as text;
the page shows it as text, never as markup.
"""

import asyncio
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from ..events import EventLog, dumps, event_stream
from ..jobs import JobManager
from ..rooms import (
    RoomError,
    RoomStore,
    check_answer,
    key_matches,
    lesson_question,
    normal_code,
    player_state,
    public_lesson_questions,
    question_view,
)
from .deps import Manager
from .errors import Message as Detail, Responses

router = APIRouter(prefix="/api", tags=["rooms"])

NO_ROOM: Responses = {404: {"model": Detail, "description": "No such room: never made, or expired"}}
TEACHER: Responses = {
    401: {"model": Detail, "description": "No `Authorization: Bearer <teacher_key>`"},
    403: {"model": Detail, "description": "The teacher key is wrong"},
    **NO_ROOM,
}
BIG_BODY: Responses = {
    413: {"model": Detail, "description": "The body is over GDVIZ_ROOM_MAX_BODY_BYTES"}
}

Text = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*$")]  # one line of text, no control codes
JobId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Student = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the student's random id, kept in their browser",
    ),
]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1e6, le=1e6)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunChange(Strict):
    job: JobId
    race: list[JobId] = Field(
        default=[], max_length=8, description="the other runs of a race, shown with `job`"
    )
    step: int | None = Field(default=None, ge=1, le=10, description="the lesson step, if one")
    staged: bool = Field(
        default=False,
        strict=True,
        description="held at epoch 0 on every screen until the teacher plays it (a lesson step "
        "before its question)",
    )
    student: bool = Field(
        default=False, strict=True, description="a run a student sent, shown to the class"
    )
    name: Annotated[Text, Field(max_length=24)] | None = Field(
        default=None, description="that student's name, if they gave one"
    )


class PlayerChange(Strict):
    epoch: int = Field(ge=0, le=10**6, description="the teacher's player position")
    playing: bool
    speed: float = Field(gt=0, le=64, allow_inf_nan=False, description="epochs per frame")


class ChoiceQuestion(Strict):
    kind: Literal["choice"]
    prompt: Annotated[Text, Field(min_length=1, max_length=300)]
    choices: list[Annotated[Text, Field(min_length=1, max_length=80)]] = Field(
        min_length=2, max_length=8
    )
    step: int | None = Field(default=None, ge=1, le=10)
    why: Annotated[Text, Field(max_length=300)] | None = Field(
        default=None, description="the question that closes the loop, shown once revealed"
    )
    answer: int | None = Field(
        default=None, strict=True, ge=0, description="the right choice, shown once revealed"
    )


class PointQuestion(Strict):
    kind: Literal["point"]
    prompt: Annotated[Text, Field(min_length=1, max_length=300)]
    step: int | None = Field(default=None, ge=1, le=10)
    why: Annotated[Text, Field(max_length=300)] | None = Field(
        default=None, description="the question that closes the loop, shown once revealed"
    )


class LessonQuestion(Strict):
    kind: Literal["lesson"]
    step: int = Field(ge=1, le=10, description="the lesson step whose ready question to ask")


class AnswerIn(Strict):
    student: Student
    choice: int | None = Field(default=None, strict=True, ge=0, description="choice questions")
    w: Number | None = Field(default=None, description="point questions")
    b: Number | None = Field(default=None, description="point questions")


class SharedRun(Strict):
    student: Student
    job: JobId
    name: Annotated[Text, Field(max_length=24)] | None = Field(
        default=None, description="an optional display name, shown as text"
    )


async def get_rooms(request: Request) -> RoomStore:
    return request.app.state.rooms


Rooms = Annotated[RoomStore, Depends(get_rooms)]
Code = Annotated[str, Path(min_length=1, max_length=16, description="the room's code")]


async def get_code(code: Code, rooms: Rooms) -> str:
    """The room's code, checked to exist before any response starts (so also before a stream)."""
    code = normal_code(code)
    await rooms.teacher_digest(code)
    return code


RoomCode = Annotated[str, Depends(get_code)]
bearer = HTTPBearer(auto_error=False, description="the teacher key from POST /api/rooms")


async def teacher(
    code: Code,
    rooms: Rooms,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The room's code, for its teacher only."""
    code = normal_code(code)
    stored = await rooms.teacher_digest(code)  # 404 first: an unknown room has no teacher
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            detail="teacher only: send Authorization: Bearer <teacher_key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not key_matches(credentials.credentials, stored):
        raise HTTPException(403, detail="the teacher key is wrong for this room")
    return code


TeacherCode = Annotated[str, Depends(teacher)]


def links(code: str) -> dict[str, str]:
    base = f"/api/rooms/{code}"
    return {
        "self": base,
        "events": f"{base}/events",
        "share": f"{base}/share",
        "page": f"/?room={code}",
    }


async def check_job(manager: JobManager, *ids: str) -> None:
    for i, job_id in enumerate(ids):
        if await manager.aget(job_id) is None:
            loc = ["body", "job"] if i == 0 else ["body", "race", i - 1]
            raise HTTPException(
                422,
                detail=[{"loc": loc, "msg": f"no job '{job_id}'", "type": "value_error"}],
            )


@router.post("/rooms", status_code=201, responses={429: {"model": Detail}})
async def create_room(rooms: Rooms) -> dict:
    """Open a class: its code (for students) and its teacher key (for the teacher's page only)."""
    code, key, expires = await rooms.create()
    return {"code": code, "teacher_key": key, "expires_at": expires, "links": links(code)}


@router.get("/rooms/{code}", responses=NO_ROOM)
async def read_room(code: RoomCode, rooms: Rooms) -> dict:
    """What the room shows now (its run, player and question), for a late joiner."""
    return {**await rooms.snapshot(code), "links": links(code)}


@router.put("/rooms/{code}/job", responses={**TEACHER, **BIG_BODY})
async def change_run(code: TeacherCode, change: RunChange, rooms: Rooms, manager: Manager) -> dict:
    """The room's current run (with the other runs of a race): every follower loads it. Another
    run closes the question asked about the last one; the same run again (no longer staged, say)
    keeps it."""
    await check_job(manager, change.job, *change.race)
    run = change.model_dump()
    before = await rooms.snapshot(code)
    last, question = before["run"], before["question"]
    same = last is not None and (last["job"], last["race"]) == (run["job"], run["race"])
    if question is not None and not same:
        await rooms.close_question(code, question["id"])
    await rooms.set_run(code, run)
    return run


@router.put("/rooms/{code}/player", responses={**TEACHER, **BIG_BODY})
async def change_player(code: TeacherCode, change: PlayerChange, rooms: Rooms) -> dict:
    """The teacher's player: followers who keep pace go to the same epoch, play state and speed."""
    player = player_state(change.epoch, change.playing, change.speed)
    await rooms.set_player(code, player)
    return player


@router.post(
    "/rooms/{code}/questions",
    status_code=201,
    responses={
        **TEACHER,
        **BIG_BODY,
        409: {"model": Detail, "description": "The room asked GDVIZ_ROOM_MAX_QUESTIONS"},
    },
)
async def ask_question(
    code: TeacherCode,
    question: Annotated[
        ChoiceQuestion | PointQuestion | LessonQuestion, Field(discriminator="kind")
    ],
    rooms: Rooms,
) -> dict:
    """Ask the class before a run: a choice, a point on the contour (w, b), or a lesson step's
    ready question. The answer is the question as its teacher sees it: with its right answer and
    its "why?", which the class gets at the reveal."""
    if isinstance(question, LessonQuestion):
        spec = lesson_question(question.step)
    else:
        spec = question.model_dump(exclude_none=True)
        right = spec.get("answer")
        if right is not None and right >= len(spec["choices"]):
            top = len(spec["choices"]) - 1
            raise RoomError(422, f"must be between 0 and {top}", ("answer",))
    qid = await rooms.ask(code, spec)
    return question_view(qid, spec, [], False, True)


@router.get("/rooms/{code}/questions/{qid}", responses=NO_ROOM)
async def read_question(
    code: RoomCode,
    qid: Annotated[int, Path(ge=1, le=10**6)],
    rooms: Rooms,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> dict:
    """How many have answered; the counts (choice) or points (point) once revealed, or before
    that with the teacher key."""
    spec, answers, revealed = await rooms.question(code, qid)
    full = credentials is not None and key_matches(
        credentials.credentials, await rooms.teacher_digest(code)
    )
    return question_view(qid, spec, answers, revealed, full)


@router.post(
    "/rooms/{code}/questions/{qid}/answers",
    responses={
        **NO_ROOM,
        **BIG_BODY,
        409: {"model": Detail, "description": "Revealed, or the question is full"},
        429: {"model": Detail, "description": "Too many answers from this student"},
    },
)
async def answer_question(
    code: RoomCode,
    qid: Annotated[int, Path(ge=1, le=10**6)],
    body: AnswerIn,
    rooms: Rooms,
) -> JSONResponse:
    """A student's answer; a second one from the same student replaces the first (201 for the
    first, 200 for a replacement)."""
    spec, _, _ = await rooms.question(code, qid)
    answer = check_answer(spec, body.choice, body.w, body.b)
    await rooms.count_post(code, body.student)
    count, replaced = await rooms.answer(code, qid, body.student, answer)
    return JSONResponse(
        {"answers": count, "replaced": replaced}, status_code=200 if replaced else 201
    )


@router.post("/rooms/{code}/questions/{qid}/reveal", responses=TEACHER)
async def reveal_question(
    code: TeacherCode, qid: Annotated[int, Path(ge=1, le=10**6)], rooms: Rooms
) -> dict:
    """Close the question to answers and show everyone its answers' distribution, its right
    answer and its "why?"."""
    return await rooms.reveal(code, qid)


@router.post("/rooms/{code}/questions/{qid}/close", responses=TEACHER)
async def close_question(
    code: TeacherCode, qid: Annotated[int, Path(ge=1, le=10**6)], rooms: Rooms
) -> dict:
    """Take the question off every screen, its card and its predictions (answers are kept).
    `closed` is false when it was not the room's current question."""
    return {"id": qid, "closed": await rooms.close_question(code, qid)}


@router.post(
    "/rooms/{code}/runs",
    status_code=201,
    responses={
        **NO_ROOM,
        **BIG_BODY,
        409: {"model": Detail, "description": "The room holds GDVIZ_ROOM_MAX_RUNS"},
        429: {"model": Detail, "description": "Too many posts from this student"},
    },
)
async def share_run(code: RoomCode, run: SharedRun, rooms: Rooms, manager: Manager) -> dict:
    """A student sends their own run to the teacher, who may show it to the class."""
    await check_job(manager, run.job)
    await rooms.count_post(code, run.student)
    index = await rooms.share_run(code, run.model_dump())
    return {"index": index}


@router.get("/rooms/{code}/runs", responses=TEACHER)
async def list_shared_runs(code: TeacherCode, rooms: Rooms) -> dict:
    """The runs students sent, oldest first (teacher only)."""
    return {"runs": await rooms.shared_runs(code)}


@router.get("/lesson/questions", tags=["rooms"])
async def read_lesson_questions() -> dict:
    """The ready question of each of the lesson's ten steps, in English (`en`) and Korean (`ko`):
    the prompt and the choices only; a room's teacher asks one with `{"kind": "lesson", "step"}`."""
    return {"steps": public_lesson_questions()}


@router.get("/rooms/{code}/events", response_class=EventSourceResponse, responses=NO_ROOM)
async def stream_room(
    code: RoomCode,
    rooms: Rooms,
    last_event_id: Annotated[
        int | None, Header(ge=0, le=10**9, description="resume after this event id")
    ] = None,
) -> EventSourceResponse:
    """Server-sent events of the room's changes: `run`, `player`, `question`, `answers` (a count),
    `reveal`, `close`, `runs` (how many were shared). A new follower first gets `room`, the whole state,
    with the id of the last change; with `Last-Event-ID` it gets exactly the changes after it."""
    log: EventLog = await rooms.log(code)  # both before the response starts: a clean 404
    first = None if last_event_id is not None else await rooms.snapshot(code)
    shutdown = anyio.Event()

    async def wake_on_shutdown() -> None:
        await shutdown.wait()
        log.wake_watchers()

    async def events():
        waker = asyncio.create_task(wake_on_shutdown())
        seen = last_event_id or 0
        try:
            if first is not None:
                seen = first["last_event"]
                yield ServerSentEvent(data=dumps(first), event="room", id=str(seen)).encode()
            while not shutdown.is_set():
                batch = log.wire(seen)
                if batch:
                    yield b"".join(batch)
                    seen += len(batch)
                if log.ended:  # the room expired
                    return
                await log.wait_beyond(seen)
        finally:
            waker.cancel()

    return event_stream(events(), shutdown)


def room_error(request: Request, exc: RoomError) -> JSONResponse:
    """A ``RoomError`` as the API's error shapes: a field error when it names a field."""
    if exc.loc:
        return JSONResponse(
            {"detail": [{"loc": ["body", *exc.loc], "msg": exc.msg, "type": "value_error"}]},
            status_code=exc.status,
        )
    headers = {"Retry-After": "5"} if exc.status == 429 else None
    return JSONResponse({"detail": exc.msg}, status_code=exc.status, headers=headers)
