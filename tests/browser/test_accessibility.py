"""Accessibility in a real browser: axe-core on every look and mode, charts named and described,
the live region, a keyboard-only session, compared runs told apart without colour vision,
reduced motion, sound.
"""

import itertools
import math
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import App, screenshot
from playwright.sync_api import Page, expect

RACE = "cmp=optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop"
AXE = Axe()


def axe_violations(page: Page) -> list[str]:
    """Every axe-core violation on the page, as "impact rule: targets"."""
    found = AXE.run(page).response["violations"]
    return [f"{v['impact']} {v['id']}: {[n['target'] for n in v['nodes']][:5]}" for v in found]


# (hash, what to do after the run finished): every look and mode a student meets
PAGES = {
    "default": ("speed=live", None),
    "dark": ("speed=live&dark=1", None),
    "projector-light": ("speed=live&projector=1", None),
    "projector-dark": ("speed=live&projector=1&dark=1", None),
    "lesson-step": ("lesson=3&speed=live", None),
    "race": (f"speed=live&{RACE}", None),
    "code-panel": ("speed=live", "#code-toggle"),
    "explain": ("speed=live&epochs=20", "#explain"),
    "table-view": ("speed=live&epochs=20", "#view-loss .table-toggle"),
    "table-view-dark": ("speed=live&epochs=20&dark=1", "#view-fit .table-toggle"),
    "keys-dialog": ("speed=live&epochs=20", "#help-open"),
}


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violations(app: App, page: Page, name: str) -> None:
    hash_, click = PAGES[name]
    app.open(hash_)
    app.to_end()  # the lesson's step plays back at its own speed
    if click:
        page.click(click)
        page.wait_for_timeout(500)
        if click in ("#code-toggle", "#explain"):
            page.wait_for_selector("#code-panel[data-state=ready]")
    # color-contrast included: text ≥ 4.5:1 in this look
    assert axe_violations(page) == []


@pytest.mark.parametrize("kind", ["choice", "point"])
def test_axe_finds_no_violations_on_a_rooms_student_page(
    page: Page, server_url: str, kind: str
) -> None:
    import httpx

    with httpx.Client(base_url=server_url) as api:
        made = api.post("/api/rooms").json()
        auth = {"Authorization": f"Bearer {made['teacher_key']}"}
        job = api.post("/api/jobs", json={"epochs": 20}).json()["id"]
        api.put(f"/api/rooms/{made['code']}/job", json={"job": job}, headers=auth)
        question = {"kind": kind, "prompt": "Where will the run end?"}
        if kind == "choice":
            question |= {"prompt": "lr = 0.5: the loss will…", "choices": ["converge", "diverge"]}
        api.post(f"/api/rooms/{made['code']}/questions", json=question, headers=auth)
    page.goto(f"{server_url}/?room={made['code']}")
    expect(page.locator("#room-prompt")).to_have_text(question["prompt"])
    page.wait_for_timeout(500)
    assert axe_violations(page) == []


NUMBER = r"−?\d+(\.\d+)?(e[+−-]?\d+)?"


def test_charts_are_named_and_described_as_the_run_goes(app: App, page: Page) -> None:
    app.open("epochs=40&speed=live")
    app.finished()
    for view in ("fit", "loss", "contour", "surface"):
        chart = page.locator(f"#chart-{view}")
        expect(chart).to_have_attribute("role", "figure")
        assert chart.get_attribute("aria-label")
        expect(chart).to_have_accessible_description(re.compile(r"epoch 40 of 40"))
    fit = page.locator("#chart-fit")
    expect(fit).to_have_accessible_description(
        re.compile(rf"y = {NUMBER}·x [+−] {NUMBER}, loss {NUMBER}")
    )
    contour = page.locator("#chart-contour")
    expect(contour).to_have_accessible_description(
        re.compile(rf"minimum is at w = {NUMBER}, b = {NUMBER}.*to w = {NUMBER}, b = {NUMBER}")
    )
    # back to epoch 3: the path is still far from the minimum and closing in
    page.click("#reset")
    for _ in range(3):
        page.click("#step-fwd")
    app.wait(epoch=3)
    expect(contour).to_have_accessible_description(
        re.compile(r"epoch 3 of 40.*% of the start's distance.*closing in")
    )
    expect(page.locator("#chart-loss")).to_have_accessible_description(
        re.compile(rf"loss down from {NUMBER} at epoch 1 to {NUMBER} at epoch 3")
    )


