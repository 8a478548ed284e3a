"""A room's questions, asked before a run: the teacher asks, students answer, the teacher reveals
the answers' distribution; and the lesson's ready questions."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from ..lessons import MAX_STEPS
from ..rooms import (
    LessonStep,
    QuestionSpec,
    QuestionView,
    RoomError,
    check_answer,
    key_matches,
    lesson_question,
    public_lesson_questions,
)
from ..votes import CSV_COLUMNS, answers_csv, question_view
from .deps import ClientAddress, Credentials, RoomCode, Rooms, TeacherCode
from .responses import BIG_BODY, NO_ROOM, TEACHER, Guarded, Message
from .rooms import Strict, Student, Text

router = APIRouter(prefix="/api", tags=["rooms"], route_class=Guarded)

Number = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1e6, le=1e6)]
QuestionId = Annotated[int, Path(ge=1, le=10**6)]


class ChoiceQuestion(Strict):
    kind: Literal["choice"]
    prompt: Annotated[Text, Field(min_length=1, max_length=300)]
    choices: list[Annotated[Text, Field(min_length=1, max_length=80)]] = Field(
        min_length=2, max_length=8
    )
    step: int | None = Field(default=None, ge=1, le=MAX_STEPS)
    why: Annotated[Text, Field(max_length=300)] | None = Field(
        default=None, description="the question that closes the loop, shown once revealed"
    )
    answer: int | None = Field(
        default=None, strict=True, ge=0, description="the right choice, shown once revealed"
    )


class PointQuestion(Strict):
    kind: Literal["point"]
    prompt: Annotated[Text, Field(min_length=1, max_length=300)]
    step: int | None = Field(default=None, ge=1, le=MAX_STEPS)
    why: Annotated[Text, Field(max_length=300)] | None = Field(
        default=None, description="the question that closes the loop, shown once revealed"
    )


class LessonQuestion(Strict):
    kind: Literal["lesson"]
    step: int = Field(
        ge=1, le=MAX_STEPS, description="the step of the room's lesson whose question to ask"
    )


class AnswerIn(Strict):
    student: Student
    choice: int | None = Field(default=None, strict=True, ge=0, description="choice questions")
    w: Number | None = Field(default=None, description="point questions")
    b: Number | None = Field(default=None, description="point questions")
    name: Annotated[Text, Field(max_length=24)] | None = Field(
        default=None, description="the name the student gave, if any (the teacher's gradebook)"
    )


class AnswerCount(TypedDict):
    answers: int  # how many have answered
    replaced: bool  # this student had answered before


class QuestionClosing(TypedDict):
    id: int
    closed: bool  # false when it was not the room's current question


class LessonQuestions(BaseModel):
    steps: list[LessonStep]


@router.post(
    "/rooms/{code}/questions",
    status_code=201,
    response_model=QuestionView,
    responses={
        **TEACHER,
        **BIG_BODY,
        409: {"model": Message, "description": "The room asked GDVIZ_ROOM_MAX_QUESTIONS"},
    },
)
async def ask_question(
    code: TeacherCode,
    question: Annotated[
        ChoiceQuestion | PointQuestion | LessonQuestion, Field(discriminator="kind")
    ],
    rooms: Rooms,
) -> QuestionView:
    """Ask the class before a run: a choice, a point on the contour (w, b), or a lesson step's
    ready question. The answer is the question as its teacher sees it: with its right answer and
    its "why?", which the class gets at the reveal."""
    spec: QuestionSpec
    if isinstance(question, LessonQuestion):
        spec = lesson_question(question.step, await rooms.lesson(code))
    else:
        spec = question.model_dump(exclude_none=True)  # type: ignore[assignment]
        right = spec.get("answer")
        if right is not None and right >= len(spec.get("choices", [])):
            top = len(spec.get("choices", [])) - 1
            raise RoomError(422, f"must be between 0 and {top}", ("answer",))
    qid = await rooms.ask(code, spec)
    return question_view(qid, spec, [{}], False, True)


@router.get("/rooms/{code}/questions/{qid}", response_model=QuestionView, responses=NO_ROOM)
async def read_question(
    code: RoomCode, qid: QuestionId, rooms: Rooms, credentials: Credentials
) -> QuestionView:
    """How many have answered; the counts (choice) or points (point) once revealed, or before
    that with the teacher key."""
    spec, rounds, revealed = await rooms.question(code, qid)
    full = credentials is not None and key_matches(
        credentials.credentials, await rooms.teacher_digest(code)
    )
    return question_view(qid, spec, rounds, revealed, full)


@router.post(
    "/rooms/{code}/questions/{qid}/answers",
    status_code=201,
    response_model=AnswerCount,
    responses={
        200: {"model": AnswerCount, "description": "The student's answer replaced theirs"},
        **NO_ROOM,
        **BIG_BODY,
        409: {"model": Message, "description": "Revealed, or the question is full"},
        429: {"model": Message, "description": "Too many answers from this student or address"},
    },
)
async def answer_question(
    code: RoomCode,
    qid: QuestionId,
    body: AnswerIn,
    rooms: Rooms,
    response: Response,
    address: ClientAddress,
) -> AnswerCount:
    """A student's answer; a second one from the same student replaces the first (201 for the
    first, 200 for a replacement)."""
    spec, _, _ = await rooms.question(code, qid)
    answer = check_answer(spec, body.choice, body.w, body.b)
    count, replaced = await rooms.answer(code, qid, body.student, address, answer, body.name)
    if replaced:
        response.status_code = 200
    return {"answers": count, "replaced": replaced}


@router.post("/rooms/{code}/questions/{qid}/reveal", response_model=QuestionView, responses=TEACHER)
async def reveal_question(code: TeacherCode, qid: QuestionId, rooms: Rooms) -> QuestionView:
    """Close the question to answers and show everyone its answers' distribution, its right
    answer and its "why?"."""
    return await rooms.reveal(code, qid)


@router.post(
    "/rooms/{code}/questions/{qid}/revote",
    response_model=QuestionView,
    responses={
        **TEACHER,
        409: {"model": Message, "description": "Revealed, or its MAX_ROUNDS (4) rounds are had"},
    },
)
async def revote_question(code: TeacherCode, qid: QuestionId, rooms: Rooms) -> QuestionView:
    """Vote again after a discussion: the question's next round opens, with no answers yet, and
    it is on every screen again. The earlier rounds are kept (`rounds`); students answer anew."""
    return await rooms.revote(code, qid)


class CsvFile(PlainTextResponse):
    media_type = "text/csv"


@router.get(
    "/rooms/{code}/answers.csv",
    response_class=Response,  # its errors are JSON, as every route's
    responses={
        **TEACHER,
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "One row per answer: " + ", ".join(CSV_COLUMNS),
        },
    },
)
async def read_answers_csv(code: TeacherCode, rooms: Rooms) -> CsvFile:
    """Every answer of the room, for the gradebook (teacher only): one row per answer, question
    by question and round by round."""
    return CsvFile(
        answers_csv(await rooms.questions(code)),
        headers={"Content-Disposition": f'attachment; filename="gdviz-{code}-answers.csv"'},
    )


@router.post(
    "/rooms/{code}/questions/{qid}/close", response_model=QuestionClosing, responses=TEACHER
)
async def close_question(code: TeacherCode, qid: QuestionId, rooms: Rooms) -> QuestionClosing:
    """Take the question off every screen, its card and its predictions (answers are kept).
    `closed` is false when it was not the room's current question."""
    return {"id": qid, "closed": await rooms.close_question(code, qid)}


@router.get("/lesson/questions", response_model=LessonQuestions)
async def read_lesson_questions() -> LessonQuestions:
    """The ready question of each of the lesson's ten steps, in English (`en`) and Korean (`ko`):
    the prompt and the choices only; a room's teacher asks one with `{"kind": "lesson", "step"}`."""
    return LessonQuestions(steps=public_lesson_questions())
