"""The classroom journey, screen by screen: a teacher walks the ten lesson steps on a 1280×720
projector (and on a laptop), in English and in Korean, and changes a run's learning rate live with
Enter. At every moment the step's view keeps most of the height, nothing covers a view, a path's end
or the field a banner asks to change, and the page never scrolls.

Set GDVIZ_SCREENSHOTS=1 to write the moments that matter to docs/screenshots/ (journey-*.png).
"""

import pytest
from conftest import App, screenshot
from playwright.sync_api import Page, expect
from test_layout import fits_viewport

# Where nothing may lie over a view: its plot's centre and corners and, on the contour, every
# path's end marker and the ★ (contour.js `marks`). Answers what covers any of them.
COVERED = """(focus) => {
  const covered = [];
  for (const v of focus ? [focus] : ['fit', 'loss', 'contour', 'surface']) {
    const el = document.getElementById('chart-' + v), r = el.getBoundingClientRect(), s = el._fullLayout._size;
    const spots = [[s.l + s.w / 2, s.t + s.h / 2], [s.l + 6, s.t + 6], [s.l + s.w - 6, s.t + 6],
                   [s.l + 6, s.t + s.h - 6], [s.l + s.w - 6, s.t + s.h - 6]];
    if (v === 'contour') for (const m of el.querySelector('canvas.trails').marks ?? []) {
      const [x, y] = [(m.l + m.r) / 2, (m.t + m.b) / 2];
      if (x > s.l && x < s.l + s.w && y > s.t && y < s.t + s.h) spots.push([x, y]);
    }
    for (const [x, y] of spots) {
      const at = document.elementFromPoint(r.left + x, r.top + y);
      if (!document.getElementById('view-' + v).contains(at)) covered.push([v, Math.round(x), Math.round(y), at?.id || at?.tagName]);
    }
  }
  return covered;
}"""

# The moments docs/screenshots/ keeps: (projector, language) -> the steps shown.
SHOTS = {(True, "en"): (1, 5, 10), (True, "ko"): (5, 10), (False, "en"): (10,), (False, "ko"): ()}
# The lesson's steps that enlarge a view (lesson-text.js): 4, 6 and 7 show all four.
FOCUS = {1: "fit", 2: "surface", 3: "contour", 5: "contour", 8: "loss", 9: "loss", 10: "contour"}


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def apart(a: dict, b: dict) -> bool:
    return (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def check_step(page: Page, n: int, height: int, projector: bool) -> None:
    """What every screen of step n must show: the step's view most of the height (its plot at least
    200 px, not 70), all four at least 200 px where none is enlarged, nothing over a view, a path's
    end or the lr box, no scrolling."""
    assert page.eval_on_selector("#views", "v => v.dataset.focus ?? null") == FOCUS.get(n)
    assert fits_viewport(page), n
    focus = FOCUS.get(n)
    if focus:
        view = box(page, f"#view-{focus}")["height"]
        plot = page.eval_on_selector(f"#chart-{focus}", "el => el._fullLayout._size.h")
        assert view >= 0.5 * height and plot >= 200, (n, view, plot)
    else:
        charts = [box(page, f"#chart-{v}")["height"] for v in ("fit", "loss", "contour", "surface")]
        assert min(charts) >= 200, (n, charts)
    assert page.evaluate(COVERED, focus) == [], n
    views = box(page, "#views")
    assert apart(box(page, "#lesson"), views), n
    if page.is_visible("#banner"):
        banner = box(page, "#banner")
        assert apart(banner, views), n  # beside or above the views, never over them
        assert apart(banner, box(page, "#lr")), n  # nor over the field its fixes change
        lr = box(page, "#lr")
        at = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.id",
            [lr["x"] + lr["width"] / 2, lr["y"] + lr["height"] / 2],
        )
        assert at == "lr", n
    if projector:
        expect(page.locator("#fullscreen")).to_be_visible()