def test_description_says_where_a_run_diverged(app: App, page: Page) -> None:
    app.open("lr=5&epochs=60&speed=live")
    app.finished(status="diverged")
    at = re.search(r"epoch (\d+)", page.inner_text("#banner")).group(1)
    for view in ("loss", "contour"):
        expect(page.locator(f"#chart-{view}")).to_have_accessible_description(
            re.compile(f"diverged at epoch {at}")
        )


def test_table_view_shows_the_history_and_takes_focus(app: App, page: Page) -> None:
    app.open(f"epochs=15&speed=live&{RACE}")
    app.wait(status="completed", runs="4", playing=False)
    page.click("#view-contour .table-toggle")
    table = page.locator("#table-contour")
    expect(table).to_be_visible()
    expect(page.locator("#view-contour .table-toggle")).to_have_attribute("aria-pressed", "true")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(4 * 16)  # the start and 15 epochs, per run
    expect(table.locator("thead th")).to_have_text(
        ["epoch", "run", "loss", "w", "b", "∂loss/∂w", "∂loss/∂b"]
    )
    w = page.eval_on_selector("#chart-contour canvas.trails", "c => c.trails[0].x[15]")
    assert float(rows.nth(15).locator("td").nth(2).inner_text()) == pytest.approx(w, rel=1e-3)
    assert table.evaluate("e => e.tabIndex") == 0
    page.click("#step-back")
    app.wait(epoch=14)
    expect(rows).to_have_count(4 * 15)
    page.click("#view-contour .table-toggle")
    expect(table).to_be_hidden()


def test_live_region_says_start_progress_and_end_politely(app: App, page: Page) -> None:
    region = page.locator("#announcer")
    page.add_init_script(
        """
        window.said = [];
        document.addEventListener('DOMContentLoaded', () => {
          new MutationObserver((rs) => { for (const r of rs) for (const n of r.addedNodes)
            window.said.push([performance.now(), n.textContent]); })
            .observe(document.getElementById('announcer'), { childList: true });
        });
        """
    )
    app.open("epochs=120&speed=2")  # 6 s of playback
    app.finished()
    expect(region).to_have_attribute("aria-live", "polite")
    messages = page.evaluate("window.said")
    texts = [t for _, t in messages]
    assert texts[0].startswith("Run started: sgd · sgd"), texts
    assert re.fullmatch(r"Run completed 120 epochs, loss \S+, w = \S+, b = \S+\.", texts[-1]), texts
    progress = [(at, t) for at, t in messages if t.startswith("Epoch ")]
    assert progress, texts
    times = [messages[0][0]] + [at for at, _ in progress]
    assert all(b - a >= 4900 for a, b in itertools.pairwise(times)), times
    # a diverged run says where
    app.open("lr=5&epochs=60&speed=live")
    app.finished(status="diverged")
    at = re.search(r"epoch (\d+)", page.inner_text("#banner")).group(1)
    expect(region).to_contain_text(f"Run diverged at epoch {at}")


def focus_ring(page: Page) -> dict:
    """The focused element and whether it shows a focus outline of at least 2 px."""
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          const s = getComputedStyle(e);
          return { id: e.id, cls: e.className && String(e.className), tag: e.tagName,
                   ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
        }"""
    )


def tab_to(page: Page, selector: str, limit: int = 70, key: str = "Tab") -> list[dict]:
    """Press Tab (or `key`) until `selector` has the focus; every stop on the way, each with a visible ring."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        stop = focus_ring(page)
        stops.append(stop)
        assert stop["ring"], f"no visible focus on {stop}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} not reached in {limit} tabs: {stops}")


