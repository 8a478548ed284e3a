"""The contour and 3D views at every epoch: the window fits the path up to the epoch shown, diverged
runs are marked at the edge and in the legend, the gradient arrow is the gradient where it is drawn,
mini-batch steps are drawn (viewwindow.js, contour.js, surface3d.js, history.js)."""

import math

import pytest
import torch
from conftest import App, screenshot
from playwright.sync_api import Page, expect

import seed_loops

DIVERGING = "seed=2021&mode=sgd&lr=0.5&epochs=100&speed=live"


def scrub(app: App, epoch: int) -> None:
    app.page.eval_on_selector(
        "#scrubber", f"el => {{ el.value = '{epoch}'; el.dispatchEvent(new Event('input')); }}"
    )
    app.wait(epoch=epoch, playing=False)


def contour_range(page: Page) -> tuple[list[float], list[float]]:
    return page.eval_on_selector(
        "#chart-contour", "el => [el._fullLayout.xaxis.range, el._fullLayout.yaxis.range]"
    )


def wait_window(page: Page, condition: str) -> None:
    """Until the contour's axes (x0, x1, y0, y1) meet `condition` (a JS expression)."""
    page.wait_for_function(
        "(() => { const fl = document.getElementById('chart-contour')._fullLayout;"
        " const [x0, x1] = fl.xaxis.range, [y0, y1] = fl.yaxis.range;"
        f" return {condition}; }})()"
    )


def loss_axis(page: Page) -> str:
    return page.eval_on_selector("#chart-loss", "el => el._fullLayout.yaxis.type")


def test_a_diverging_run_scrubbed_back_is_readable(app: App, page: Page) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    app.open(DIVERGING)
    app.finished(status="diverged")
    history = [h for h in seed_loops.sgd(lr=0.5) if math.isfinite(h[0])]
    last_w = history[-1][1]
    # at its end: the last finite points in view, and where it went marked at the edge
    wait_window(page, f"x0 <= {min(last_w, history[-2][1])} && x1 >= {max(last_w, history[-2][1])}")
    edges = page.eval_on_selector("#chart-contour canvas.trails", "c => c.edges")
    assert len(edges) == 1 and f"diverged at epoch {len(history) + 1}" in edges[0]["text"]
    assert loss_axis(page) == "log"  # the loss spans far more than three decades
    # back to epoch 5: epochs 0–5 at their own scale, not the end's
    scrub(app, 5)
    ws = [h[1] for h in history[:5]]
    wait_window(page, f"x1 - x0 < 4 * {max(ws) - min(ws)} && x0 <= {min(ws)} && x1 >= {max(ws)}")
    trail = app.page.eval_on_selector("#chart-contour canvas.trails", "c => c.trails[0]")
    assert trail["x"][1:] == pytest.approx(ws, rel=1e-6)
    assert page.eval_on_selector("#chart-contour canvas.trails", "c => c.edges") == []
    page.wait_for_function(
        "document.getElementById('chart-loss')._fullLayout.yaxis.type === 'linear'"
    )  # epochs 1–5 span less than three decades
    # the 3D view shows the same window
    page.wait_for_function(
        f"(() => {{ const x = document.getElementById('chart-surface').data[0].x;"
        f" return x.length && x[x.length - 1] - x[0] < 4 * {max(ws) - min(ws)}; }})()"
    )
    screenshot(page, "diverging-epoch5-1920.png", settle_ms=500)


def test_a_race_survives_one_diverging_run(app: App, page: Page) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    app.open("seed=2021&mode=sgd&epochs=100&speed=live&cmp=lr:0.1,lr:0.5,lr:0.6")
    app.wait(status="diverged", runs="3", playing=False)
    fine = seed_loops.sgd(lr=0.1)
    ws = [h[1] for h in fine]
    # the shared window fits the run that stays finite (equal scales may widen it up to 3 times)
    wait_window(page, f"x1 - x0 < 30 * {max(ws) - min(ws)}")
    edges = page.eval_on_selector("#chart-contour canvas.trails", "c => c.edges")
    assert len(edges) == 2 and all("diverged at epoch" in e["text"] for e in edges)
    names = app.trace_names("contour")[2:]
    assert "diverged" not in names[0] and all("diverged at epoch" in n for n in names[1:])
    assert all("diverged at epoch" in n for n in app.trace_names("surface")[2:])
    banner = page.locator("#banner")
    labels = page.eval_on_selector_all("#selected-run option", "os => os.map(o => o.textContent)")
    for label in labels[1:]:
        expect(banner).to_contain_text(label)  # every diverged run, not only the last to stop
    assert banner.inner_text().count("at epoch") == 2
    screenshot(page, "race-diverged-1920.png")


