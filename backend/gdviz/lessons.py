"""Lessons as files: a titled list of steps, each a run (any job config, any model) shown with its
views, held at an epoch, with its words in English and Korean and an optional question asked
before the run.

A lesson is a versioned JSON document (``Lesson``; its JSON Schema is ``GET /api/schema``'s
``lesson``). The built-in ones are the files of ``lessons/`` beside this module (``line.json``:
the ten steps of the classroom lesson); a server also reads the ``*.json`` of
``GDVIZ_LESSONS_DIR`` (``gdviz serve --lessons DIR``). A question's ``answer`` and ``why`` reach
the class only at its reveal: ``public`` is the lesson as anyone may read it.
"""

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from .config import ConfigError, JobConfig, Logistic, check_config

BUILT_IN = Path(__file__).parent / "lessons"
VERSION = 1
MAX_STEPS = 50
MAX_RACE = 4  # runs shown together, as the page's races
NOT_RACED = ("dataset", "model", "init", "scheduler")  # a race changes one run's scalars
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"  # a file's name without .json

# One line of text: no control codes (C0, DEL, C1 with U+0085) nor line or paragraph separators.
LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"


def text(most: int) -> Any:
    return Annotated[str, Field(min_length=1, max_length=most, pattern=LINE)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Words(Strict):
    """A text in English and Korean; one may be missing (the other is shown)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"anyOf": [{"required": ["en"]}, {"required": ["ko"]}]}
    )
    en: text(600) | SkipJsonSchema[None] = None  # type: ignore[valid-type]
    ko: text(600) | SkipJsonSchema[None] = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one(self) -> "Words":
        if self.en is None and self.ko is None:
            raise PydanticCustomError("words_missing", "needs 'en' or 'ko' (or both)")
        return self


class Short(Words):
    """A title, a prompt or a choice: short."""

    en: text(300) | SkipJsonSchema[None] = None  # type: ignore[valid-type]
    ko: text(300) | SkipJsonSchema[None] = None  # type: ignore[valid-type]


class Setup(Strict):
    """A step's title and caption before its run, in a room where it is asked first: they say
    what is set up, never what the run will show."""

    title: Short
    caption: Words


Focus = Literal["fit", "loss", "contour", "surface"]
Speed = Literal["0.25", "0.5", "1", "2", "4", "8", "live"]


class Views(Strict):
    """How a step looks: the views' toggles, the player's speed, the view it enlarges."""

    arrows: bool = Field(False, strict=True, description="the gradient arrows on the contour")
    log: bool = Field(False, strict=True, description="the loss curve on a log scale")
    resid: bool = Field(False, strict=True, description="the residuals in the fit view")
    speed: Speed = Field("1", description="epochs per frame, or 'live'")
    focus: Focus | None = Field(None, description="the view the step enlarges, if one")


class ChoiceAsk(Strict):
    kind: Literal["choice"]
    prompt: Short
    choices: list[Short] = Field(min_length=2, max_length=8)
    answer: int | None = Field(
        None, strict=True, ge=0, description="the right choice's index, shown at the reveal"
    )
    why: Short | None = Field(None, description="the question that closes the loop, at the reveal")


class PointAsk(Strict):
    kind: Literal["point"]
    prompt: Short
    why: Short | None = Field(None, description="the question that closes the loop, at the reveal")


Question = Annotated[ChoiceAsk | PointAsk, Field(discriminator="kind")]
RaceValue = str | int | float | bool


class Step(Strict):
    title: Short
    caption: Words
    setup: Setup | None = Field(None, description="the words a class sees before the run")
    config: JobConfig = Field(
        default_factory=JobConfig, description="the step's run (POST /api/jobs's body)"
    )
    race: list[dict[str, RaceValue]] = Field(
        [],
        max_length=MAX_RACE,
        description="runs shown together: each the step's config with these fields changed",
    )
    views: Views = Field(default_factory=Views)
    epoch: int | None = Field(
        None,
        ge=0,
        le=10**6,
        description="the epoch the step waits at (0: its start); none: its end",
    )
    question: Question | None = Field(None, description="asked before the step's run")


class Lesson(Strict):
    """A lesson: its title and its steps."""

    version: Literal[1] = Field(description="this document's version")
    title: Short
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


def check(lesson: Lesson) -> None:
    """The checks across fields, as a ConfigError naming the field: each step's run and each run
    of its race pass a job's checks; a choice's answer is one of its choices."""
    for n, step in enumerate(lesson.steps):
        at: tuple[str, ...] = ("steps", str(n))
        check_run(step.config, (*at, "config"))
        if len(step.race) == 1:
            raise ConfigError(
                (*at, "race"), "a race needs 2 runs or more (or none)", "lessonRaceOne"
            )
        base = step.config.model_dump(exclude_unset=True)
        for i, change in enumerate(step.race):
            where = (*at, "race", str(i))
            for name in change:
                if name not in JobConfig.model_fields or name in NOT_RACED:
                    raise ConfigError(
                        (*where, name), "is no field of a run a race may change", "lessonRaceField"
                    )
            try:
                run = JobConfig.model_validate({**base, **change})
            except ValidationError as exc:
                first = exc.errors()[0]
                loc = tuple(str(p) for p in first["loc"])
                raise ConfigError((*where, *loc), first["msg"], "lessonRace") from None
            check_run(run, where)
        q = step.question
        if isinstance(q, ChoiceAsk) and q.answer is not None and q.answer >= len(q.choices):
            top = len(q.choices) - 1
            raise ConfigError(
                (*at, "question", "answer"), f"must be between 0 and {top}", "lessonAnswer", top=top
            )


def check_run(config: JobConfig, loc: tuple[str, ...]) -> None:
    try:
        check_config(config)
    except ConfigError as exc:
        moved = ConfigError((*loc, *exc.loc), exc.msg)
        # its reason and figures, for a page to say in its own language (a rule across fields)
        moved.ctx = exc.ctx or {"reason": "lessonRun"}
        raise moved from None


class LessonDocument(RootModel[dict[str, Any]]):
    """A lesson as its file says it (its JSON Schema: ``GET /api/schema``'s ``lesson``): what the
    API answers with a lesson, so that the OpenAPI schema keeps one JobConfig (the request's)."""


def lesson_schema() -> dict[str, Any]:
    return Lesson.model_json_schema()


def dump(lesson: Lesson) -> dict[str, Any]:
    """The lesson as its file holds it: only what it sets (a logistic run's loss, bce, is its
    own default: JobConfig marks it set, the file need not)."""
    out = lesson.model_dump(mode="json", exclude_unset=True)
    for step, model in zip(out["steps"], lesson.steps, strict=True):
        config = step.get("config")
        if config and isinstance(model.config.model, Logistic) and config.get("loss") == "bce":
            del config["loss"]
    return out


def public(lesson: dict[str, Any]) -> dict[str, Any]:
    """A lesson (as ``dump`` gives it) as anyone may read it: no question's answer nor why."""
    steps = []
    for step in lesson["steps"]:
        if "question" in step and step["question"] is not None:
            q = {k: v for k, v in step["question"].items() if k not in ("answer", "why")}
            step = {**step, "question": q}
        steps.append(step)
    return {**lesson, "steps": steps}


def read(path: Path) -> Lesson:
    """The lesson of file ``path``; a ValidationError or a ConfigError names what is wrong in it."""
    lesson = Lesson.model_validate_json(path.read_bytes())
    check(lesson)
    return lesson


def folders(extra: str | None) -> list[Path]:
    return [BUILT_IN] + ([Path(extra)] if extra else [])


def catalog(extra: str | None) -> dict[str, Path]:
    """Every lesson's file by its id (its name without .json): the built-ins, then ``extra``'s
    (one of which may take a built-in's id)."""
    found: dict[str, Path] = {}
    for folder in folders(extra):
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                if re.fullmatch(ID_PATTERN, path.stem):
                    found[path.stem] = path
    return found


def localized(words: dict[str, str] | None, lang: str) -> str | None:
    """``words`` in ``lang``, or in the other language when it has no ``lang``."""
    if not words:
        return None
    return words.get(lang) or words.get("ko" if lang == "en" else "en")
