"""Rooms over a real server, in memory and on Redis: the whole API, its teacher-only rules, bad
inputs, limits, and the room's stream (snapshot, resume, a change reaching followers within 1 s)."""

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import connect_sse

from support import Multiplexed, Server, read_streams, running_server, strict_json

LOOK_ALIKES = set("0O1IL2Z5S8BUV")
TEACHER_CALLS = [
    ("PUT", "job", {"job": "x"}),
    ("PUT", "player", {"epoch": 0, "playing": False, "speed": 1}),
    ("POST", "questions", {"kind": "point", "prompt": "where?"}),
    ("POST", "questions/1/reveal", None),
    ("POST", "questions/1/close", None),
    ("GET", "runs", None),
]


@pytest.fixture
def api(any_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=any_server.url, timeout=30) as client:
        yield client


class Room:
    def __init__(self, api: httpx.Client) -> None:
        made = api.post("/api/rooms")
        assert made.status_code == 201, made.text
        self.api, self.code, self.key = api, made.json()["code"], made.json()["teacher_key"]
        self.auth = {"Authorization": f"Bearer {self.key}"}
        self.base = f"/api/rooms/{self.code}"

    def teacher(self, method: str, path: str, body: object = None) -> httpx.Response:
        return self.api.request(method, f"{self.base}/{path}", json=body, headers=self.auth)

    def ask(self, body: dict) -> int:
        asked = self.teacher("POST", "questions", body)
        assert asked.status_code == 201, asked.text
        return asked.json()["id"]

    def answer(self, qid: int, body: dict) -> httpx.Response:
        return self.api.post(f"{self.base}/questions/{qid}/answers", json=body)


@pytest.fixture
def room(api: httpx.Client) -> Iterator[Room]:
    room = Room(api)
    yield room
    room.api.delete(room.base, headers=room.auth)  # the class ends: its slot is free again


def make_job(api: httpx.Client) -> str:
    return api.post("/api/jobs", json={"epochs": 3}).json()["id"]


class Follower:
    """Reads a room's stream in a thread: (arrival time, id, event, data) as they come."""

    def __init__(self, url: str, path: str, last_event_id: int | None = None) -> None:
        self.events: queue.Queue = queue.Queue()
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(30, read=60))
        headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
        self.ready = threading.Event()
        self.socket: socket.socket | None = None
        self.thread = threading.Thread(target=self._read, args=(path, headers), daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the stream did not open"

    def _read(self, path: str, headers: dict) -> None:
        try:
            with connect_sse(self.client, "GET", path, headers=headers) as source:
                stream = source.response.extensions["network_stream"]
                self.socket = stream.get_extra_info("socket")
                self.ready.set()
                for sse in source.iter_sse():
                    if not sse.data:  # a keep-alive comment
                        continue
                    self.events.put(
                        (time.monotonic(), int(sse.id), sse.event, strict_json(sse.data))
                    )
        except (httpx.HTTPError, RuntimeError):  # closed by the test
            pass

    def next(self, event: str | None = None, timeout: float = 5) -> tuple[float, int, str, object]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if event is None or got[2] == event:
                return got

    def close(self) -> None:
        """Hang up at once: a read blocked until the next keep-alive would not see a close."""
        if self.socket is not None:
            with contextlib.suppress(OSError):
                self.socket.shutdown(socket.SHUT_RDWR)
        self.client.close()
        self.thread.join(5)
        assert not self.thread.is_alive()


# --- making and reading rooms ---


def test_a_room_has_a_short_code_without_look_alikes_and_a_teacher_key(api: httpx.Client) -> None:
    made = api.post("/api/rooms")
    assert made.status_code == 201
    body = made.json()
    assert 6 <= len(body["code"]) <= 8 and body["code"].isalnum()
    assert not LOOK_ALIKES & set(body["code"])
    assert len(body["teacher_key"]) >= 24
    read = api.get(f"/api/rooms/{body['code'].lower()}")  # typed by a student: any case
    assert read.status_code == 200
    state = read.json()
    assert state["code"] == body["code"] and state["job"] is None and state["question"] is None
    assert body["teacher_key"] not in read.text
    share = api.get(f"/api/rooms/{body['code']}/share").json()
    assert share["url"].endswith(f"/?room={body['code']}") and "<svg" in share["qr_svg"]
    assert body["teacher_key"] not in json.dumps(share)


def test_an_unknown_room_is_404_also_for_its_stream(api: httpx.Client) -> None:
    for path in ("", "/events", "/share", "/questions/1"):
        answer = api.get(f"/api/rooms/NOROOM{path}")
        assert answer.status_code == 404, path
        assert "NOROOM" in answer.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), TEACHER_CALLS)