def test_the_gradient_arrow_is_drawn_where_it_was_taken(app: App, page: Page) -> None:
    app.open("seed=2021&mode=manual&epochs=20&arrows=1&speed=live")
    app.finished()
    history = seed_loops.manual(epochs=20)
    X, Y = seed_loops.seed_data()
    torch.manual_seed(2021)
    torch.randn(X.shape)
    start = (torch.randn([1, 1]).item(), torch.randn([1, 1]).item())
    points = [start] + [(h[1], h[2]) for h in history]

    def grad_at(w: float, b: float) -> tuple[float, float]:
        tw = torch.tensor(w, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True)
        seed_loops.criterion(X * tw + tb, Y).backward()
        return tw.grad.item(), tb.grad.item()

    for k in (0, 1, 5):
        scrub(app, k)
        drawn = page.eval_on_selector("#chart-contour canvas.trails", "c => c.gradients")
        arrow = drawn["arrows"][0]
        at = points[max(0, k - 1)]  # w_{k−1}: where epoch k's gradient was taken; the start at 0
        assert (arrow["w"], arrow["b"]) == pytest.approx(at, rel=1e-5)
        assert (arrow["grad_w"], arrow["grad_b"]) == pytest.approx(grad_at(*at), rel=1e-3, abs=1e-4)
        scale = drawn["scale"]
        assert math.log10(scale) == pytest.approx(round(math.log10(scale)))  # a power of ten
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').gradients.scale > 0"
    )


def test_step_granularity_draws_the_steps(app: App, page: Page) -> None:
    app.open("seed=2021&mode=minibatch&batch_size=5&granularity=step&epochs=10&speed=live")
    app.finished()
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').trails[0]?.x.length === 41"
    )  # the start and 4 steps in each of 10 epochs
    page.wait_for_function(
        "document.querySelector('#chart-surface canvas.trails').trails[0]?.x.length === 41"
    )
    scrub(app, 2)
    assert len(app.trails("contour")[0]["x"]) == 9


# The screen point (page coordinates) of a data point of the 3D scene, by the scene's own camera.
PROJECT_3D = """([w, b, z]) => {
  const el = document.getElementById('chart-surface'), fl = el._fullLayout;
  const scene = fl.scene._scene, cam = scene.glplot.cameraParams;
  const times = (a, c) => { const o = new Array(16);
    for (let i = 0; i < 4; i++) for (let r = 0; r < 4; r++)
      o[4 * i + r] = a[r] * c[4 * i] + a[4 + r] * c[4 * i + 1] + a[8 + r] * c[4 * i + 2] + a[12 + r] * c[4 * i + 3];
    return o; };
  const m = times(cam.projection, times(cam.view, cam.model));
  const [sx, sy, sz] = scene.dataScale, dom = fl.scene.domain, size = fl._size, box = el.getBoundingClientRect();
  const left = box.left + size.l + dom.x[0] * size.w, top = box.top + size.t + (1 - dom.y[1]) * size.h;
  const width = (dom.x[1] - dom.x[0]) * size.w, height = (dom.y[1] - dom.y[0]) * size.h;
  const [X, Y, Z] = [w * sx, b * sy, z * sz], q = m[3] * X + m[7] * Y + m[11] * Z + m[15];
  return [left + ((m[0] * X + m[4] * Y + m[8] * Z + m[12]) / q + 1) / 2 * width,
          top + (1 - (m[1] * X + m[5] * Y + m[9] * Z + m[13]) / q) / 2 * height];
}"""


