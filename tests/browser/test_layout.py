"""Layout at 1920×1080, 1366×768 and on a phone; screenshots of a finished run and a comparison.

Set GDVIZ_SCREENSHOTS=1 to write them to docs/screenshots/ (otherwise none are taken).
"""

import pytest
from conftest import App, screenshot
from playwright.sync_api import Page, expect

SIZES = [(1920, 1080), (1366, 768)]


def fits_viewport(page: Page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollHeight <= innerHeight && document.scrollingElement.scrollWidth <= innerWidth"
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_finished_run_fits_the_screen(app: App, page: Page, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    app.open("speed=live&resid=1")
    app.finished()
    page.wait_for_timeout(400)  # the 3D view draws throttled
    assert fits_viewport(page)
    min_font = page.evaluate(
        "Math.min(...[...document.querySelectorAll('body *')].filter(e => e.offsetParent && e.childNodes.length && "
        "[...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert min_font >= 14
    screenshot(page, f"run-{width}x{height}.png")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_comparison_fits_the_screen(app: App, page: Page, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    app.open(
        "epochs=60&speed=live&cmp=optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop"
    )
    app.wait(status="completed", runs="4", playing=False)
    page.wait_for_timeout(400)
    assert fits_viewport(page)
    screenshot(page, f"compare-{width}x{height}.png")


def test_phone_stacks_the_views(app: App, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    app.open("epochs=30&speed=live")
    app.finished()
    boxes = [
        page.locator(f"#view-{v}").bounding_box() for v in ("fit", "loss", "contour", "surface")
    ]
    assert all(b["width"] > 340 for b in boxes)
    assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes) and boxes[1]["y"] >= boxes[0][
        "y"
    ] + boxes[0]["height"]
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    screenshot(page, "phone-390x844.png", full_page=True)


RACE = "cmp=optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop"
TOOLS = (
    "#show-residuals",
    "#show-lsq",
    "#log-scale",
    "#show-arrows",
    "#race-methods",
    "#race-optimizers",
)


def one_row(page: Page, selector: str) -> bool:
    """Whether every visible child of `selector` shares one line: each starts above where any ends."""
    return page.evaluate(
        f"""(() => {{ const boxes = [...document.querySelector('{selector}').children]
          .filter(e => e.offsetParent && e.id !== 'room-bar').map(e => e.getBoundingClientRect());
          return Math.max(...boxes.map(b => b.top)) < Math.min(...boxes.map(b => b.bottom)); }})()"""
    )


@pytest.mark.parametrize("projector", [False, True])
def test_the_top_bar_keeps_one_row_at_1920(app: App, page: Page, projector: bool) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    app.open(f"epochs=40&speed=live&{RACE}{'&projector=1' if projector else ''}")
    app.wait(status="completed", runs="4", playing=False)
    assert page.is_visible("#single")  # a race: its "Single run" button is in the bar too
    assert one_row(page, "#topbar")
    for tool in TOOLS:  # the teacher's tools one click away, in projector mode too
        assert page.is_visible(tool), tool


def test_a_1280x720_projector_with_the_lesson_and_a_race_keeps_every_chart_200px_high(
    app: App, page: Page
) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    app.open(
        "lesson=4&projector=1&lang=en"
    )  # step 4 races the manual update against torch.optim.SGD
    app.to_end(runs=2)
    page.wait_for_timeout(400)
    assert fits_viewport(page)
    heights = [
        page.locator(f"#chart-{c}").bounding_box()["height"]
        for c in ("fit", "loss", "contour", "surface")
    ]
    assert min(heights) >= 200, heights
    for tool in TOOLS:
        assert page.is_visible(tool), tool
    page.click("#show-residuals")  # one click: on, in the URL
    assert "resid=1" in page.url
    screenshot(page, "projector-lesson-race-1280x720.png")


def test_the_phone_lesson_caption_reads_as_text_above_the_views(app: App, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    app.open("lesson=2&lang=en")
    app.to_end()
    caption = page.locator("#lesson-caption")
    box = caption.bounding_box()
    line = page.eval_on_selector(
        "#lesson-caption", "e => parseFloat(getComputedStyle(e).lineHeight)"
    )
    chars_per_line = len(caption.inner_text()) / round(box["height"] / line)
    assert chars_per_line >= 20
    assert box["y"] + box["height"] <= page.locator("#views").bounding_box()["y"]
    screenshot(page, "phone-lesson-390x844.png", full_page=True)


# Where the 3D box's corners land on screen, by the scene's own camera: Plotly writes each axis
# title just outside the box's edge, so a corner outside the chart is a title cut off.
BOX_CORNERS = """el => {
  const fl = el._fullLayout, scene = fl.scene._scene, cam = scene.glplot.cameraParams;
  const times = (a, b) => { const o = new Array(16);
    for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++)
      o[4 * c + r] = a[r] * b[4 * c] + a[4 + r] * b[4 * c + 1] + a[8 + r] * b[4 * c + 2] + a[12 + r] * b[4 * c + 3];
    return o; };
  const m = times(cam.projection, times(cam.view, cam.model));
  const [sx, sy, sz] = scene.dataScale, dom = fl.scene.domain, size = fl._size;
  const left = size.l + dom.x[0] * size.w, top = size.t + (1 - dom.y[1]) * size.h;
  const width = (dom.x[1] - dom.x[0]) * size.w, height = (dom.y[1] - dom.y[0]) * size.h;
  const out = [];
  for (const x of fl.scene.xaxis.range) for (const y of fl.scene.yaxis.range) for (const z of fl.scene.zaxis.range) {
    const [X, Y, Z] = [x * sx, y * sy, z * sz], w = m[3] * X + m[7] * Y + m[11] * Z + m[15];
    out.push([left + ((m[0] * X + m[4] * Y + m[8] * Z + m[12]) / w + 1) / 2 * width,
              top + (1 - (m[1] * X + m[5] * Y + m[9] * Z + m[13]) / w) / 2 * height]);
  }
  return { corners: out, width: fl.width, height: fl.height };
}"""


@pytest.mark.parametrize(
    ("width", "height", "hash_"),
    [
        (1920, 1080, "speed=live"),
        (1366, 768, "speed=live"),
        (1280, 720, "speed=live&projector=1&lesson=4"),
        (390, 844, "speed=live"),
    ],
)
def test_the_3d_box_and_its_axis_titles_stay_inside_the_view(
    app: App, page: Page, width: int, height: int, hash_: str
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    app.open(hash_)
    app.to_end()  # the lesson's step plays back for 5 s
    page.wait_for_function("document.getElementById('chart-surface')._fullLayout?.scene?._scene")
    page.wait_for_timeout(600)  # the scene fits itself to the view after drawing
    box = page.eval_on_selector("#chart-surface", BOX_CORNERS)
    margin = 16  # about a line: the axis title beyond the box's edge (without the scene's own
    # fitting, a 1280×720 projector's bottom corner came within 15 px of the edge)
    for x, y in box["corners"]:
        assert margin <= x <= box["width"] - margin and margin <= y <= box["height"] - margin, box


@pytest.mark.parametrize(
    ("width", "height", "hash_"),
    [(1280, 720, "projector=1&arrows=1"), (1366, 768, "arrows=1"), (390, 844, "arrows=1")],
)
def test_the_contours_labels_stay_inside_the_plot_and_apart(
    app: App, page: Page, width: int, height: int, hash_: str
) -> None:
    """The eigen-axes' λ labels and the arrows' scale, however small the plot (contourlab.js)."""
    page.set_viewport_size({"width": width, "height": height})
    app.open(f"seed=2021&mode=manual&epochs=20&speed=live&{hash_}")
    app.finished()
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').lab?.axes?.every(a => a.label)"
    )
    drawn = page.eval_on_selector(
        "#chart-contour",
        """el => { const fl = el._fullLayout, c = el.querySelector('canvas.trails');
          return { plot: { l: fl.xaxis._offset, r: fl.xaxis._offset + fl.xaxis._length,
                           t: fl.yaxis._offset, b: fl.yaxis._offset + fl.yaxis._length },
                   boxes: [...c.lab.axes.map(a => a.box), c.gradients.box] }; }""",
    )
    plot, boxes = drawn["plot"], drawn["boxes"]
    assert all(boxes), boxes  # every label drawn, the arrows' scale too
    for box in boxes:
        assert plot["l"] <= box["l"] < box["r"] <= plot["r"], (box, plot)
        assert plot["t"] <= box["t"] < box["b"] <= plot["b"], (box, plot)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"]
            assert apart, (a, b)


def test_a_narrow_3d_view_for_its_font_drops_its_tick_labels(app: App, page: Page) -> None:
    """A projector's four views at 1440×900 (245 px high at 22 px type): the axis titles stay, the
    crowding numbers go; without the projector the same view is 318 px high at 14 px, room enough."""
    page.set_viewport_size({"width": 1440, "height": 900})
    app.open("projector=1&speed=live")
    app.finished()
    page.wait_for_function(
        "document.getElementById('chart-surface')._fullLayout.scene.xaxis.showticklabels === false"
    )
    page.keyboard.press("p")
    page.wait_for_function(
        "document.getElementById('chart-surface')._fullLayout.scene.xaxis.showticklabels === true"
    )


RACE4 = "epochs=30&speed=live&cmp=optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop"
LEGENDS = """() => Object.fromEntries(['loss', 'contour', 'surface'].map(v => {
  const fl = document.getElementById('chart-' + v)._fullLayout;
  return [v, { shown: fl.showlegend, orientation: fl.showlegend ? fl.legend.orientation : null }]; }))"""


@pytest.mark.parametrize(
    ("width", "height", "hash_", "row"),
    [(1366, 768, RACE4, True), (1280, 720, f"projector=1&{RACE4}", False)],
)
def test_a_races_legend_leaves_the_plots_their_room(
    app: App, page: Page, width: int, height: int, hash_: str, row: bool
) -> None:
    """In a row over each plot where it fits; in a narrow view, inside the loss curve's corner and
    left out of the contour and 3D views (theme.js raceLegend)."""
    page.set_viewport_size({"width": width, "height": height})
    app.open(hash_)
    app.wait(status="completed", runs="4", playing=False)
    legends = page.evaluate(LEGENDS)
    if row:
        assert all(lg == {"shown": True, "orientation": "h"} for lg in legends.values()), legends
    else:
        assert legends == {
            "loss": {"shown": True, "orientation": "v"},
            "contour": {"shown": False, "orientation": None},
            "surface": {"shown": False, "orientation": None},
        }
    for view in ("loss", "contour"):  # the plot keeps most of its view's height
        share = page.eval_on_selector(
            f"#chart-{view}", "el => el._fullLayout._size.h / el._fullLayout.height"
        )
        assert share > 0.5, (view, share)


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_projector_mode_keeps_the_full_screen_button(
    app: App, page: Page, width: int, height: int
) -> None:
    """docs/classroom.md promises it: P, then one click to fill the screen (and one to leave)."""
    page.set_viewport_size({"width": width, "height": height})
    app.open("projector=1&lesson=3")
    app.finished()
    button = page.locator("#fullscreen")
    expect(button).to_be_visible()
    button.click()
    page.wait_for_function("document.fullscreenElement === document.documentElement")
    button.click()
    page.wait_for_function("document.fullscreenElement === null")