def test_teacher_calls_need_the_rooms_key(room: Room, method: str, path: str, body: object) -> None:
    url = f"{room.base}/{path}"
    bare = room.api.request(method, url, json=body)
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"
    wrong = room.api.request(method, url, json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    other = Room(room.api)  # a real key, of another room
    assert room.api.request(method, url, json=body, headers=other.auth).status_code == 403
    basic = room.api.request(method, url, json=body, headers={"Authorization": f"Basic {room.key}"})
    assert basic.status_code == 401


def test_the_teacher_sets_the_run_and_the_player(room: Room) -> None:
    job, other = make_job(room.api), make_job(room.api)
    changed = room.teacher("PUT", "job", {"job": job, "race": [other], "step": 3})
    assert changed.status_code == 200
    player = room.teacher("PUT", "player", {"epoch": 40, "playing": True, "speed": 2})
    assert player.status_code == 200 and player.json()["at"] > 0
    state = room.api.get(room.base).json()
    run = {"job": job, "race": [other], "step": 3, "staged": False, "student": False, "name": None}
    assert state["job"] == job and state["run"] == run
    assert state["player"]["epoch"] == 40 and state["player"]["playing"] is True
    # a lesson step staged, then played; a student's run shown by name
    staged = room.teacher("PUT", "job", {"job": job, "step": 10, "staged": True}).json()
    assert staged["staged"] is True and room.api.get(room.base).json()["run"]["staged"] is True
    shown = {"job": other, "student": True, "name": "Ann"}
    assert room.teacher("PUT", "job", shown).json() | shown == room.api.get(room.base).json()["run"]


def test_the_run_must_be_a_job(room: Room) -> None:
    answer = room.teacher("PUT", "job", {"job": "nosuchjob"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "job"]
    job = make_job(room.api)
    answer = room.teacher("PUT", "job", {"job": job, "race": [job, "gone"]})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "race", 1]
    for bad in (
        {},
        {"job": ""},
        {"job": "a b"},
        {"job": job, "step": 51},
        {"job": job, "x": 1},
        {"job": job, "staged": "yes"},
        {"job": job, "student": True, "name": "x" * 25},
        {"job": job, "student": True, "name": "new\nline"},
    ):
        assert room.teacher("PUT", "job", bad).status_code == 422, bad


@pytest.mark.parametrize(
    "body",
    [
        {"epoch": -1, "playing": True, "speed": 1},
        {"epoch": 1, "playing": "maybe", "speed": 1},
        {"epoch": 1, "playing": True, "speed": 0},
        {"epoch": 1, "playing": True, "speed": 1000},
        {"epoch": 1, "playing": True},
    ],
)
def test_bad_player_changes_are_422(room: Room, body: dict) -> None:
    assert room.teacher("PUT", "player", body).status_code == 422


# --- questions and answers ---


def test_a_choice_question_counts_answers_one_per_student(room: Room) -> None:
    qid = room.ask(
        {
            "kind": "choice",
            "prompt": "lr = 0.5: the loss will…",
            "choices": ["converge", "oscillate", "diverge"],
        }
    )
    first = room.answer(qid, {"student": "ann", "choice": 0})
    assert first.status_code == 201 and first.json() == {"answers": 1, "replaced": False}
    again = room.answer(qid, {"student": "ann", "choice": 2})  # replaces her first answer
    assert again.status_code == 200 and again.json() == {"answers": 1, "replaced": True}
    assert room.answer(qid, {"student": "bob", "choice": 2}).status_code == 201
    assert room.answer(qid, {"student": "cho", "choice": 1}).status_code == 201

    public = room.api.get(f"{room.base}/questions/{qid}").json()
    assert public["answers"] == 3 and public["revealed"] is False and "counts" not in public
    wrong_key = room.api.get(f"{room.base}/questions/{qid}", headers={"Authorization": "Bearer x"})
    assert "counts" not in wrong_key.json()
    teacher = room.api.get(f"{room.base}/questions/{qid}", headers=room.auth).json()
    assert teacher["counts"] == [0, 1, 2]
    state = room.api.get(room.base).json()["question"]
    assert state["id"] == qid and state["answers"] == 3 and "counts" not in state

    revealed = room.teacher("POST", f"questions/{qid}/reveal")
    assert revealed.status_code == 200 and revealed.json()["counts"] == [0, 1, 2]
    after = room.api.get(f"{room.base}/questions/{qid}").json()
    assert after["revealed"] is True and after["counts"] == [0, 1, 2]
    late = room.answer(qid, {"student": "dan", "choice": 0})
    assert late.status_code == 409 and "revealed" in late.json()["detail"]
    assert room.answer(qid, {"student": "ann", "choice": 0}).status_code == 409


def test_a_point_question_keeps_points(room: Room) -> None:
    qid = room.ask({"kind": "point", "prompt": "Where will the run end?"})
    assert room.answer(qid, {"student": "ann", "w": 2, "b": -1}).status_code == 201
    assert room.answer(qid, {"student": "bob", "w": 1.5, "b": 0.25}).status_code == 201
    assert room.answer(qid, {"student": "bob", "w": 1.75, "b": 0.5}).status_code == 200
    assert "points" not in room.api.get(f"{room.base}/questions/{qid}").json()
    shown = room.teacher("POST", f"questions/{qid}/reveal").json()
    assert sorted(shown["points"]) == [[1.75, 0.5], [2, -1]]


def test_answers_stay_with_the_teacher_until_the_reveal(any_server: Server, room: Room) -> None:
    follower = Follower(any_server.url, f"{room.base}/events")
    try:
        asked = room.teacher("POST", "questions", {"kind": "lesson", "step": 10})
        assert asked.status_code == 201
        full = asked.json()  # the teacher's: the right answer and the why
        assert full["kind"] == "choice" and full["step"] == 10 and full["answer"] == 2
        assert full["prompt"] == "lr = 0.5: the loss will…" and full["why"]
        assert full["texts"]["ko"]["prompt"] == "학습률 0.5: 손실은…" and full["texts"]["ko"]["why"]
        qid = full["id"]
        _, _, _, event = follower.next("question")
        public = [
            event,
            room.api.get(f"{room.base}/questions/{qid}").json(),
            room.api.get(room.base).json()["question"],
        ]
        for view in public:  # the class: the prompt and the choices, in both languages
            assert view["choices"] == ["converge", "oscillate, then settle", "diverge"]
            assert view["texts"]["ko"]["choices"][2] == "발산한다"
            assert "answer" not in view and "why" not in view and "why" not in view["texts"]["ko"]
        teacher = room.api.get(f"{room.base}/questions/{qid}", headers=room.auth).json()
        assert teacher["answer"] == 2 and teacher["why"] == full["why"]
        room.teacher("POST", f"questions/{qid}/reveal")
        _, _, _, revealed = follower.next("reveal")  # everyone, at the reveal
        assert revealed["answer"] == 2 and revealed["why"] == full["why"]
        assert revealed["texts"]["ko"]["why"] == full["texts"]["ko"]["why"]
        after = room.api.get(f"{room.base}/questions/{qid}").json()
        assert after["answer"] == 2 and after["why"]
    finally:
        follower.close()
    # a typed question may name its right choice too, within its choices
    typed = {"kind": "choice", "prompt": "p", "choices": ["a", "b"], "why": "w", "answer": 1}
    qid = room.ask(typed)
    view = room.api.get(f"{room.base}/questions/{qid}").json()
    assert "answer" not in view and "why" not in view
    for bad, field in ((2, "answer"), (-1, "answer"), ("1", "answer"), (True, "answer")):
        refused = room.teacher("POST", "questions", {**typed, "answer": bad})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == field, bad
    for bad in (
        {"kind": "lesson"},
        {"kind": "lesson", "step": 51},
        {"kind": "lesson", "step": 1, "x": 1},
    ):
        assert room.teacher("POST", "questions", bad).status_code == 422, bad


def test_a_question_closes_by_hand_or_with_a_new_run(any_server: Server, room: Room) -> None:
    job, other = make_job(room.api), make_job(room.api)
    room.teacher("PUT", "job", {"job": job, "step": 3, "staged": True})
    follower = Follower(any_server.url, f"{room.base}/events")
    try:
        qid = room.ask({"kind": "point", "prompt": "where?"})
        closed = room.teacher("POST", f"questions/{qid}/close")
        assert closed.status_code == 200 and closed.json() == {"id": qid, "closed": True}
        _, _, _, data = follower.next("close")
        assert data == {"question": qid}
        assert room.api.get(room.base).json()["question"] is None
        again = room.teacher("POST", f"questions/{qid}/close")  # nothing left to close
        assert again.json() == {"id": qid, "closed": False}
        assert room.teacher("POST", "questions/99/close").status_code == 404

        # the same run, no longer staged, keeps its question; another run closes it
        qid = room.ask({"kind": "point", "prompt": "where now?"})
        room.teacher("PUT", "job", {"job": job, "step": 3, "staged": False})
        assert room.api.get(room.base).json()["question"]["id"] == qid
        room.teacher("PUT", "job", {"job": other, "step": 4})
        _, close_id, _, data = follower.next("close")
        _, run_id, _, run = follower.next("run")
        assert data == {"question": qid} and run_id > close_id and run["job"] == other
        state = room.api.get(room.base).json()
        assert state["question"] is None and state["job"] == other
        late = room.answer(qid, {"student": "s", "w": 1, "b": 1})  # a closed card takes no tap, but
        assert late.status_code in (200, 201)  # an answer already on its way is not an error
    finally:
        follower.close()


def refused_answer(room: Room, qid: int, raw: str, field: str) -> httpx.Response:
    """POST ``raw`` as an answer and check it is a 422 naming ``field``."""
    answer = room.api.post(
        f"{room.base}/questions/{qid}/answers",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == field
    return answer


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"student": "s", "choice": 3}', "choice"),  # out of range (3 choices)
        ('{"student": "s", "choice": -1}', "choice"),
        ('{"student": "s", "choice": 1.5}', "choice"),
        ('{"student": "s", "choice": true}', "choice"),
        ('{"student": "s", "choice": "1"}', "choice"),
        ('{"student": "s"}', "choice"),
        ('{"student": "s", "w": 1, "b": 1}', "choice"),  # a point for a choice question
        ('{"student": "a b", "choice": 1}', "student"),
        ('{"student": "", "choice": 1}', "student"),
        ('{"choice": 1}', "student"),
        ('{"student": "s", "choice": 1, "extra": 1}', "extra"),
    ],
)
def test_bad_choice_answers_are_422_naming_the_field(room: Room, raw: str, field: str) -> None:
    qid = room.ask({"kind": "choice", "prompt": "p", "choices": ["a", "b", "c"]})
    refused_answer(room, qid, raw, field)
    assert room.api.get(f"{room.base}/questions/{qid}").json()["answers"] == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"student": "s", "w": NaN, "b": 0}', "w"),
        ('{"student": "s", "w": 0, "b": Infinity}', "b"),
        ('{"student": "s", "w": -Infinity, "b": 0}', "w"),
        ('{"student": "s", "w": "1", "b": 0}', "w"),
        ('{"student": "s", "w": 0, "b": null}', "b"),
        ('{"student": "s", "w": 0}', "b"),
        ('{"student": "s", "w": 1e300, "b": 0}', "w"),
        ('{"student": "s", "choice": 0}', "w"),
    ],
)
def test_bad_points_are_422_naming_the_field(room: Room, raw: str, field: str) -> None:
    qid = room.ask({"kind": "point", "prompt": "p"})
    answer = refused_answer(room, qid, raw, field)
    assert "NaN" not in answer.text and "Infinity" not in answer.text.replace('"inf', "")


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "choice", "prompt": "p", "choices": ["only one"]},
        {"kind": "choice", "prompt": "p", "choices": [str(i) for i in range(9)]},
        {"kind": "choice", "prompt": "p", "choices": ["a", ""]},
        {"kind": "choice", "prompt": "", "choices": ["a", "b"]},
        {"kind": "choice", "prompt": "x" * 301, "choices": ["a", "b"]},
        {"kind": "choice", "prompt": "p", "choices": ["a", "b" * 81]},
        {"kind": "choice", "prompt": "line\nbreak", "choices": ["a", "b"]},
        {"kind": "choice", "prompt": "next\u0085line", "choices": ["a", "b"]},  # C1's NEL
        {"kind": "choice", "prompt": "p", "choices": ["a\u2028b", "c"]},  # line separator
        {"kind": "point", "prompt": "paragraph\u2029separator"},
        {"kind": "curve", "prompt": "p"},
        {"kind": "point", "prompt": "p", "choices": ["a", "b"]},
        {"prompt": "p"},
    ],
)
def test_bad_questions_are_422(room: Room, body: dict) -> None:
    assert room.teacher("POST", "questions", body).status_code == 422


