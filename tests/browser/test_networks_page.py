"""The page's networks (issue 25): a network's curve on the fit view, its path on a random plane
while it trains and on the PCA plane once it has ended, the note saying what the plane is, and a
race of two seeds on one plane (core/models.js, runs.js, views/contour.js, views/readout.js)."""

import math

import httpx
import pytest
from conftest import App, screenshot
from playwright.sync_api import Page, expect

SINE = "model=mlp&curve=sine&x_step=0.1&true_w=2&true_b=0&noise=0.2&optimizer=adam&speed=live"


def contour_state(page: Page) -> dict:
    return page.eval_on_selector(
        "#chart-contour",
        "el => ({x: el.data[0].x, y: el.data[0].y, title: el._fullLayout.xaxis.title.text})",
    )


def network(params: list[float], hidden: int, x: float) -> float:
    w1, b1 = params[:hidden], params[hidden : 2 * hidden]
    w2, b2 = params[2 * hidden : 3 * hidden], params[3 * hidden]
    return b2 + sum(v * math.tanh(w * x + b) for w, b, v in zip(w1, b1, w2, strict=True))


@pytest.mark.timeout(120)
@pytest.mark.xfail(
    reason="intermittent: about one run in five the page stops answering (Playwright's evaluate "
    "waits past the timeout) while the live random plane refreshes; open in issue 25",
    raises=pytest.fail.Exception,
    strict=False,
)
def test_a_network_runs_live_on_a_random_plane_then_ends_on_the_pca_plane(
    app: App, page: Page, server_url: str
) -> None:
    app.open(f"{SINE}&hidden=16&activation=tanh&lr=0.03&epochs=40&delay_ms=150")
    # while it trains (6 s): a random plane, the path on it, the note naming it
    page.wait_for_function(
        "document.getElementById('chart-contour')._fullLayout?.xaxis?.title?.text"
        " === 'random direction 1'"
    )
    running = page.eval_on_selector("#app", "e => [e.dataset.status, e.dataset.received]")
    note = page.text_content("#slice-note-contour")
    assert running[0] == "running" and int(running[1]) < 40
    assert note.startswith("a plane through 2 of 49 dimensions (two random filter-normalised")
    assert "through the start" in note
    expect(page.locator("#plane-help")).to_be_visible()
    screenshot(page, "network-random-plane.png")
    app.finished()
    # at the end: the PCA plane, its axes the path's principal directions
    expect(page.locator("#slice-note-contour")).to_contain_text("principal directions")
    expect(page.locator("#slice-note-contour")).to_contain_text("the path is 0 off it at epoch 40")
    grid = contour_state(page)
    assert grid["title"] == "PC 1 (path)"
    job = app.data("job")
    plane = httpx.get(f"{server_url}/api/jobs/{job}/surface", params={"plane": "pca"}).json()
    assert grid["x"] == plane["a"] and grid["y"] == plane["b"]
    trail = app.trails("contour")[0]
    assert len(trail["x"]) == 41  # the start and 40 epochs, each on the plane
    for (a, b, off), x, y, o in zip(
        plane["path"], trail["x"], trail["y"], trail["off"], strict=True
    ):
        assert abs(a - x) < 1e-6 and abs(b - y) < 1e-6 and abs(off - o) < 1e-6
    # the fit view draws the network's own curve
    params = httpx.get(f"{server_url}/api/jobs/{job}").json()["done"]["params"]
    xs, ys = page.eval_on_selector("#chart-fit", "el => [el.data[3].x, el.data[3].y]")
    assert len(xs) == 200
    for x, y in zip(xs[::25], ys[::25], strict=True):
        assert abs(y - network(params, 16, x)) < 1e-6 * (1 + abs(y))
    assert "49 parameters" in page.text_content("#readout")
    screenshot(page, "network-pca-plane.png")
    # a click on the plane starts nothing: a network starts from its seed, not from (a, b)
    expect(page.locator("#view-contour .view-head .hint")).to_be_hidden()
    expect(page.locator("#explain")).to_be_hidden()  # a network's update is not one (w, b) step
    box = page.locator("#chart-contour .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    page.wait_for_timeout(300)  # a run it started would have replaced the job by now
    assert app.data("job") == job and "init_w" not in page.evaluate("location.hash")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_plane_note_and_its_help_in_both_languages(app: App, page: Page, lang: str) -> None:
    page.set_viewport_size(
        {"width": 1920, "height": 1080} if lang == "en" else {"width": 1366, "height": 768}
    )
    app.open(f"{SINE}&hidden=16&activation=relu&lr=0.1&epochs=60&lang={lang}")
    app.finished()
    note = page.locator("#slice-note-contour")
    if lang == "en":
        expect(note).to_contain_text("a plane through 2 of 49 dimensions (the path's top two")
        expect(note).to_contain_text("the path is")
        expect(page.locator("#slice-note-surface")).to_have_text(
            page.text_content("#slice-note-contour")
        )
        page.click("#plane-help summary")
        expect(page.locator("#plane-help p")).to_contain_text("cannot show the other dimensions")
    else:
        expect(note).to_contain_text("49차원 가운데 2차원을 지나는 평면 (경로의 두 주성분 방향")
        expect(note).to_contain_text("떨어져 있습니다")
        page.click("#plane-help summary")
        expect(page.locator("#plane-help p")).to_contain_text("다른 차원은 보여 줄 수 없습니다")
    screenshot(page, f"network-plane-note-{lang}.png")
    other = {"width": 1366, "height": 768} if lang == "en" else {"width": 1920, "height": 1080}
    page.set_viewport_size(other)
    screenshot(page, f"network-plane-note-{lang}-{other['width']}.png", settle_ms=500)


def test_two_seeds_race_to_two_minima_on_one_plane(app: App, page: Page, server_url: str) -> None:
    app.open()
    page.select_option("#lab-preset", "netSeeds")
    app.to_end(runs=2)
    trails = app.trails("contour")
    assert len(trails) == 2
    assert all(len(t["x"]) == 401 for t in trails)  # both paths on the first run's plane
    jobs = page.eval_on_selector("#app", "e => e.dataset.jobs").split(",")
    losses = [httpx.get(f"{server_url}/api/jobs/{j}").json()["done"]["loss"] for j in jobs]
    assert abs(losses[0] - losses[1]) > 0.02  # two minima
    assert max(trails[1]["off"]) > 0  # the second path is off the first's plane
    screenshot(page, "network-two-seeds.png")
