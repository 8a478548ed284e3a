"""Classroom rooms: the teacher's class, followed by students: open one, what it shows (the run, the
player), the runs students send, and its stream. Its questions are in ``questions.py``.

Teacher-only calls carry ``Authorization: Bearer <teacher_key>``: 401 without it, 403 with a
wrong one. Every text a client sends (prompts, choices, names) is kept and answered as text;
the page shows it as text, never as markup.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent
from typing_extensions import TypedDict

from ..config import ConfigError
from ..events import SHUTDOWN, EventLog, dumps, event_stream
from ..lessons import ID_PATTERN, MAX_STEPS, Lesson, LessonDocument, check, dump
from ..rooms import Closed, Player, RoomError, Run, SharedRun, Snapshot, closed, player_state
from ..store.protocols import JobStore
from .deps import (
    ClientAddress,
    Jobs,
    LastEventId,
    RoomCode,
    Rooms,
    SettingsDep,
    TeacherCode,
    event_id,
)
from .lessons import find
from .responses import BIG_BODY, NO_ROOM, TEACHER, Guarded, Message, event_stream as declared_stream

router = APIRouter(prefix="/api", tags=["rooms"], route_class=Guarded)

# One line of text: no control codes (C0, DEL, C1 with U+0085) nor line or paragraph separators.
Text = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$")]
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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunChange(Strict):
    job: JobId
    race: list[JobId] = Field(
        default=[], max_length=8, description="the other runs of a race, shown with `job`"
    )
    step: int | None = Field(
        default=None, ge=1, le=MAX_STEPS, description="the step of the room's lesson, if one"
    )
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


class RunToShare(Strict):
    student: Student
    job: JobId
    name: Annotated[Text, Field(max_length=24)] | None = Field(
        default=None, description="an optional display name, shown as text"
    )


class RoomLinks(TypedDict):
    self: str
    events: str
    share: str
    page: str


class RoomCreated(TypedDict):
    code: str
    teacher_key: str  # for the teacher's page only
    expires_at: float
    links: RoomLinks


class RoomState(Snapshot):
    links: RoomLinks


class RunShared(TypedDict):
    index: int  # in the room's list of shared runs


class SharedRuns(TypedDict):
    runs: list[SharedRun]  # oldest first


def links(code: str) -> RoomLinks:
    base = f"/api/rooms/{code}"
    return {
        "self": base,
        "events": f"{base}/events",
        "share": f"{base}/share",
        "page": f"/?room={code}",
    }


async def check_job(jobs: JobStore, *ids: str) -> None:
    for i, job_id in enumerate(ids):
        if await jobs.get(job_id) is None:
            loc = ["body", "job"] if i == 0 else ["body", "race", i - 1]
            raise HTTPException(
                422,
                detail=[{"loc": loc, "msg": f"no job '{job_id}'", "type": "value_error"}],
            )


@router.post(
    "/rooms",
    status_code=201,
    response_model=RoomCreated,
    responses={
        429: {
            "model": Message,
            "description": "GDVIZ_MAX_ROOMS rooms are open, or GDVIZ_ROOMS_PER_ADDRESS of this "
            "address's",
        }
    },
)
async def create_room(rooms: Rooms, address: ClientAddress) -> RoomCreated:
    """Open a class: its code (for students) and its teacher key (for the teacher's page only)."""
    code, key, expires = await rooms.create(address)
    return {"code": code, "teacher_key": key, "expires_at": expires, "links": links(code)}


@router.delete("/rooms/{code}", response_model=Closed, responses=TEACHER)
async def close_room(code: TeacherCode, rooms: Rooms) -> Closed:
    """End the class: its followers' streams end with `closed`, and the room is gone."""
    await rooms.close_room(code)
    return closed(code, "closed")


@router.get("/rooms/{code}", response_model=RoomState, responses=NO_ROOM)
async def read_room(code: RoomCode, rooms: Rooms) -> RoomState:
    """What the room shows now (its run, player and question), for a late joiner."""
    return {**await rooms.snapshot(code), "links": links(code)}


@router.put("/rooms/{code}/job", response_model=Run, responses={**TEACHER, **BIG_BODY})
async def change_run(code: TeacherCode, change: RunChange, rooms: Rooms, jobs: Jobs) -> Run:
    """The room's current run (with the other runs of a race): every follower loads it. Another
    run closes the question asked about the last one; the same run again (no longer staged, say)
    keeps it."""
    await check_job(jobs, change.job, *change.race)
    run: Run = {
        "job": change.job,
        "race": change.race,
        "step": change.step,
        "staged": change.staged,
        "student": change.student,
        "name": change.name,
    }
    before = await rooms.snapshot(code)
    last, question = before["run"], before["question"]
    same = last is not None and (last["job"], last["race"]) == (run["job"], run["race"])
    if question is not None and not same:
        await rooms.close_question(code, question["id"])
    await rooms.set_run(code, run)
    return run


class LessonChoice(Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)] | None = Field(
        default=None, description="a lesson of GET /api/lessons"
    )
    lesson: Lesson | None = Field(default=None, description="a lesson file's own")


class LessonPut(TypedDict):
    id: str | None
    title: dict[str, str]
    steps: int  # how many


