"""Reading a JSON body and answering what it gets wrong, bounded (``routes/bodies.py``): in
process, on the app's own routes (no server: what is tested is the answer, not the transport)."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from gdviz.app import create_app
from gdviz.routes.bodies import MAX_ERRORS, MAX_KEYS, parse, trimmed
from gdviz.settings import Settings


class App:
    """The app without its lifespan (nothing trains; the routes answer), called in process."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.request(method, path, **kwargs)

        with ThreadPoolExecutor(1) as thread:  # its own event loop
            return thread.submit(asyncio.run, call()).result()

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(scope="module")
def app() -> App:
    return App(create_app(Settings()))


def test_an_object_with_too_many_keys_is_refused_as_it_is_parsed():
    assert parse(json.dumps({f"k{i}": i for i in range(MAX_KEYS)}).encode())
    with pytest.raises(RequestValidationError) as refused:
        parse(json.dumps({"init": {f"k{i}": i for i in range(500)}}).encode())
    (error,) = refused.value.errors()
    assert error["loc"] == ("body",) and "500 keys" in error["msg"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"init": {f"{i:x}": 0 for i in range(90_000)}}, "keys"),  # 0.83 MB
        ({"epochs": [1] * 100_000}, "items"),
    ],
)
def test_a_body_far_wider_than_any_is_refused_before_it_is_parsed(body: dict, words: str):
    with pytest.raises(RequestValidationError) as refused:
        parse(json.dumps(body).encode())
    (error,) = refused.value.errors()
    assert error["loc"] == ("body",) and words in error["msg"]
    points = {"dataset": {"kind": "points", "x": [1.5] * 10_000, "y": [2.5] * 10_000}}
    assert parse(json.dumps(points).encode()) == points  # the widest a job takes


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"prompt": "\xff\xfe"}', "UTF-8"),
        (b"[" * 1000 + b"]" * 1000, "nested"),
        (b'{"epochs": 1' + b"0" * 4400 + b"}", "digits"),
    ],
)
def test_what_cannot_be_read_is_a_field_error(raw: bytes, words: str):
    with pytest.raises(RequestValidationError) as refused:
        parse(raw)
    (error,) = refused.value.errors()
    assert error["loc"] == ("body",) and words in error["msg"] and error["type"] == "json_invalid"


def test_errors_are_few_and_short():
    errors = [
        {
            "loc": ("body", "k" * 200_000),
            "msg": f"bad '{'x' * 10**5}'",
            "type": "t",
            "input": "y" * 10**5,
        }
        for _ in range(1000)
    ]
    errors[0]["ctx"] = {"tag": "z" * 10**6, "limit": 3}
    answered = trimmed(errors)
    assert len(answered) == MAX_ERRORS + 1
    assert answered[-1]["msg"] == f"and {1000 - MAX_ERRORS} more errors like these"
    assert len(json.dumps(answered)) < 4000
    assert answered[0]["ctx"]["limit"] == 3 and len(answered[0]["ctx"]["tag"]) < 120


@pytest.mark.parametrize(
    "raw",
    [b'{"epoch": 1, "playing": true, "speed": "\xff"}', b"[" * 1000 + b"]" * 1000],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "job"), ("PUT", "player"), ("POST", "questions"), ("POST", "runs")],
)
def test_a_room_route_answers_an_unreadable_body_as_a_declared_422(
    app: App, raw: bytes, method: str, path: str
):
    made = app.post("/api/rooms").json()
    headers = {"Authorization": f"Bearer {made['teacher_key']}", "Content-Type": "application/json"}
    r = app.request(method, f"/api/rooms/{made['code']}/{path}", content=raw, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body"]
    app.delete(f"/api/rooms/{made['code']}", headers=headers)


def test_a_big_integer_is_a_field_error_not_an_undeclared_400(app: App):
    raw = b'{"epochs": 1' + b"0" * 4400 + b"}"
    r = app.post("/api/jobs", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body"], r.text