def test_unknown_questions_are_404(room: Room) -> None:
    assert room.answer(7, {"student": "s", "choice": 0}).status_code == 404
    assert room.api.get(f"{room.base}/questions/7").status_code == 404
    assert room.teacher("POST", "questions/7/reveal").status_code == 404
    assert room.api.get(f"{room.base}/questions/0").status_code == 422


def test_text_is_kept_and_returned_as_text(room: Room) -> None:
    prompt = '<img src=x onerror="alert(1)"> & </script>'
    choices = ["<b>bold</b>", "a & b"]
    qid = room.ask({"kind": "choice", "prompt": prompt, "choices": choices})
    view = room.api.get(f"{room.base}/questions/{qid}").json()
    assert view["prompt"] == prompt and view["choices"] == choices
    job = make_job(room.api)
    name = "<i>Min-jun</i> 민준"
    assert (
        room.api.post(
            f"{room.base}/runs", json={"student": "s1", "job": job, "name": name}
        ).status_code
        == 201
    )
    assert room.teacher("GET", "runs").json()["runs"][0]["name"] == name


# --- students' runs ---


def test_students_send_runs_the_teacher_lists(room: Room) -> None:
    job = make_job(room.api)
    sent = room.api.post(f"{room.base}/runs", json={"student": "s1", "job": job, "name": "Ann"})
    assert sent.status_code == 201 and sent.json() == {"index": 0}
    sent = room.api.post(f"{room.base}/runs", json={"student": "s2", "job": job})
    assert sent.json() == {"index": 1}
    runs = room.teacher("GET", "runs").json()["runs"]
    assert runs == [
        {"student": "s1", "job": job, "name": "Ann"},
        {"student": "s2", "job": job, "name": None},
    ]
    assert room.api.get(room.base).json()["shared_runs"] == 2
    assert room.teacher("PUT", "job", {"job": runs[0]["job"]}).status_code == 200  # shown to all
    for bad in (
        {"student": "s1", "job": "gone"},
        {"student": "s1", "job": job, "name": "x" * 25},
        {"student": "s1", "job": job, "name": "tab\there"},
        {"job": job},
    ):
        assert room.api.post(f"{room.base}/runs", json=bad).status_code == 422, bad


