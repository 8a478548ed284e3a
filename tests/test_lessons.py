"""Lessons as files: the document's schema (both built-ins read and write back unchanged; every
field's bad value refused, naming it), the lessons a server lists (its built-ins and a folder's),
and a lesson read without its answers."""

import asyncio
import copy
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from gdviz.config import ConfigError
from gdviz.lessons import BUILT_IN, Lesson, catalog, check, dump, lesson_schema, public, read

LINE = json.loads((BUILT_IN / "line.json").read_text(encoding="utf-8"))
LOGISTIC = json.loads((BUILT_IN / "logistic.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["line", "logistic"])
def test_a_built_in_lesson_reads_and_writes_back_unchanged(name: str) -> None:
    path = BUILT_IN / f"{name}.json"
    lesson = read(path)
    assert dump(lesson) == json.loads(path.read_text(encoding="utf-8"))
    again = Lesson.model_validate_json(json.dumps(dump(lesson)))
    assert dump(again) == dump(lesson)
    for step in lesson.steps:  # both languages, every step: a title, a caption, a question
        assert step.title.en and step.title.ko and step.caption.en and step.caption.ko
        assert step.question is not None and step.question.why is not None


def test_the_line_lesson_is_the_classroom_lesson_of_ten_steps() -> None:
    steps = read(BUILT_IN / "line.json").steps
    assert len(steps) == 10
    assert steps[0].config.init is not None and (
        steps[0].config.init.w,
        steps[0].config.init.b,
    ) == (2, -1)
    assert [s.epoch for s in steps] == [0, None, 0, None, None, None, None, None, None, 4]
    assert steps[3].race == [{"mode": "manual", "optimizer": "sgd"}, {"mode": "sgd"}]
    assert steps[9].config.lr == 0.5 and steps[9].views.log
    assert LOGISTIC["steps"][0]["config"]["model"] == {"kind": "logistic"}


def refusal(lesson: dict[str, Any]) -> tuple[str, ...]:
    """Where a lesson is refused: the field's path, from the structure's checks or the runs'."""
    try:
        check(Lesson.model_validate(lesson))
    except ValidationError as exc:
        return tuple(str(p) for p in exc.errors()[0]["loc"])
    except ConfigError as exc:
        return exc.loc
    raise AssertionError("accepted")


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    lesson = copy.deepcopy(LINE)
    at = lesson
    for p in path[:-1]:
        at = at[p]
    if value is DELETE:
        del at[path[-1]]
    else:
        at[path[-1]] = value
    return lesson


DELETE = object()
BAD = [  # (path, bad value, where it is refused)
    (("version",), 2, "version"),
    (("version",), DELETE, "version"),
    (("title",), {}, "title"),
    (("title", "en"), "", "title.en"),
    (("title", "ko"), "x" * 301, "title.ko"),
    (("title", "en"), "two\nlines", "title.en"),
    (("title", "fr"), "titre", "title.fr"),
    (("steps",), [], "steps"),
    (("steps", 0, "title"), {"en": None, "ko": None}, "steps.0.title"),
    (("steps", 0, "caption", "en"), "x" * 601, "steps.0.caption.en"),
    (("steps", 1, "setup"), {"title": {"en": "t"}}, "steps.1.setup.caption"),
    (("steps", 0, "config", "lr"), -1, "steps.0.config.lr"),
    (("steps", 0, "config", "epochs"), 0, "steps.0.config.epochs"),
    (("steps", 0, "config", "mode"), "fast", "steps.0.config.mode"),
    (
        ("steps", 0, "config", "model"),
        {"kind": "poly", "degree": 99},
        "steps.0.config.model.poly.degree",
    ),
    (("steps", 0, "config", "optimizer"), "adam", "steps.0.config.optimizer"),  # manual: sgd only
    (("steps", 0, "config", "speed"), 2, "steps.0.config.speed"),
    (("steps", 3, "race"), [{"mode": "sgd"}], "steps.3.race"),
    (("steps", 3, "race", 1), {"lr": -1}, "steps.3.race.1.lr"),
    (("steps", 3, "race", 1), {"dataset": {}}, "steps.3.race.1.dataset"),
    (("steps", 3, "race", 0, "optimizer"), "adam", "steps.3.race.0.optimizer"),
    (("steps", 0, "views", "arrows"), "yes", "steps.0.views.arrows"),
    (("steps", 0, "views", "speed"), "3", "steps.0.views.speed"),
    (("steps", 0, "views", "log"), 1, "steps.0.views.log"),
    (("steps", 0, "views", "resid"), None, "steps.0.views.resid"),
    (("steps", 0, "views", "zoom"), 2, "steps.0.views.zoom"),
    (("steps", 3, "setup", "title"), {"en": "x" * 301}, "steps.3.setup.title.en"),
    (
        ("steps", 0, "config", "dataset"),
        {"kind": "synthetic", "x_stop": -4},
        "steps.0.config.dataset.x_stop",
    ),
    (("steps", 0, "extra"), 1, "steps.0.extra"),
    (("steps", 0, "views", "focus"), "code", "steps.0.views.focus"),
    (("steps", 0, "epoch"), -1, "steps.0.epoch"),
    (("steps", 0, "question", "kind"), "essay", "steps.0.question"),
    (("steps", 0, "question", "choices"), [{"en": "one"}], "steps.0.question.choice.choices"),
    (("steps", 0, "question", "answer"), 3, "steps.0.question.answer"),
    (("steps", 0, "question", "answer"), "0", "steps.0.question.choice.answer"),
    (("steps", 0, "question", "why"), {}, "steps.0.question.choice.why"),
    (("steps", 1, "question", "prompt"), {"ko": ""}, "steps.1.question.point.prompt.ko"),
    (("steps", 1, "question", "answer"), 1, "steps.1.question.point.answer"),
]


@pytest.mark.parametrize(("path", "value", "where"), BAD, ids=[b[2] for b in BAD])
def test_every_fields_bad_value_is_refused_naming_it(
    path: tuple[Any, ...], value: Any, where: str
) -> None:
    assert ".".join(refusal(changed(path, value))).startswith(where)


def test_a_lesson_read_by_anyone_has_no_answers_nor_whys() -> None:
    for whole in (LINE, LOGISTIC):
        seen = json.dumps(public(whole))
        assert '"answer"' not in seen and '"why"' not in seen
        assert json.dumps(whole).count('"why"') == len(whole["steps"])  # the file has them all


def test_the_schema_is_published_and_describes_the_document(client: httpx.Client) -> None:
    schema = client.get("/api/schema").json()["lesson"]
    assert schema == json.loads(json.dumps(lesson_schema()))
    assert {"version", "title", "steps"} <= set(schema["properties"])
    assert schema["properties"]["version"]["const"] == 1


def test_the_server_lists_its_lessons_and_gives_each_without_answers(client: httpx.Client) -> None:
    listed = client.get("/api/lessons").json()["lessons"]
    assert [(entry["id"], entry["steps"]) for entry in listed][:2] == [
        ("line", 10),
        ("logistic", 4),
    ]
    assert listed[1]["title"]["ko"] == LOGISTIC["title"]["ko"]
    for lesson_id in ("line", "logistic"):
        got = client.get(f"/api/lessons/{lesson_id}")
        assert got.status_code == 200
        assert '"answer"' not in got.text and '"why"' not in got.text
        assert (
            got.json()["steps"][0]["caption"]
            == (LINE if lesson_id == "line" else LOGISTIC)["steps"][0]["caption"]
        )
    assert client.get("/api/lessons/nope").status_code == 404
    assert client.get("/api/lessons/..%2Fsecrets").status_code in (404, 422)


def test_a_lesson_file_is_checked_naming_the_field(client: httpx.Client) -> None:
    good = client.post("/api/lessons/check", json=LOGISTIC)
    assert good.status_code == 200 and good.json() == LOGISTIC  # its own: answers and all
    bad = client.post(
        "/api/lessons/check", json=changed(("steps", 0, "config", "optimizer"), "adam")
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "steps", "0", "config", "optimizer"]
    bad = client.post("/api/lessons/check", json=changed(("steps", 2, "views", "focus"), "x"))
    assert bad.json()["detail"][0]["loc"][:5] == ["body", "steps", 2, "views", "focus"]


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    mine = copy.deepcopy(LOGISTIC)
    mine["title"] = {"en": "My lesson"}
    (tmp_path / "mine.json").write_text(json.dumps(mine), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"version": 1}', encoding="utf-8")
    (tmp_path / "Not An Id.json").write_text(json.dumps(mine), encoding="utf-8")
    yield tmp_path


def test_a_folder_of_lessons_is_served_beside_the_built_ins(folder: Path) -> None:
    from gdviz.app import create_app
    from gdviz.settings import Settings

    assert set(catalog(str(folder))) == {"line", "logistic", "mine", "broken"}
    app = create_app(Settings(lessons_dir=str(folder)))

    async def read() -> tuple[list[str], object, int]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        ) as api:
            listed = (await api.get("/api/lessons")).json()["lessons"]
            mine = (await api.get("/api/lessons/mine")).json()["title"]
            return (
                [e["id"] for e in listed],
                mine,
                (await api.get("/api/lessons/broken")).status_code,
            )

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever else this process runs
        listed, mine, broken = thread.submit(asyncio.run, read()).result()
    assert listed == ["line", "logistic", "mine"]  # the broken one is left out
    assert mine == {"en": "My lesson"} and broken == 404
