"""The lab in a real browser against a real server: data by hand, fit by hand, the lr changed
during a run, the lr sweep, a teacher's link with locked controls."""

import math
import random

from conftest import App
from playwright.sync_api import Page, Route, expect

POINTS = "pts=-2_-5~-1_-3~0_-1~1_1~2_3~3_5&data=points"  # on y = 2x − 1 exactly


def fit_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """The page coordinates of data point (x, y) on the fit view."""
    return page.eval_on_selector(
        "#chart-fit",
        f"""el => {{ const fl = el._fullLayout, r = el.getBoundingClientRect();
        const X = fl.xaxis, Y = fl.yaxis;
        return [r.left + X._offset + ({x} - X.range[0]) / (X.range[1] - X.range[0]) * X._length,
                r.top + Y._offset + (1 - ({y} - Y.range[0]) / (Y.range[1] - Y.range[0])) * Y._length]; }}""",
    )


def lsq_line(page: Page) -> list[float]:
    """The least-squares line the fit view draws, as its two end points' y."""
    return page.eval_on_selector("#chart-fit", "el => el.data[1].y")


def test_dragging_a_point_moves_the_least_squares_line_and_runs_on_it(app: App, page: Page) -> None:
    app.open(f"{POINTS}&speed=live&epochs=30")
    app.finished()
    before = lsq_line(page)
    x, y = fit_point(page, 3, 5)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 60, steps=5)
    page.mouse.up()
    # drawn from the page's own sums at once, then the new run's server answer agrees
    page.wait_for_function("document.getElementById('app').dataset.redrawMs !== undefined")
    after = lsq_line(page)
    assert after[1] < before[1] - 0.5  # the right end came down with the point
    app.finished()
    assert "data=points" in page.url and "pts=" in page.url and "3_5" not in page.url
    meta_ls = page.evaluate("document.getElementById('app').dataset.lsq").split(",")
    server = page.eval_on_selector("#chart-contour", "el => [el.data[1].x[0], el.data[1].y[0]]")
    assert abs(server[0] - float(meta_ls[0])) < 1e-3 and abs(server[1] - float(meta_ls[1])) < 1e-3
    # click on empty space adds a point; shift-click on it removes it
    n = len(page.eval_on_selector("#chart-fit", "el => el.data[0].x"))
    ax, ay = fit_point(page, -1, 0.5)
    page.mouse.click(ax, ay)
    app.finished()
    assert len(page.eval_on_selector("#chart-fit", "el => el.data[0].x")) == n + 1
    page.keyboard.down("Shift")
    page.mouse.click(ax, ay)
    page.keyboard.up("Shift")
    app.finished()
    assert len(page.eval_on_selector("#chart-fit", "el => el.data[0].x")) == n