def test_a_body_over_the_limit_is_413(room: Room) -> None:
    big = {"kind": "point", "prompt": "x" * 5000}
    assert room.teacher("POST", "questions", big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length
        yield b'{"kind": "point", "prompt": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    chunked = room.api.post(
        f"{room.base}/questions",
        content=chunks(),
        headers={**room.auth, "Content-Type": "application/json"},
    )
    assert chunked.status_code == 413 and "GDVIZ_ROOM_MAX_BODY_BYTES" in chunked.text


def test_lesson_questions_cover_ten_steps_in_english_and_korean(api: httpx.Client) -> None:
    steps = api.get("/api/lesson/questions").json()["steps"]
    assert [s["step"] for s in steps] == list(range(1, 11))
    room = Room(api)
    for step in steps:
        assert step["kind"] in ("choice", "point")
        assert (
            "answer" not in step
        )  # the prompt and the choices only: answers stay with the teacher
        for lang in ("en", "ko"):
            text = step[lang]
            assert text["prompt"] and "why" not in text
            if step["kind"] == "choice":
                assert 2 <= len(text["choices"]) <= 8
                assert len(text["choices"]) == len(step["en"]["choices"])
        assert any("\uac00" <= ch <= "\ud7a3" for ch in step["ko"]["prompt"])  # Hangul
        # every ready question is one a room asks, with its answer and why for the teacher
        full = room.teacher("POST", "questions", {"kind": "lesson", "step": step["step"]}).json()
        assert full["prompt"] == step["en"]["prompt"] and full["why"] and full["texts"]["ko"]["why"]
        assert full["texts"]["ko"]["prompt"] == step["ko"]["prompt"]
        if step["kind"] == "choice":
            assert full["choices"] == step["en"]["choices"]
            assert 0 <= full["answer"] < len(step["en"]["choices"])
        body = {"kind": step["kind"], "prompt": step["ko"]["prompt"], "why": full["why"]}
        if step["kind"] == "choice":
            body |= {"choices": step["ko"]["choices"], "answer": full["answer"]}
        room.ask(body)  # and typed by hand, the same fits the API's bounds


