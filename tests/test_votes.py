"""A lesson in a room, vote and vote again, and the gradebook, over a real server in memory and on
Redis: a room follows a lesson put by its teacher; its answers reach no student before the reveal
(neither an answer nor a stream); a revote opens the question's next round and the reveal shows
who changed their mind, to what; the CSV has one row per answer, for the teacher alone."""

import copy
import csv
import io
import json
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import connect_sse

from gdviz.lessons import BUILT_IN
from support import Server, strict_json

LOGISTIC = json.loads((BUILT_IN / "logistic.json").read_text(encoding="utf-8"))
SECRETS = ('"answer"', '"why"')


@pytest.fixture
def api(any_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


class Room:
    def __init__(self, api: httpx.Client) -> None:
        made = api.post("/api/rooms").json()
        self.api, self.code = api, made["code"]
        self.auth = {"Authorization": f"Bearer {made['teacher_key']}"}
        self.base = f"/api/rooms/{self.code}"

    def teacher(self, method: str, path: str, body: object = None) -> httpx.Response:
        return self.api.request(method, f"{self.base}/{path}", json=body, headers=self.auth)

    def vote(self, qid: int, student: str, choice: int, name: str | None = None) -> None:
        body = {"student": student, "choice": choice} | ({"name": name} if name else {})
        got = self.api.post(f"{self.base}/questions/{qid}/answers", json=body)
        assert got.status_code in (200, 201), got.text

    def stream(self) -> list[tuple[str, str]]:
        """Every event of the room's stream so far, as (event, data)."""
        last = self.api.get(self.base).json()["last_event"]
        events = []
        with connect_sse(
            self.api, "GET", f"{self.base}/events", headers={"Last-Event-ID": "0"}
        ) as s:
            for sse in s.iter_sse():
                if sse.data:
                    events.append((sse.event, sse.data))
                    strict_json(sse.data)
                if sse.id and int(sse.id) >= last:
                    break
        return events

    def page_stream(self) -> str:
        """The page's one stream for this room, up to the room's snapshot."""
        seen = []
        with connect_sse(self.api, "GET", f"/api/streams?room={self.code}") as s:
            for sse in s.iter_sse():
                seen.append(sse.data)
                if sse.event == "room":
                    return "\n".join(seen)
        raise AssertionError("the stream ended without the room's snapshot")


@pytest.fixture
def room(api: httpx.Client) -> Iterator[Room]:
    room = Room(api)
    yield room
    api.delete(room.base, headers=room.auth)


def test_a_teacher_puts_a_lesson_and_the_class_gets_it_without_answers(room: Room) -> None:
    assert room.api.put(f"{room.base}/lesson", json={"id": "logistic"}).status_code == 401
    put = room.teacher("PUT", "lesson", {"id": "logistic"})
    assert put.status_code == 200 and put.json()["steps"] == 4 and put.json()["id"] == "logistic"
    for bad, loc in (
        ({"id": "nope"}, ["body", "id"]),
        ({}, ["body", "id"]),
        ({"id": "line", "lesson": LOGISTIC}, ["body", "id"]),
        ({"lesson": {**LOGISTIC, "version": 3}}, ["body", "lesson", "version"]),
    ):
        refused = room.teacher("PUT", "lesson", bad)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == loc, bad
    mine = copy.deepcopy(LOGISTIC)
    mine["steps"][1]["config"]["optimizer"] = "adam"
    mine["steps"][1]["config"]["mode"] = "manual"
    refused = room.teacher("PUT", "lesson", {"lesson": mine})
    assert refused.json()["detail"][0]["loc"] == [
        "body",
        "lesson",
        "steps",
        "1",
        "config",
        "optimizer",
    ]
    mine = copy.deepcopy(LOGISTIC)
    mine["title"] = {"ko": "나의 수업"}
    assert room.teacher("PUT", "lesson", {"lesson": mine}).status_code == 200
    assert room.teacher("GET", "lesson").json()["lesson"]["title"] == {
        "ko": "나의 수업"
    }  # the teacher's: whole
    assert room.api.get(f"{room.base}/lesson").status_code == 401

    state = room.api.get(room.base).json()
    assert state["lesson"]["title"] == {"ko": "나의 수업"} and len(state["lesson"]["steps"]) == 4
    # a lesson step's question comes from the room's lesson
    asked = room.teacher("POST", "questions", {"kind": "lesson", "step": 3}).json()
    assert (
        asked["prompt"] == LOGISTIC["steps"][2]["question"]["prompt"]["en"] and asked["answer"] == 0
    )
    assert asked["texts"]["ko"]["prompt"] == LOGISTIC["steps"][2]["question"]["prompt"]["ko"]
    room.vote(asked["id"], "s1", 1)
    room.teacher("POST", "questions", {"kind": "point", "prompt": "where?"})  # no answer to keep
    before = room.api.get(f"{room.base}/questions/{asked['id']}")
    first = room.page_stream()
    assert '"lesson":{"version":1' in first and '"prompt"' in first  # the lesson, the question
    seen = [before.text, room.api.get(room.base).text, first]
    seen += [d for _, d in room.stream()]
    assert all(secret not in text for text in seen for secret in SECRETS)
    assert "counts" not in before.json() and "rounds" not in before.json()

    room.teacher("POST", f"questions/{asked['id']}/reveal")
    after = room.api.get(f"{room.base}/questions/{asked['id']}").json()
    assert after["answer"] == 0 and after["why"] and after["counts"] == [0, 1, 0]
    assert room.stream()[-1][0] == "reveal"


def test_a_revote_opens_the_next_round_and_the_reveal_shows_who_changed(room: Room) -> None:
    qid = room.teacher(
        "POST",
        "questions",
        {"kind": "choice", "prompt": "lr 0.5?", "choices": ["a", "b", "c"], "answer": 2},
    ).json()["id"]
    for student, choice in (("s1", 0), ("s2", 0), ("s3", 2)):
        room.vote(qid, student, choice)
    first = room.teacher("GET", f"questions/{qid}").json()
    assert first["round"] == 1 and first["rounds"] == [{"answers": 3, "counts": [2, 0, 1]}]
    revote = room.teacher("POST", f"questions/{qid}/revote")
    assert (
        revote.status_code == 200 and revote.json()["round"] == 2 and revote.json()["answers"] == 0
    )
    assert room.api.post(f"{room.base}/questions/{qid}/revote").status_code == 401
    event, data = room.stream()[-1]
    assert event == "question" and json.loads(data)["round"] == 2 and '"answer"' not in data
    student_view = room.api.get(f"{room.base}/questions/{qid}").json()
    assert (
        student_view["round"] == 2 and "rounds" not in student_view and "counts" not in student_view
    )
    for student, choice in (("s1", 2), ("s2", 1), ("s3", 2)):
        room.vote(qid, student, choice)
    room.vote(qid, "s2", 2)  # a change of mind within the round replaces the answer
    shown = room.teacher("POST", f"questions/{qid}/reveal").json()
    assert shown["counts"] == [0, 0, 3]
    assert shown["rounds"] == [
        {"answers": 3, "counts": [2, 0, 1]},
        {
            "answers": 3,
            "counts": [0, 0, 3],
            "kept": 1,
            "changed": 2,
            "moves": [{"from": 0, "to": 2, "students": 2}],
        },
    ]
    assert room.api.get(f"{room.base}/questions/{qid}").json()["rounds"] == shown["rounds"]
    again = room.teacher("POST", f"questions/{qid}/revote")
    assert again.status_code == 409 and "revealed" in again.text
    assert room.teacher("POST", "questions/99/revote").status_code == 404
    point = room.teacher("POST", "questions", {"kind": "point", "prompt": "where?"}).json()["id"]
    for _ in range(3):
        assert room.teacher("POST", f"questions/{point}/revote").status_code == 200
    assert room.teacher("POST", f"questions/{point}/revote").status_code == 409  # 4 rounds at most


def test_the_gradebook_has_a_row_per_answer_for_the_teacher_alone(room: Room) -> None:
    room.teacher("PUT", "lesson", {"id": "line"})
    qid = room.teacher("POST", "questions", {"kind": "lesson", "step": 10}).json()[
        "id"
    ]  # answer: 2
    room.vote(qid, "s1", 0, "Ada")
    room.vote(qid, "s2", 2, "=HYPERLINK(1)")
    room.vote(qid, "s3", 1)
    room.teacher("POST", f"questions/{qid}/revote")
    room.vote(qid, "s1", 2, "Ada")
    room.vote(qid, "s3", 2)
    point = room.teacher("POST", "questions", {"kind": "point", "prompt": "where?"}).json()["id"]
    room.api.post(
        f"{room.base}/questions/{point}/answers", json={"student": "s2", "w": 1.5, "b": -0.25}
    )

    assert room.api.get(f"{room.base}/answers.csv").status_code == 401
    wrong = {"Authorization": "Bearer not-the-key"}
    assert room.api.get(f"{room.base}/answers.csv", headers=wrong).status_code == 403
    got = room.teacher("GET", "answers.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    table = [
        (r["question"], r["round"], r["student"], r["name"], r["answer"], r["correct"])
        for r in rows
    ]
    assert table == [
        (str(qid), "1", "s1", "Ada", "0", "wrong"),
        (str(qid), "1", "s2", "'=HYPERLINK(1)", "2", "right"),  # never a formula
        (str(qid), "1", "s3", "", "1", "wrong"),
        (str(qid), "2", "s1", "Ada", "2", "right"),
        (str(qid), "2", "s3", "", "2", "right"),
        (str(point), "1", "s2", "", "1.5 -0.25", ""),
    ]
    assert rows[0]["step"] == "10" and rows[0]["choice"] == "converge" and rows[0]["prompt"]
    assert all(r["time"].endswith("+00:00") for r in rows)