def mse(x: list[float], y: list[float], w: float, b: float) -> float:
    return sum((w * xi + b - yi) ** 2 for xi, yi in zip(x, y, strict=True)) / len(x)


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def test_a_drop_on_10000_points_redraws_every_view_before_the_new_run_answers(
    app: App, page: Page
) -> None:
    rng = random.Random(3)
    xs = [round(rng.uniform(-3, 3), 3) for _ in range(10_000)]
    ys = [round(2 * v - 1 + rng.gauss(0, 1), 3) for v in xs]
    app.open("epochs=5")
    app.finished()
    key = page.evaluate(
        "([x, y]) => import('/static/js/core/points.js').then((m) => m.encodePoints({x, y}))",
        [xs, ys],
    )
    app.open(f"data=points&pts={key}&epochs=5&speed=live")
    app.finished()
    page.wait_for_function("document.getElementById('chart-surface').data[0].z.length > 0")
    dots = "#chart-fit canvas.dots"
    assert page.eval_on_selector(dots, "c => c.points.x.length") == 10_000
    assert page.eval_on_selector("#chart-fit", "el => el.data[0].x.length") == 0  # not Plotly's
    before = {
        "line": lsq_line(page),
        "star": page.eval_on_selector("#chart-contour", "el => el.data[1].x[0]"),
        "z3d": page.eval_on_selector("#chart-surface", "el => el.data[0].z[0][0]"),
        "limit": app.data("maxStableLr"),
    }
    # the new run's job is held back: what follows the drop is the page's own work
    held: list[Route] = []
    page.route("**/api/jobs", lambda route: held.append(route))
    i = max(range(len(xs)), key=lambda j: xs[j])  # the right-most point: it tilts the line most
    x, y = fit_point(page, xs[i], ys[i])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 30, y + 150, steps=5)
    page.mouse.up()
    page.wait_for_function("document.getElementById('app').dataset.surfaceMs !== undefined")
    px, py = page.eval_on_selector(dots, "c => [c.points.x, c.points.y]")
    assert px[:i] == xs[:i] and py[:i] == ys[:i] and px[i + 1 :] == xs[i + 1 :]
    assert px[i] < xs[i] and py[i] < ys[i] - 1  # where it was dropped: left and well below
    # least squares, its Hessian and 2/λmax from the dropped data, computed here
    n, sx, sy = len(px), sum(px), sum(py)
    sxx, sxy = sum(v * v for v in px), sum(a * b for a, b in zip(px, py, strict=True))
    w = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    b = (sy - w * sx) / n
    a, c = 2 * sxx / n, 2 * sx / n
    lam_max = (a + 2) / 2 + math.hypot((a - 2) / 2, c)
    lam_min = (a + 2) / 2 - math.hypot((a - 2) / 2, c)
    line_x = page.eval_on_selector("#chart-fit", "el => el.data[1].x")
    line = lsq_line(page)
    assert all(close(line[k], w * line_x[k] + b) for k in range(2)) and line != before["line"]
    star = page.eval_on_selector("#chart-contour", "el => [el.data[1].x[0], el.data[1].y[0]]")
    assert close(star[0], w) and close(star[1], b) and star[0] != before["star"]
    axes = page.eval_on_selector("#chart-contour canvas.trails", "c => c.lab.axes")
    assert close(axes[0]["lambda"], lam_min) and close(axes[1]["lambda"], lam_max)
    assert close(float(app.data("maxStableLr")), 2 / lam_max)
    assert app.data("maxStableLr") != before["limit"]
    for chart, log in (("contour", True), ("surface", False)):
        gw, gb, z = page.eval_on_selector(
            f"#chart-{chart}", "el => [el.data[0].x, el.data[0].y, el.data[0].z]"
        )
        for j, k in ((0, 0), (len(gb) // 2, len(gw) // 3), (len(gb) - 1, len(gw) - 1)):
            want = mse(px, py, gw[k], gb[j])
            assert close(z[j][k], math.log10(want) if log else want), (chart, j, k)
    assert page.eval_on_selector("#chart-surface", "el => el.data[0].z[0][0]") != before["z3d"]
    assert len(held) == 1  # the run was asked for only now, and is let go
    held[0].continue_()
    page.unroute("**/api/jobs")
    app.finished()


def test_fit_by_hand_then_gradient_descent_goes_on_from_your_line(app: App, page: Page) -> None:
    app.open("speed=live&epochs=20")
    app.finished()
    page.click("#hand-toggle")
    for sel, value in (("#hand-w", "0.5"), ("#hand-b", "1.5")):
        page.eval_on_selector(
            sel, f"el => {{ el.value = '{value}'; el.dispatchEvent(new Event('input')); }}"
        )
    w = float(app.data("handW"))
    b = float(app.data("handB"))
    expect(page.locator("#hand-loss")).to_contain_text("loss")
    expect(page.locator("#hand-grad")).to_contain_text("downhill")
    # the line and its squared errors are on the fit view
    shapes = page.eval_on_selector(
        "#chart-fit", "el => el.layout.shapes.filter(s => s.name === 'hand').length"
    )
    assert shapes > 1
    before = app.data("job")
    page.click("#hand-go")
    page.wait_for_function("job => document.getElementById('app').dataset.job !== job", arg=before)
    app.finished()
    page.wait_for_function(  # the new run's path is painted on the contour
        "() => (document.querySelector('#chart-contour canvas.trails')?.trails || []).length > 0"
    )
    trail = app.trails("contour")[0]
    assert abs(trail["x"][0] - w) < 1e-3 * max(1, abs(w)) and abs(trail["y"][0] - b) < 1e-3 * max(
        1, abs(b)
    )
    assert f"init_w={round(w, 4)}".rstrip("0") in page.url or "init_w=" in page.url


def lr_ticks(page: Page) -> list[str]:
    """The tick labels of the learning rate's axis beside the loss, as drawn."""
    return page.eval_on_selector_all("#chart-loss .y2tick text", "ts => ts.map(t => t.textContent)")


def test_a_schedule_across_decades_reads_in_powers_of_ten(app: App, page: Page) -> None:
    app.open("speed=live&epochs=60&scheduler=CosineAnnealingLR;T_max:60")
    app.finished()
    page.wait_for_function("document.querySelectorAll('#chart-loss .y2tick text').length > 0")
    assert lr_ticks(page) == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"]  # not Plotly's bare "5 2 5"


def test_lr_changed_during_a_run_takes_effect_at_the_announced_epoch(app: App, page: Page) -> None:
    app.open("speed=live&epochs=80&delay_ms=150&lr=0.02")  # 12 s: time to change it midway
    page.wait_for_function("Number(document.getElementById('app').dataset.received) >= 3")
    page.fill("#lr", "0.07")
    page.dispatch_event("#lr", "change")
    page.wait_for_function("document.getElementById('app').dataset.changeEpoch !== undefined")
    at = int(app.data("changeEpoch"))
    expect(page.locator("#lr-live")).to_contain_text(f"from epoch {at}")
    app.finished()
    lrs = page.eval_on_selector(
        "#chart-loss", "el => el.data.find(t => t.name === 'learning rate').y"
    )
    assert len(lrs) == 80
    assert all(v == 0.02 for v in lrs[: at - 1]) and all(v == 0.07 for v in lrs[at - 1 :])
    # a finished run is not sent a change: the new lr is the next run's
    page.fill("#lr", "0.05")
    page.dispatch_event("#lr", "change")
    assert app.data("live") == "on"


def test_sweep_plots_final_loss_against_lr_with_diverged_rates_marked(app: App, page: Page) -> None:
    app.open("speed=live&epochs=50")
    app.finished()
    page.click("#sweep-open")
    page.wait_for_function("document.getElementById('app').dataset.sweep === 'done'")
    data = page.eval_on_selector(
        "#chart-sweep", "el => el.data.map(t => ({name: t.name, x: t.x, y: t.y}))"
    )
    ok, diverged = data[0], data[1]
    assert len(ok["x"]) + len(diverged["x"]) == 20
    assert diverged["name"] == "diverged" and len(diverged["x"]) >= 1
    limit = float(app.data("maxStableLr"))
    assert min(diverged["x"]) > limit  # every diverged rate is past 2/λmax
    shapes = page.eval_on_selector("#chart-sweep", "el => el.layout.shapes.map(s => s.x0)")
    assert abs(shapes[0] - limit) < 1e-12
    expect(page.locator("#sweep-status")).to_contain_text("diverged")
    page.click("#sweep-close")


def test_a_teachers_link_locks_and_hides_controls(app: App, page: Page) -> None:
    app.open("speed=live&epochs=20&lock=all,-lr&hide=scheduler")
    app.finished()
    for sel in (
        "#mode",
        "#optimizer",
        "#loss",
        "#epochs",
        "#data-edit",
        "#hand-toggle",
        "#sweep-open",
    ):
        expect(page.locator(sel)).to_be_disabled()
    expect(page.locator("#lr")).to_be_enabled()
    expect(page.locator("#lr-slider")).to_be_enabled()
    expect(page.locator("#sched-name")).to_be_hidden()
    expect(page.locator("#lock-note")).to_be_visible()
    # the student changes lr and runs: the lock stays in the link
    page.fill("#lr", "0.05")
    page.click("#run")
    app.finished()
    assert "lock=all,-lr" in page.url.replace("%2C", ",") and "lr=0.05" in page.url
    expect(page.locator("#mode")).to_be_disabled()


def test_scheduler_picker_sends_torch_scheduler_and_shows_lr_beside_the_loss(
    app: App, page: Page
) -> None:
    app.open("speed=live&epochs=30")
    app.finished()
    page.select_option("#sched-name", "StepLR")
    page.fill("#sched-step_size", "10")
    page.fill("#sched-gamma", "0.5")
    page.dispatch_event("#sched-gamma", "change")
    page.click("#run")
    app.finished()
    lrs = page.eval_on_selector(
        "#chart-loss", "el => el.data.find(t => t.name === 'learning rate').y"
    )
    assert lrs[:10] == [0.1] * 10 and lrs[10:20] == [0.05] * 10 and lrs[20:] == [0.025] * 10
    assert lr_ticks(page) == ["0.025", "0.05", "0.1"]  # the rates themselves, as plain numbers
    assert "scheduler=StepLR;step_size:10;gamma:0.5" in page.url.replace("%3B", ";").replace(
        "%3A", ":"
    )


def test_enter_in_the_lr_box_changes_the_run_live_and_starts_no_new_one(
    app: App, page: Page
) -> None:
    """As Tab and the slider do: the same job, a `change` at the next epoch, no new POST /api/jobs."""
    created = []
    page.on(
        "request",
        lambda r: (
            created.append(r.url) if r.method == "POST" and r.url.endswith("/api/jobs") else None
        ),
    )
    app.open("speed=live&epochs=80&delay_ms=150&lr=0.02")
    page.wait_for_function("Number(document.getElementById('app').dataset.received) >= 3")
    job = app.data("job")
    page.fill("#lr", "0.07")
    asked = int(app.data("received"))
    page.press("#lr", "Enter")
    page.wait_for_function("document.getElementById('app').dataset.changeEpoch !== undefined")
    at = int(app.data("changeEpoch"))
    assert asked < at <= asked + 6  # the next epoch the server trains (it may be a few ahead)
    expect(page.locator("#lr-live")).to_contain_text(f"from epoch {at}")  # as its answer said
    page.press("#lr", "Tab")  # leaving the box sends nothing more
    app.finished()
    assert app.data("job") == job and len(created) == 1
    lrs = page.eval_on_selector(
        "#chart-loss", "el => el.data.find(t => t.name === 'learning rate').y"
    )
    assert all(v == 0.02 for v in lrs[: at - 1]) and all(v == 0.07 for v in lrs[at - 1 :])
    assert lr_ticks(page) == ["0.02", "0.07"]
    assert "lr=0.02" in page.url  # the link still reproduces the run as it was started
    page.press("#lr", "Enter")  # after the run, Enter runs the form: a new run at 0.07
    page.wait_for_function("job => document.getElementById('app').dataset.job !== job", arg=job)
    app.finished()
    assert len(created) == 2 and app.data("job") != job and "lr=0.07" in page.url


def test_showing_what_the_optimizer_sees_keeps_the_optimizer_chosen_in_the_form(
    app: App, page: Page
) -> None:
    app.open("speed=live&epochs=20")
    app.finished()
    job = app.data("job")
    page.select_option("#optimizer", "adam")  # chosen, not run yet
    page.check("#trace-state")
    page.wait_for_function("job => document.getElementById('app').dataset.job !== job", arg=job)
    app.finished()
    assert page.input_value("#optimizer") == "adam"
    assert "optimizer=adam" in page.url and "trace_state=1" in page.url
    page.wait_for_function(  # adam's own state: m̂/√v̂ among the arrows
        "document.querySelector('#chart-contour canvas.trails').lab?.state?.arrows.some(a => a.name === '−lr·m̂/√v̂')"
    )


def test_a_locked_link_stays_locked_every_way_and_through_every_navigation(
    app: App, page: Page
) -> None:
    app.open("speed=live&lr=0.5&lock=all,-lr")
    app.finished(status="diverged")
    job = app.data("job")
    # the buttons that change a run: the races, the lesson, the presets
    for sel in ("#race-methods", "#race-optimizers", "#lesson-open", "#lab-preset", "#mode"):
        expect(page.locator(sel)).to_be_disabled()
    # the one-click fixes: only the learning rate's, the one thing the link leaves free
    expect(page.locator("#banner-fixes button")).to_have_count(1)
    expect(page.locator("#banner-fixes button")).to_contain_text("lr =")
    # the contour's click-to-start: not offered, and a click says why and starts nothing
    expect(page.locator("#view-contour .view-head .hint")).to_be_hidden()
    box = page.locator("#chart-contour .nsewdrag").bounding_box()
    assert box
    page.locator("#chart-contour .nsewdrag").click(
        position={"x": box["width"] * 0.3, "y": box["height"] * 0.4}
    )
    expect(page.locator("#banner")).to_contain_text("locks the start point")
    page.wait_for_timeout(300)
    assert app.data("job") == job
    # the lesson's key: refused, said
    page.keyboard.press("l")
    expect(page.locator("#banner")).to_contain_text("This exercise's link locks that")
    expect(page.locator("#lesson")).to_be_hidden()
    assert app.data("job") == job

    # the free learning rate changes, and the lock stays through Back and Forward
    page.fill("#lr", "0.3")
    page.click("#run")
    app.finished()
    assert "lr=0.3" in page.url and "lock=all,-lr" in page.url.replace("%2C", ",")
    for go in (page.go_back, page.go_forward):
        go()
        page.wait_for_timeout(300)
        app.wait(playing=False)
        assert "lock=all,-lr" in page.url.replace("%2C", ",")
        for sel in ("#mode", "#race-methods", "#lesson-open", "#init_w"):
            expect(page.locator(sel)).to_be_disabled()
        expect(page.locator("#lr")).to_be_enabled()

    # a lesson step linked with a lock: the step's settings, and its steps locked too
    app.open("lesson=3&lock=all,-lr")
    expect(page.locator("#lesson")).to_have_attribute("data-step", "3")
    expect(page.locator("#mode")).to_have_value("manual")
    for sel in ("#lesson-prev", "#lesson-next", "#mode"):
        expect(page.locator(sel)).to_be_disabled()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    expect(page.locator("#lesson")).to_have_attribute("data-step", "3")
    assert "lock=all,-lr" in page.url.replace("%2C", ",")