# --- the room's stream ---


def test_a_follower_gets_the_state_then_every_change_within_a_second(
    any_server: Server, room: Room
) -> None:
    job = make_job(room.api)
    room.teacher("PUT", "job", {"job": job})
    followers = [Follower(any_server.url, f"{room.base}/events") for _ in range(5)]
    try:
        for follower in followers:
            _, first_id, event, state = follower.next()
            assert event == "room" and state["job"] == job and room.key not in json.dumps(state)
            assert first_id == state["last_event"]

        changes = [
            ("run", "PUT", "job", {"job": make_job(room.api), "step": 2}),
            ("player", "PUT", "player", {"epoch": 12, "playing": False, "speed": 0.5}),
            (
                "question",
                "POST",
                "questions",
                {"kind": "choice", "prompt": "p", "choices": ["a", "b"]},
            ),
        ]
        for event, method, path, body in changes:
            sent = time.monotonic()
            assert room.teacher(method, path, body).status_code in (200, 201)
            for follower in followers:
                arrived, _, got, data = follower.next()
                assert got == event, (got, data)
                assert arrived - sent < 1.0, f"{event} took {arrived - sent:.3f} s"

        sent = time.monotonic()
        room.answer(1, {"student": "s1", "choice": 1})
        for follower in followers:
            arrived, _, got, data = follower.next()
            assert (got, data) == ("answers", {"question": 1, "answers": 1, "round": 1})
            assert arrived - sent < 1.0
        room.teacher("POST", "questions/1/reveal")
        for follower in followers:
            _, _, got, data = follower.next()
            assert got == "reveal" and data["counts"] == [0, 1]
    finally:
        for follower in followers:
            follower.close()


