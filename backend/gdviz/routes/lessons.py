"""Lessons as files: the built-in ones and those of GDVIZ_LESSONS_DIR, without their answers; and a
lesson file checked, for a page that opens one."""

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from ..config import ConfigError
from ..lessons import ID_PATTERN, Lesson, LessonDocument, catalog, check, dump, public, read
from .deps import SettingsDep
from .responses import Guarded, Message, Responses

router = APIRouter(prefix="/api", tags=["lessons"], route_class=Guarded)
log = logging.getLogger("gdviz")

LESSON_BODY: Responses = {
    413: {"model": Message, "description": "The body is over GDVIZ_LESSON_MAX_BYTES"}
}
LessonId = Annotated[
    str, Path(pattern=ID_PATTERN, description="a lesson file's name without .json")
]


class Title(BaseModel):
    en: str | None = None
    ko: str | None = None


class LessonEntry(BaseModel):
    id: str
    title: Title
    steps: int  # how many


class LessonList(BaseModel):
    lessons: list[LessonEntry]


def lessons_of(folder: str | None) -> dict[str, Lesson]:
    """The lessons that read: a file that does not is left out, and said in the log."""
    found = {}
    for lesson_id, path in catalog(folder).items():
        try:
            found[lesson_id] = read(path)
        except (ValidationError, ConfigError, OSError, UnicodeDecodeError) as exc:
            log.warning("lesson %s is left out: %s", path, str(exc).splitlines()[0:3])
    return found


def find(folder: str | None, lesson_id: str) -> Lesson:
    path = catalog(folder).get(lesson_id)
    if path is None:
        raise HTTPException(404, f"no lesson '{lesson_id}'")
    try:
        return read(path)
    except (ValidationError, ConfigError, OSError, UnicodeDecodeError):
        raise HTTPException(
            404, f"lesson '{lesson_id}' does not read: see the server's log"
        ) from None


@router.get("/lessons", response_model=LessonList)
async def list_lessons(settings: SettingsDep) -> LessonList:
    """The lessons this server has: the built-ins, then GDVIZ_LESSONS_DIR's (`gdviz serve
    --lessons DIR`)."""
    return LessonList(
        lessons=[
            LessonEntry(id=i, title=Title(**dump(lesson)["title"]), steps=len(lesson.steps))
            for i, lesson in lessons_of(settings.lessons_dir).items()
        ]
    )


@router.get(
    "/lessons/{lesson_id}",
    response_model=LessonDocument,
    responses={404: {"model": Message, "description": "No such lesson"}},
)
async def read_lesson(lesson_id: LessonId, settings: SettingsDep) -> JSONResponse:
    """A lesson without its questions' answers and whys (they reach a class at its reveal)."""
    return JSONResponse(public(dump(find(settings.lessons_dir, lesson_id))))


@router.post(
    "/lessons/check",
    response_model=LessonDocument,
    responses=LESSON_BODY,
)
async def check_lesson(lesson: Lesson) -> JSONResponse:
    """A lesson file as the page opens it: the lesson, or a 422 naming the field and why."""
    check(lesson)
    return JSONResponse(dump(lesson))  # as the file says it (a response model would add defaults)