def step_shown(app: App, n: int) -> None:
    """Step n's run in, then the cursor at its end as the teacher's End ▶| puts it (step 1 waits at
    its start, the guess; a step a room stages at epoch 0 is shown from there too)."""
    page = app.page
    page.wait_for_function(f"document.getElementById('lesson').dataset.step === '{n}'")
    page.wait_for_function(
        "['completed', 'diverged'].includes(document.getElementById('app').dataset.status)"
    )
    if n > 1:
        page.click("#to-end")
    app.wait(playing=False, epoch=int(app.data("received")) if n > 1 else 0)
    page.wait_for_timeout(250)  # the banner's place taken, the charts' resize and repaint


@pytest.mark.parametrize(
    ("width", "height", "projector", "lang"),
    [
        (1280, 720, True, "en"),
        (1280, 720, True, "ko"),
        (1366, 768, False, "en"),
        (1366, 768, False, "ko"),
    ],
)
def test_the_lesson_walked_through_all_ten_steps(
    app: App, page: Page, width: int, height: int, projector: bool, lang: str
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    look = "&projector=1" if projector else ""
    app.open(f"lesson=1&lang={lang}{look}")
    where = "projector" if projector else "laptop"
    for n in range(1, 11):
        step_shown(app, n)
        check_step(page, n, height, projector)
        if n in SHOTS[projector, lang]:
            screenshot(page, f"journey-{where}-step{n}-{lang}-{width}x{height}.png")
        if n < 10:
            page.click("#lesson-next")  # the teacher's Next →
    # step 10 diverges: its banner came with the end of the path, with fixes, beside the view
    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner-fixes button").first).to_be_visible()
    edges = page.eval_on_selector("#chart-contour canvas.trails", "c => c.edges")
    assert edges and edges[0]["box"], edges  # "diverged at epoch 61" drawn, clear of the ends


@pytest.mark.parametrize(
    ("width", "height", "projector", "lang"),
    [(1280, 720, True, "en"), (1366, 768, False, "ko")],
)
def test_enter_in_the_lr_box_changes_the_run_under_way(
    app: App, page: Page, width: int, height: int, projector: bool, lang: str
) -> None:
    """The teacher types a new learning rate during a run and presses Enter: the same job takes it at
    its next epoch (a `change` in the stream, marked beside the loss), and no new run starts."""
    created = []
    page.on(
        "request",
        lambda r: (
            created.append(r.url) if r.method == "POST" and r.url.endswith("/api/jobs") else None
        ),
    )
    page.set_viewport_size({"width": width, "height": height})
    look = "&projector=1" if projector else ""
    app.open(f"lr=0.02&epochs=60&delay_ms=120&speed=live&lang={lang}{look}")
    page.wait_for_function("Number(document.getElementById('app').dataset.received) >= 5")
    job = app.data("job")
    asked = int(app.data("received"))
    page.fill("#lr", "0.2")
    page.press("#lr", "Enter")
    page.wait_for_function("document.getElementById('app').dataset.changeEpoch !== undefined")
    at = int(app.data("changeEpoch"))
    # the next epoch the server trains (it may be a few ahead of what the page has received), as
    # its answer to the change said
    assert asked < at <= asked + 6
    expect(page.locator("#lr-live")).to_contain_text(f"{at}")
    assert app.data("job") == job and app.data("status") == "running"
    app.finished()
    assert app.data("job") == job and len(created) == 1  # the same run, no new one
    lrs = page.eval_on_selector(
        "#chart-loss", "el => el.data.find(t => t.name === 'learning rate').y"
    )
    assert set(lrs[: at - 1]) == {0.02} and set(lrs[at - 1 :]) == {0.2}
    marks = page.eval_on_selector(
        "#chart-loss", "el => el.layout.shapes.filter(s => s.name === 'lr-change').map(s => s.x0)"
    )
    assert marks == [at]  # the change marked beside the loss, at its epoch
    ticks = page.eval_on_selector_all(
        "#chart-loss .y2tick text", "ts => ts.map(t => t.textContent)"
    )
    assert ticks == ["0.02", "0.2"]  # the lr axis reads the two rates
    assert fits_viewport(page) and page.evaluate(COVERED, None) == []
    where = "projector" if projector else "laptop"
    screenshot(page, f"journey-{where}-live-lr-{lang}-{width}x{height}.png")