def test_a_follower_resumes_after_its_last_event_id(any_server: Server, room: Room) -> None:
    follower = Follower(any_server.url, f"{room.base}/events")
    try:
        _, start, _, _ = follower.next("room")
        for epoch in range(3):
            room.teacher("PUT", "player", {"epoch": epoch, "playing": False, "speed": 1})
        ids = [follower.next("player")[1] for _ in range(3)]
        assert ids == [start + 1, start + 2, start + 3]
    finally:
        follower.close()
    for epoch in range(3, 5):  # while it is away
        room.teacher("PUT", "player", {"epoch": epoch, "playing": True, "speed": 1})
    back = Follower(any_server.url, f"{room.base}/events", last_event_id=ids[0])
    try:
        got = [back.next() for _ in range(4)]
        assert [g[1] for g in got] == [ids[0] + 1, ids[0] + 2, ids[0] + 3, ids[0] + 4]
        assert [g[3]["epoch"] for g in got] == [1, 2, 3, 4]  # no snapshot: exactly what followed
    finally:
        back.close()


def test_a_late_joiner_gets_the_current_state(room: Room) -> None:
    job = make_job(room.api)
    room.teacher("PUT", "job", {"job": job, "step": 10})
    room.teacher("PUT", "player", {"epoch": 7, "playing": True, "speed": 4})
    qid = room.ask({"kind": "point", "prompt": "p"})
    room.answer(qid, {"student": "s", "w": 1, "b": 2})
    room.teacher("POST", f"questions/{qid}/reveal")
    with connect_sse(room.api, "GET", f"{room.base}/events") as source:
        first = next(source.iter_sse())
    state = strict_json(first.data)
    assert first.event == "room" and int(first.id) == state["last_event"]
    assert state["run"]["step"] == 10 and state["player"]["speed"] == 4
    assert state["question"]["revealed"] is True and state["question"]["points"] == [[1, 2]]


def test_the_teacher_closes_the_class_and_every_follower_is_told(
    any_server: Server, api: httpx.Client
) -> None:
    room = Room(api)
    follower = Follower(any_server.url, f"{room.base}/events")
    follower.next("room")
    page: list[Multiplexed] = []

    def read_page() -> None:  # the page's one stream, with the room alone on it
        with httpx.Client(base_url=any_server.url, timeout=30) as own:
            page.append(read_streams(own, [], room=room.code))

    paging = threading.Thread(target=read_page, daemon=True)
    paging.start()
    time.sleep(0.5)
    assert api.delete(room.base).status_code == 401
    assert api.delete(room.base, headers={"Authorization": "Bearer wrong"}).status_code == 403
    closed = api.delete(room.base, headers=room.auth)
    assert closed.status_code == 200 and closed.json() == {"code": room.code, "reason": "closed"}
    assert follower.next("closed")[3] == {"code": room.code, "reason": "closed"}
    follower.thread.join(5)
    assert not follower.thread.is_alive()  # the stream ended with it
    paging.join(5)
    assert page and page[0].events[-1][2:] == ("closed", {"code": room.code, "reason": "closed"})
    assert api.get(room.base).status_code == 404
    assert api.get(f"{room.base}/events").status_code == 404
    assert api.delete(room.base, headers=room.auth).status_code == 404
    follower.close()


