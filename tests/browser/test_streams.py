"""The page follows all its runs (and its classroom room) on one stream: a race of four runs holds one
connection, and a second tab racing on the same site is not left waiting for one (a browser allows
six per site)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from conftest import App, Watch
from playwright.sync_api import Page, Request, Route, expect

from support import running_server

RACE = "speed=live&cmp=optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of this module's own that trains all eight runs at once: the slow ones only pause
    (``delay_ms``), and must not hold up the other tab's runs in the queue."""
    log_path = tmp_path_factory.mktemp("streams") / "server.log"
    with running_server(log_path, env={"GDVIZ_MAX_RUNNING": "8"}) as server:
        yield server.url


@dataclass
class Streams:
    """The page's event-stream requests: how many were made, how many are open, the most at once."""

    made: list[str] = field(default_factory=list)
    open: int = 0
    most: int = 0
    seen: list[Request] = field(default_factory=list)  # a stream opened before watching is not ours

    def watch(self, page: Page) -> "Streams":
        def started(request: Request) -> None:
            if request.resource_type == "eventsource":
                self.seen.append(request)
                self.made.append(request.url)
                self.open += 1
                self.most = max(self.most, self.open)

        def ended(request: Request) -> None:
            if request in self.seen:
                self.open -= 1

        page.on("request", started)
        page.on("requestfinished", ended)
        page.on("requestfailed", ended)
        return self


def slow_jobs(page: Page, delay_ms: int) -> None:
    """Every job the page creates pauses ``delay_ms`` after each epoch (the API's ``delay_ms``),
    so that its streams stay open while the test looks."""

    def add_delay(route: Route) -> None:
        request = route.request
        if request.method != "POST":
            route.continue_()
            return
        config = {**json.loads(request.post_data or "{}"), "delay_ms": delay_ms}
        route.continue_(post_data=json.dumps(config))

    page.route("**/api/jobs", add_delay)


def runs_received(app: App) -> list[int]:
    """Epochs drawn on the loss chart, per run."""
    lengths = app.trace_lengths("loss")
    return [lengths[3 * i + 1] for i in range(len(lengths) // 3)]


def test_a_race_of_four_runs_holds_one_stream(app: App, page: Page) -> None:
    streams = Streams().watch(page)
    app.open(f"epochs=60&{RACE}")
    app.wait(status="completed", runs="4", playing=False)
    assert runs_received(app) == [60] * 4
    assert streams.most == 1, streams.made
    assert all("/api/streams?jobs=" in url for url in streams.made), streams.made
    assert (
        len(streams.made) <= 4
    )  # the first run, then the others join it (on a busy machine, one by one)
    for _ in range(100):  # the page closes its stream after the last done
        if streams.open == 0:
            break
        page.wait_for_timeout(20)
    assert streams.open == 0


def test_a_second_tab_races_while_the_first_still_runs(app: App, page: Page, watch: Watch) -> None:
    racing = "(document.getElementById('chart-loss').data || []).filter((t, i) => i % 3 === 1 && t.x.length).length === 4"
    # the second tab is loaded first: on a busy machine loading the page takes longer than a race
    page.set_default_timeout(60_000)
    second_page = page.context.new_page()
    second_page.set_default_timeout(60_000)
    second_page.on("pageerror", lambda e: watch.errors.append(f"second tab: uncaught: {e}"))
    second = App(second_page, app.base).open("epochs=1&speed=live")
    second.finished()
    second_streams = Streams().watch(second_page)
    slow_jobs(page, delay_ms=200)  # the first tab's runs take 12 s: the overlap is sure
    slow_jobs(second_page, delay_ms=10)
    first = Streams().watch(page)
    app.open(f"epochs=60&{RACE}")
    page.wait_for_function(racing)
    second_page.evaluate(f"location.hash = 'epochs=60&{RACE}'")
    second_page.wait_for_function(racing)
    # both tabs stream at once: the second did not wait for the first one's runs to end
    assert first.open == 1 and min(runs_received(app)) < 60, runs_received(app)
    for tab in (app, second):
        tab.wait(status="completed", runs="4", playing=False)
        assert runs_received(tab) == [60] * 4
    assert first.most == second_streams.most == 1


def test_a_student_in_a_room_follows_a_race_and_the_room_on_one_stream(
    app: App, page: Page, watch: Watch
) -> None:
    """The room joins the page's one stream: a student following a race of four, with a second tab
    racing too, holds two connections of the six a browser allows per site."""
    racing = "(document.getElementById('chart-loss').data || []).filter((t, i) => i % 3 === 1 && t.x.length).length === 4"
    page.set_default_timeout(60_000)
    with httpx.Client(base_url=app.base, timeout=30) as api:
        made = api.post("/api/rooms").json()
        code, teacher = made["code"], {"Authorization": f"Bearer {made['teacher_key']}"}
        optimizers = ("sgd", "momentum", "adam", "rmsprop")
        ids = [
            api.post("/api/jobs", json={"epochs": 60, "delay_ms": 300, "optimizer": o}).json()["id"]
            for o in optimizers
        ]
        run = {"job": ids[0], "race": ids[1:]}
        assert api.put(f"/api/rooms/{code}/job", json=run, headers=teacher).is_success
        player = {"epoch": 0, "playing": True, "speed": 64}
        assert api.put(f"/api/rooms/{code}/player", json=player, headers=teacher).is_success
        streams = Streams().watch(page)
        page.goto(f"{app.base}/?room={code}")
        page.wait_for_function(racing)
        second_page = page.context.new_page()
        second_page.set_default_timeout(60_000)
        second_page.on("pageerror", lambda e: watch.errors.append(f"second tab: uncaught: {e}"))
        second_streams = Streams().watch(second_page)
        slow_jobs(second_page, delay_ms=100)
        App(second_page, app.base).open(f"epochs=60&{RACE}")
        second_page.wait_for_function(racing)
        assert streams.open + second_streams.open <= 2  # of six
        question = {"kind": "choice", "prompt": "Which one wins?", "choices": ["sgd", "adam"]}
        asked = api.post(f"/api/rooms/{code}/questions", json=question, headers=teacher)
        assert asked.is_success, asked.text
    expect(page.locator("#room-prompt")).to_have_text("Which one wins?")  # on the same stream
    assert streams.most == 1 and second_streams.most == 1, (streams.made, second_streams.made)
    assert all("/api/streams?" in url for url in streams.made), streams.made
    assert all(f"room={code}" in url for url in streams.made), streams.made
    assert len(streams.made) <= 4  # the room, then the race's runs joining it