def test_keyboard_alone_runs_races_explains_and_picks_a_start(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    # a run: the first stop of the page
    tab_to(page, "#run", limit=1)
    before = page.eval_on_selector("#app", "e => e.dataset.job")
    page.keyboard.press("Enter")
    # a new job started (30 epochs may run and end before a "running" state is ever seen)
    page.wait_for_function("job => document.getElementById('app').dataset.job !== job", arg=before)
    app.finished()
    # a race
    tab_to(page, "#race-optimizers", limit=3)
    page.keyboard.press("Enter")
    app.wait(status="completed", runs="4", playing=False)
    # from the race buttons to the player: the views' own buttons, no Plotly mode bar on the way
    stops = tab_to(page, "#explain")
    assert not [s for s in stops if "modebar" in (s["cls"] or "")], stops
    # explain mode: on, through its phases with the arrows, off with Escape
    page.keyboard.press("Enter")
    expect(page.locator("#explain")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#explain-box")).to_have_attribute("data-phase", "forward")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#explain-box")).to_have_attribute("data-phase", "loss")
    page.keyboard.press("Escape")
    expect(page.locator("#explain")).to_have_attribute("aria-pressed", "false")
    # scrub with the slider's own keys, step with the page's
    tab_to(page, "#scrubber", limit=3)
    page.keyboard.press("Home")
    app.wait(epoch=0)
    page.keyboard.press("ArrowRight")
    app.wait(epoch=1)
    # the table of the loss view, right after its toggle
    tab_to(page, "#view-loss .table-toggle", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#table-loss")).to_be_visible()
    tab_to(page, "#table-loss", limit=1)
    tab_to(page, "#view-loss .table-toggle", limit=1, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#table-loss")).to_be_hidden()
    # a start point on the contour: focus the chart, move the cross, Enter starts a run there
    tab_to(page, "#chart-contour")
    for key in ["ArrowRight"] * 4 + ["Shift+ArrowUp"]:
        page.keyboard.press(key)
    picked = [float(v) for v in page.get_attribute("#chart-contour", "data-pick").split(",")]
    expect(page.locator("#chart-contour .pick-cross")).to_be_visible()
    page.keyboard.press("Enter")
    app.wait(status="completed", runs="4", playing=False)
    rounded = [float(f"{v:.3g}") for v in picked]  # as a click rounds it
    assert f"init_w={rounded[0]}" in page.url and f"init_b={rounded[1]}" in page.url
    # the paths are drawn once the run's surface has come too (it may come after the last epoch)
    page.wait_for_function("document.querySelector('#chart-contour canvas.trails').trails?.length")
    start = page.eval_on_selector("#chart-contour canvas.trails", "c => c.trails[0]")
    assert [start["x"][0], start["y"][0]] == pytest.approx(rounded, abs=1e-6)  # float32
    # share and the lesson
    tab_to(page, "#share-open", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#share")).to_be_visible()
    expect(page.locator("#share-link")).to_contain_text("http")
    page.keyboard.press("Escape")
    expect(page.locator("#share")).to_be_hidden()
    tab_to(page, "#lesson-open", limit=1, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#lesson")).to_be_visible()


def test_keyboard_alone_uploads_a_csv_and_runs_it(app: App, page: Page) -> None:
    # Playwright turns on file-chooser interception without waiting for it: on now, a key press cannot outrun it
    page.on("filechooser", lambda _: None)
    app.open("epochs=20&speed=live")
    app.finished()
    tab_to(page, "#data")
    page.keyboard.type("CSV")  # a closed select's type-ahead: the "CSV upload" source
    expect(page.locator("#upload-file")).to_be_visible()
    tab_to(page, "#upload-file", limit=1)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    csv = "hours,score\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(12))
    chooser.value.set_files([{"name": "marks.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    expect(page.locator("#upload-name")).to_have_text("marks.csv: 12 rows")
    tab_to(page, "#run", key="Shift+Tab")
    job = app.data("job")
    page.keyboard.press("Enter")  # a new job (a short run may pass "running" between two polls)
    page.wait_for_function(
        f"(() => {{ const j = document.getElementById('app').dataset.job; return j && j !== '{job}'; }})()"
    )
    app.finished()
    assert "data=upload" in page.url


# Machado, Oliveira & Fernandes (2009) at severity 1, on linear RGB
SIMULATIONS = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
}
APART = 20  # CIE76 ΔE between any two runs' simulated colours (about 2.3 is just noticeable)


def linear_rgb(color: str) -> list[float]:
    hex_ = color.lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    srgb = [int(hex_[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb]


def lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(1.0, max(0.0, c)) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def simulate(color: str, vision: str) -> tuple[float, float, float]:
    rgb = linear_rgb(color)
    if vision == "achromatopsia":  # luminance only
        y = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
        return lab([y, y, y])
    m = SIMULATIONS[vision]
    return lab([sum(m[i][j] * rgb[j] for j in range(3)) for i in range(3)])


def test_colour_simulation_is_the_published_one() -> None:
    # red and olive, far apart to most eyes, nearly meet without L or M cones; greys stay grey
    assert math.dist(lab(linear_rgb("#ff0000")), lab(linear_rgb("#808000"))) > 90
    for vision in SIMULATIONS:
        assert math.dist(simulate("#ff0000", vision), simulate("#808000", vision)) < 15
    assert simulate("#808080", "deuteranopia") == pytest.approx(lab(linear_rgb("#808080")), abs=0.5)
    assert simulate("#0072B2", "achromatopsia")[1:] == pytest.approx((0, 0), abs=0.01)


def run_styles(page: Page) -> dict[str, list[tuple[str, str, str]]]:
    """(colour, dash, marker) of each compared run, as every view draws it."""
    views = {}
    loss = page.eval_on_selector(
        "#chart-loss",
        "el => [0, 1, 2, 3].map(i => [el.data[3*i+1].line.color, el.data[3*i+1].line.dash, el.data[3*i+2].marker.symbol])",
    )
    views["loss (plotly)"] = loss
    views["loss (canvas)"] = [
        (t.get("color"), t.get("dash"), t.get("marker"))
        for t in page.eval_on_selector("#chart-loss canvas.trails", "c => c.trails")
    ]
    for view in ("contour", "surface"):
        views[f"{view} (legend)"] = page.eval_on_selector(
            f"#chart-{view}",
            "el => el.data.filter(t => t.showlegend !== false && t.type !== 'surface' && t.type !== 'contour')"
            ".map(t => [t.line.color, t.line.dash, (t.marker || {}).symbol || null])",
        )
        views[f"{view} (canvas)"] = [
            (t.get("color"), t.get("dash"), t.get("marker"))
            for t in page.eval_on_selector(f"#chart-{view} canvas.trails", "c => c.trails")
        ]
    fit = []
    for i in range(4):
        page.select_option("#selected-run", str(i))
        page.wait_for_function(
            f"document.getElementById('chart-fit').data[3].line.color === {loss[i][0]!r}"
        )
        fit.append(
            page.eval_on_selector(
                "#chart-fit", "el => [el.data[3].line.color, el.data[3].line.dash, null]"
            )
        )
    views["fit (selected run)"] = fit
    return {k: [tuple(s) for s in v] for k, v in views.items()}


def test_compared_runs_differ_by_more_than_colour_on_every_view(app: App, page: Page) -> None:
    app.open(f"epochs=30&speed=live&{RACE}")
    app.wait(status="completed", runs="4", playing=False)
    styles = run_styles(page)
    loss = styles["loss (plotly)"]
    assert len(loss) == 4
    for view, runs in styles.items():
        assert len({s[1] for s in runs}) == 4, f"{view}: dashes {runs}"
        # the fit view draws one run's line; the 3D legend (WebGL) has no triangles: dashes there
        if view not in ("fit (selected run)", "surface (legend)"):
            assert len({s[2] for s in runs}) == 4, f"{view}: markers {runs}"
        assert [str(s[0]).lower() for s in runs] == [s[0].lower() for s in loss], view
    colours = [s[0] for s in loss]
    for vision in SIMULATIONS:
        for a, b in itertools.combinations(colours, 2):
            gap = math.dist(simulate(a, vision), simulate(b, vision))
            assert gap >= APART, f"{a} and {b} under {vision}: ΔE {gap:.1f}"
    # in grey, the lightness differs too, though the dashes and markers are what tell the runs apart
    for a, b in itertools.combinations(colours, 2):
        gap = abs(simulate(a, "achromatopsia")[0] - simulate(b, "achromatopsia")[0])
        assert gap >= 5, f"{a} and {b} in grey: ΔL {gap:.1f}"


def test_reduced_motion_starts_runs_at_the_end(app: App, page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.add_init_script(
        """
        window.seen = new Set();
        document.addEventListener('DOMContentLoaded', () => {
          const app = document.getElementById('app');
          new MutationObserver(() => window.seen.add(`${app.dataset.epoch}:${app.dataset.playing}`))
            .observe(app, { attributes: true });
        });
        """
    )
    app.open("epochs=60")  # speed 1: 6 s of playback for everyone else
    app.finished()
    assert app.data("epoch") == "60"
    seen = page.evaluate("[...window.seen]")
    assert {s.split(":")[0] for s in seen} <= {"0", "60"}, seen
    assert "true" not in {s.split(":")[1] for s in seen}, seen
    # playback when asked, with its pause control
    page.click("#play")
    app.wait(playing=True)
    expect(page.locator("#play")).to_have_text("Pause")
    expect(page.locator("#play svg")).to_have_attribute("data-icon", "pause")
    page.wait_for_function("Number(document.getElementById('app').dataset.epoch) > 0")
    page.keyboard.press("Space")
    app.wait(playing=False)
    assert 0 < int(app.data("epoch")) < 60


def test_sound_is_off_until_asked_and_its_pitch_follows_the_loss(app: App, page: Page) -> None:
    app.open("epochs=40&speed=live")
    app.finished()
    sound = page.locator("#sound")
    expect(sound).to_have_attribute("aria-pressed", "false")
    assert sound.get_attribute("data-pitch") is None
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "true")
    pitches = []
    page.click("#reset")
    for epoch in (1, 2, 40):
        page.eval_on_selector(
            "#scrubber",
            f"e => {{ e.value = '{epoch}'; e.dispatchEvent(new Event('input')); }}",
        )
        app.wait(epoch=epoch)
        page.wait_for_timeout(120)
        pitches.append(float(sound.get_attribute("data-pitch")))
    assert pitches[0] > pitches[1] > pitches[2] >= 219, pitches  # lower loss, lower pitch


@pytest.mark.screenshots
def test_accessibility_screenshots(app: App, page: Page) -> None:
    """docs/screenshots/{race-greyscale,table-view,focus-contour,focus-button}-1366x768.png."""
    page.set_viewport_size({"width": 1366, "height": 768})
    app.open(f"epochs=40&speed=live&{RACE}")
    app.wait(status="completed", runs="4", playing=False)
    page.add_style_tag(content="html { filter: grayscale(1); }")
    screenshot(page, "race-greyscale-1366x768.png", settle_ms=300)
    page.add_style_tag(content="html { filter: none; }")
    page.click("#view-loss .table-toggle")
    screenshot(page, "table-view-1366x768.png", settle_ms=200)
    page.click("#view-loss .table-toggle")
    page.focus("#view-contour .table-toggle")
    tab_to(page, "#chart-contour", limit=1)
    for key in ["ArrowLeft"] * 3 + ["Shift+ArrowDown"]:
        page.keyboard.press(key)
    screenshot(page, "focus-contour-1366x768.png", settle_ms=200)
    page.focus("#run")
    tab_to(page, "#race-methods", limit=1)
    screenshot(
        page, "focus-button-1366x768.png", clip={"x": 0, "y": 0, "width": 900, "height": 120}
    )