# --- limits, on a server of its own with small ones ---

SMALL = {
    "GDVIZ_MAX_ROOMS": "3",
    "GDVIZ_ROOM_MAX_ANSWERS": "3",
    "GDVIZ_ROOM_POSTS_PER_MINUTE": "4",
    "GDVIZ_ROOM_MAX_QUESTIONS": "2",
    "GDVIZ_ROOM_MAX_RUNS": "1",
    "GDVIZ_ROOM_TTL_S": "3",
}


@pytest.fixture(scope="module", params=["memory", "redis"])
def small(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    env = dict(SMALL)
    if request.param == "redis":
        env["GDVIZ_REDIS_URL"] = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + "/3"
    log = tmp_path_factory.mktemp("small") / "server.log"
    with running_server(log, env=env) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def test_limits_are_clear_4xx(small: httpx.Client) -> None:
    rooms = [Room(small) for _ in range(3)]
    full = small.post("/api/rooms")
    assert full.status_code == 429 and "GDVIZ_MAX_ROOMS" in full.json()["detail"]
    assert full.headers["retry-after"]

    room = rooms[0]
    qid = room.ask({"kind": "choice", "prompt": "p", "choices": ["a", "b"]})
    for student in ("a", "b", "c"):
        assert room.answer(qid, {"student": student, "choice": 0}).status_code == 201
    over = room.answer(qid, {"student": "d", "choice": 0})
    assert over.status_code == 409 and "GDVIZ_ROOM_MAX_ANSWERS" in over.json()["detail"]
    assert room.answer(qid, {"student": "a", "choice": 1}).status_code == 200  # a change still is
    assert room.answer(qid, {"student": "a", "choice": 0}).status_code == 200
    assert room.answer(qid, {"student": "a", "choice": 1}).status_code == 200  # her 4th
    rated = room.answer(qid, {"student": "a", "choice": 0})  # her 5th within a minute
    assert rated.status_code == 429 and "GDVIZ_ROOM_POSTS_PER_MINUTE" in rated.json()["detail"]

    room.ask({"kind": "point", "prompt": "p"})
    third = room.teacher("POST", "questions", {"kind": "point", "prompt": "p"})
    assert third.status_code == 409 and "GDVIZ_ROOM_MAX_QUESTIONS" in third.json()["detail"]

    job = small.post("/api/jobs", json={"epochs": 2}).json()["id"]
    assert small.post(f"{room.base}/runs", json={"student": "b", "job": job}).status_code == 201
    second = small.post(f"{room.base}/runs", json={"student": "c", "job": job})
    assert second.status_code == 409 and "GDVIZ_ROOM_MAX_RUNS" in second.json()["detail"]


def test_rooms_expire(small: httpx.Client) -> None:
    time.sleep(3.1)  # the rooms of the test before have expired: room for new ones
    room = Room(small)
    assert small.get(room.base).status_code == 200
    time.sleep(3.1)
    assert small.get(room.base).status_code == 404
    assert small.get(f"{room.base}/events").status_code == 404
    assert (
        room.teacher("PUT", "player", {"epoch": 0, "playing": True, "speed": 1}).status_code == 404
    )
    assert small.post("/api/rooms").status_code == 201


# --- hoarding and flooding, on a server of its own: addresses told by a trusted proxy ---

HOARD = {
    "GDVIZ_ROOMS_PER_ADDRESS": "2",
    "GDVIZ_ROOM_IDLE_S": "2",
    "GDVIZ_ROOM_POSTS_PER_ADDRESS": "5",
    "GDVIZ_TRUSTED_PROXIES": "127.0.0.1",  # the tests' own X-Forwarded-For is a proxy's
}


@pytest.fixture(scope="module", params=["memory", "redis"])
def hoard(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Server:
    env = dict(HOARD)
    if request.param == "redis":
        env["GDVIZ_REDIS_URL"] = request.getfixturevalue("redis_url").rsplit("/", 1)[0] + "/4"
    log = tmp_path_factory.mktemp("hoard") / "server.log"
    with running_server(log, env=env) as server:
        yield server


def via(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_one_address_opens_a_few_rooms_at_once(hoard: Server) -> None:
    with httpx.Client(base_url=hoard.url, timeout=30) as api:
        mine = [api.post("/api/rooms", headers=via("10.0.0.1")) for _ in range(2)]
        assert [r.status_code for r in mine] == [201, 201]
        more = api.post("/api/rooms", headers=via("10.0.0.1"))
        assert more.status_code == 429 and "GDVIZ_ROOMS_PER_ADDRESS" in more.json()["detail"]
        assert more.headers["retry-after"]
        # a client naming another address before the proxy's own entry is still itself
        spoof = api.post("/api/rooms", headers=via("10.9.9.9, 10.0.0.1"))
        assert spoof.status_code == 429
        assert api.post("/api/rooms", headers=via("10.0.0.2")).status_code == 201  # another
        first = mine[0].json()
        key = {"Authorization": f"Bearer {first['teacher_key']}"}
        assert api.delete(f"/api/rooms/{first['code']}", headers=key).status_code == 200
        assert api.post("/api/rooms", headers=via("10.0.0.1")).status_code == 201  # a slot again


def test_an_idle_room_closes(hoard: Server) -> None:
    with httpx.Client(base_url=hoard.url, timeout=30) as api:
        made = api.post("/api/rooms", headers=via("10.0.3.1")).json()
        base, key = f"/api/rooms/{made['code']}", {"Authorization": f"Bearer {made['teacher_key']}"}
        follower = Follower(hoard.url, f"{base}/events")
        try:
            for epoch in range(5):  # the teacher's changes keep it open past GDVIZ_ROOM_IDLE_S
                player = {"epoch": epoch, "playing": True, "speed": 1}
                assert api.put(f"{base}/player", json=player, headers=key).status_code == 200
                time.sleep(0.7)
            assert api.get(base).status_code == 200
            idle = time.monotonic()
            _, _, _, data = follower.next("closed", timeout=10)
            assert data == {"code": made["code"], "reason": "idle"}
            assert 1.0 < time.monotonic() - idle < 6.0
            assert api.get(base).status_code == 404
        finally:
            follower.close()


def test_made_up_students_cannot_flood_a_question(hoard: Server) -> None:
    with httpx.Client(base_url=hoard.url, timeout=30) as api:
        made = api.post("/api/rooms", headers=via("10.0.4.1")).json()
        base, key = f"/api/rooms/{made['code']}", {"Authorization": f"Bearer {made['teacher_key']}"}
        asked = api.post(f"{base}/questions", json={"kind": "point", "prompt": "p"}, headers=key)
        qid = asked.json()["id"]

        def answer(student: str, address: str) -> httpx.Response:
            body = {"student": student, "w": 1, "b": 2}
            return api.post(f"{base}/questions/{qid}/answers", json=body, headers=via(address))

        flood = [answer(f"fake{i}", "10.0.5.1") for i in range(8)]
        assert [r.status_code for r in flood] == [201] * 5 + [429] * 3
        assert "GDVIZ_ROOM_POSTS_PER_ADDRESS" in flood[-1].json()["detail"]
        assert answer("real", "10.0.5.2").status_code == 201  # the class, elsewhere, still can
        assert api.get(f"{base}/questions/{qid}").json()["answers"] == 6  # the refused: nothing


def test_a_refused_post_counts_for_nothing(hoard: Server) -> None:
    """Once counted before they were refused, 40 answers to a revealed question cost a student
    their minute's 30 posts."""
    with httpx.Client(base_url=hoard.url, timeout=30) as api:
        made = api.post("/api/rooms", headers=via("10.0.6.1")).json()
        base, key = f"/api/rooms/{made['code']}", {"Authorization": f"Bearer {made['teacher_key']}"}
        body = {"kind": "choice", "prompt": "p", "choices": ["a", "b"]}
        first = api.post(f"{base}/questions", json=body, headers=key).json()["id"]
        api.post(f"{base}/questions/{first}/reveal", headers=key)
        late = {"student": "late", "choice": 0}
        for n in range(40):
            refused = api.post(
                f"{base}/questions/{first}/answers", json=late, headers=via(f"10.1.0.{n}")
            )
            assert refused.status_code == 409
        second = api.post(f"{base}/questions", json=body, headers=key).json()["id"]
        kept = api.post(f"{base}/questions/{second}/answers", json=late, headers=via("10.1.1.1"))
        assert kept.status_code == 201, kept.text