@router.put(
    "/rooms/{code}/lesson",
    response_model=LessonPut,
    responses={
        **TEACHER,
        413: {"model": Message, "description": "The body is over GDVIZ_LESSON_MAX_BYTES"},
    },
)
async def put_lesson(
    code: TeacherCode, choice: LessonChoice, rooms: Rooms, settings: SettingsDep
) -> LessonPut:
    """The lesson the class follows: one of the server's (`{"id"}`) or a file's (`{"lesson"}`).
    Students get it without its answers (a `lesson` event); its steps' questions are asked with
    `{"kind": "lesson", "step"}`."""
    if (choice.id is None) == (choice.lesson is None):
        raise RoomError(422, "give 'id' or 'lesson', one of them", ("id",))
    if choice.lesson is not None:
        lesson = choice.lesson
        try:
            check(lesson)
        except ConfigError as exc:
            raise RoomError(422, exc.msg, ("lesson", *exc.loc)) from None
    else:
        assert choice.id is not None
        try:
            lesson = find(settings.lessons_dir, choice.id)
        except HTTPException:
            raise RoomError(422, f"no lesson '{choice.id}' (GET /api/lessons)", ("id",)) from None
    whole = dump(lesson)
    await rooms.set_lesson(code, whole)
    return {"id": choice.id, "title": whole["title"], "steps": len(lesson.steps)}


class RoomLesson(BaseModel):
    lesson: LessonDocument | None  # none: the built-in one


@router.get(
    "/rooms/{code}/lesson",
    response_model=RoomLesson,
    responses=TEACHER,
)
async def read_room_lesson(code: TeacherCode, rooms: Rooms) -> JSONResponse:
    """The room's lesson with its answers (teacher only); null: the built-in one."""
    return JSONResponse({"lesson": await rooms.lesson(code)})


@router.put("/rooms/{code}/player", response_model=Player, responses={**TEACHER, **BIG_BODY})
async def change_player(code: TeacherCode, change: PlayerChange, rooms: Rooms) -> Player:
    """The teacher's player: followers who keep pace go to the same epoch, play state and speed."""
    player = player_state(change.epoch, change.playing, change.speed)
    await rooms.set_player(code, player)
    return player


@router.post(
    "/rooms/{code}/runs",
    status_code=201,
    response_model=RunShared,
    responses={
        **NO_ROOM,
        **BIG_BODY,
        409: {"model": Message, "description": "The room holds GDVIZ_ROOM_MAX_RUNS"},
        429: {"model": Message, "description": "Too many posts from this student or address"},
    },
)
async def share_run(
    code: RoomCode, run: RunToShare, rooms: Rooms, jobs: Jobs, address: ClientAddress
) -> RunShared:
    """A student sends their own run to the teacher, who may show it to the class."""
    await check_job(jobs, run.job)
    shared: SharedRun = {"student": run.student, "job": run.job, "name": run.name}
    return {"index": await rooms.share_run(code, shared, address)}


@router.get("/rooms/{code}/runs", response_model=SharedRuns, responses=TEACHER)
async def list_shared_runs(code: TeacherCode, rooms: Rooms) -> SharedRuns:
    """The runs students sent, oldest first (teacher only)."""
    return {"runs": await rooms.shared_runs(code)}


@router.get(
    "/rooms/{code}/events",
    response_class=EventSourceResponse,
    responses={**declared_stream("`room`, then the room's changes"), **NO_ROOM},
)
async def stream_room(
    code: RoomCode,
    rooms: Rooms,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """Server-sent events of the room's changes: `run`, `player`, `question`, `answers` (a count),
    `reveal`, `close` (a question taken off the screens), `runs` (how many were shared), and
    last `closed`. A new follower first gets `room`, the whole state, with the id of the last
    change; with `Last-Event-ID` it gets exactly the changes after it."""
    log: EventLog = await rooms.log(code)  # both before the response starts: a clean 404
    first = None if last_event_id is not None else await rooms.snapshot(code)
    shutdown = anyio.Event()

    async def wake_on_shutdown() -> None:
        await shutdown.wait()
        log.wake_watchers()

    async def events() -> AsyncIterator[bytes]:
        waker = asyncio.create_task(wake_on_shutdown())
        seen = event_id(last_event_id)
        try:
            if first is not None:
                seen = first["last_event"]
                yield ServerSentEvent(data=dumps(first), event="room", id=str(seen)).encode()
            while not shutdown.is_set():
                batch = log.wire(seen)
                if batch:
                    yield b"".join(batch)
                    seen += len(batch)
                if log.ended:  # `closed` sent: its teacher closed it, or it was idle or expired
                    if log.gone:  # its store lost it (a Redis restarted without its data)
                        yield room_gone(code)
                    return
                await log.wait_beyond(seen)
            yield SHUTDOWN  # so a client can tell a stopping server from a dropped network
        finally:
            waker.cancel()

    return event_stream(events(), shutdown)


def room_gone(code: str) -> bytes:
    """The last event of a stream whose room its store lost (no id: nothing of the room's own)."""
    return ServerSentEvent(data=dumps(closed(code, "gone")), event="closed").encode()


def room_error(request: Request, exc: Exception) -> JSONResponse:
    """A ``RoomError`` as the API's error shapes: a field error when it names a field."""
    assert isinstance(exc, RoomError)
    if exc.loc:
        return JSONResponse(
            {"detail": [{"loc": ["body", *exc.loc], "msg": exc.msg, "type": "value_error"}]},
            status_code=exc.status,
        )
    headers = {"Retry-After": "5"} if exc.status == 429 else None
    return JSONResponse({"detail": exc.msg}, status_code=exc.status, headers=headers)