def test_the_3d_surface_is_drawn_on_its_own_grid_and_hover_reads_it(app: App, page: Page) -> None:
    """The page keeps Plotly from interpolating the grid (surface3d.js): the mesh is the grid
    itself, and hovering over a grid point reads that point's w, b and loss."""
    page.set_viewport_size({"width": 1920, "height": 1080})  # grid cells 8 px apart or more
    app.open("seed=2021&epochs=20&speed=live")
    app.finished()
    page.wait_for_function(
        "Object.values(document.getElementById('chart-surface')._fullLayout.scene._scene.traces)"
        ".some(t => t.refineData === false && t.data.z.length > 2)"
    )
    w, b, z = page.eval_on_selector(
        "#chart-surface", "el => [el.data[0].x, el.data[0].y, el.data[0].z]"
    )
    label = page.locator("#chart-surface .hovertext")
    n = len(w)
    for i, j in [(n // 5, 4 * n // 5), (n // 2, n // 2), (4 * n // 5, n // 5)]:
        page.mouse.move(*page.evaluate(PROJECT_3D, [w[i], b[j], z[j][i]]))
        expect(label).to_have_text(f"w={w[i]:.3f}b={b[j]:.3f}loss={z[j][i]:#.4g}")
        page.mouse.move(0, 0)
        expect(label).to_have_count(0)


PX_PER_UNIT = """el => { const fl = el._fullLayout, c = el.querySelector('canvas.trails');
  return { w: fl.xaxis._length / (fl.xaxis.range[1] - fl.xaxis.range[0]),
           b: fl.yaxis._length / (fl.yaxis.range[1] - fl.yaxis.range[0]), scales: c.scales,
           plot: { l: fl.xaxis._offset, r: fl.xaxis._offset + fl.xaxis._length,
                   t: fl.yaxis._offset, b: fl.yaxis._offset + fl.yaxis._length } }; }"""
STANDARDIZED = (  # the lab's "… standardized: the cure": condition number 1
    "data=synthetic&x_start=10&x_stop=20&x_step=0.5&standardize=1&lr=0.4&epochs=60"
    "&init_w=0&init_b=0&speed=live"
)


def inside(box: dict, plot: dict) -> bool:
    return (
        plot["l"] <= box["l"] < box["r"] <= plot["r"]
        and plot["t"] <= box["t"] < box["b"] <= plot["b"]
    )


def apart(a: dict, b: dict) -> bool:
    return a["r"] <= b["l"] or b["r"] <= a["l"] or a["b"] <= b["t"] or b["b"] <= a["t"]


@pytest.mark.parametrize(
    ("width", "height", "look"), [(1366, 768, ""), (1280, 720, "&projector=1")]
)
def test_a_standardized_bowl_is_drawn_to_scale_and_a_sliver_says_it_is_not(
    app: App, page: Page, width: int, height: int, look: str
) -> None:
    """A unit of w as long as a unit of b, so the round bowl of standardized data looks round; where
    that would squeeze the path into a sliver (lr 0.5 diverging), the plot says so."""
    page.set_viewport_size({"width": width, "height": height})
    app.open(STANDARDIZED + look)
    app.finished()
    page.wait_for_function("document.querySelector('#chart-contour canvas.trails').scales?.equal")
    scale = page.eval_on_selector("#chart-contour", PX_PER_UNIT)
    assert scale["w"] == pytest.approx(scale["b"], rel=0.03), scale
    assert scale["scales"]["note"] is None
    app.open(f"lesson=10&speed=live{look}")  # lr 0.5, the contour enlarged (room for a word)
    app.finished(status="diverged")
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').scales?.note?.text.endsWith('not to scale')"
    )
    scale = page.eval_on_selector("#chart-contour", PX_PER_UNIT)
    assert scale["scales"]["equal"] is False and inside(scale["scales"]["note"], scale["plot"])


MARKS = """el => { const c = el.querySelector('canvas.trails');
  return { marks: c.marks, labels: [...(c.lab?.axes ?? []).map(a => a.box), ...(c.edges ?? []).map(e => e.box),
                                    c.scales?.note, c.gradients?.box].filter(Boolean) }; }"""


@pytest.mark.parametrize(
    ("width", "height", "hash_"),
    [
        (1920, 1080, "lesson=10"),
        (1280, 720, "lesson=10&projector=1"),
        (1280, 720, "lesson=5&projector=1"),
        (1366, 768, "lesson=3"),
    ],
)
def test_the_contours_labels_never_sit_on_a_paths_end_or_the_star(
    app: App, page: Page, width: int, height: int, hash_: str
) -> None:
    """λmin, λmax, "diverged at epoch N", the arrows' scale: each clear of every run's end marker
    and of the ★ (contour.js, contourlab.js, labels.js)."""
    page.set_viewport_size({"width": width, "height": height})
    app.open(f"{hash_}&speed=live")
    app.wait(status="diverged" if "lesson=10" in hash_ else "completed", playing=False)
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').lab?.axes?.some(a => a.label)"
    )
    page.wait_for_timeout(300)  # the last relayout's paint
    drawn = page.eval_on_selector("#chart-contour", MARKS)
    assert len(drawn["marks"]) >= 2 and drawn["labels"], drawn  # an end and the ★; some label
    for label in drawn["labels"]:
        for mark in drawn["marks"]:
            assert apart(label, mark), (label, mark)


def test_optimizer_state_arrows_that_would_leave_the_plot_are_cut_at_its_edge_with_a_note(
    app: App, page: Page
) -> None:
    """Adam at lr 3: the first epoch's −lr·∇ is 28 units long in a window about 10 wide."""
    app.open("trace_state=1&optimizer=adam&lr=3&epochs=10&speed=live")
    app.finished()
    scrub(app, 1)
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').lab?.state?.epoch === 1"
    )
    state = page.eval_on_selector("#chart-contour canvas.trails", "c => c.lab.state")
    assert state["cut"] and [a["cut"] for a in state["arrows"]] == [True, False, False]
    assert state["note"]["text"] == "arrows cut at the edge"
    plot = page.eval_on_selector("#chart-contour", PX_PER_UNIT)["plot"]
    assert inside(state["note"], plot)
    expect(page.locator("#state-note")).to_contain_text("cut at the edge")


def test_the_3d_bowls_bottom_stands_out_from_a_light_background(app: App, page: Page) -> None:
    app.open("epochs=20&speed=live")
    app.finished()
    colours = page.eval_on_selector(
        "#chart-surface",
        "el => ({ low: el._fullData[0].colorscale[0][1], paper: el._fullLayout.paper_bgcolor })",
    )

    def lightness(colour: str) -> float:
        if colour.startswith("#"):
            rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        else:
            rgb = [
                float(v) for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]
            ]
        return sum(rgb) / 3 / 255

    assert lightness(colours["low"]) <= 0.85 * lightness(colours["paper"]), colours
