"""Each lesson step shows what its caption says, in English and in Korean: the numbers a caption
names are read off the page and compared with the lesson's own code run here (seed_loops)."""

import math
from itertools import pairwise

import numpy as np
import pytest
import torch
from conftest import App, screenshot
from playwright.sync_api import Page, expect

import seed_loops

LANGS = ["en", "ko"]


def seed_numbers() -> dict:
    X, Y = seed_loops.seed_data()
    x, y = X.view(-1).double().numpy(), Y.view(-1).double().numpy()
    w, b = np.polyfit(x, y, 1)
    return {"x": x, "y": y, "lsq": (w, b, float(np.mean((w * x + b - y) ** 2)))}


SEED = seed_numbers()


def mse(w: float, b: float) -> float:
    return float(np.mean((w * SEED["x"] + b - SEED["y"]) ** 2))


def open_step(app: App, n: int, lang: str) -> None:
    app.open(f"lesson={n}&lang={lang}")
    lesson = app.page.locator("#lesson")
    expect(lesson).to_be_visible()
    assert lesson.get_attribute("lang") == lang and lesson.get_attribute("data-step") == str(n)


def to_end(app: App, runs: int = 1, status: str = "completed") -> None:
    """Every epoch received, then the cursor at the last one, paused."""
    app.wait(status=status, runs=str(runs))
    end = app.data("received")
    scrub(app, int(end))


def scrub(app: App, epoch: int) -> None:
    app.page.eval_on_selector(
        "#scrubber", f"el => {{ el.value = '{epoch}'; el.dispatchEvent(new Event('input')); }}"
    )
    app.wait(epoch=epoch, playing=False)


def losses(page: Page, run: int = 0) -> list[float]:
    """Run `run`'s epoch losses as the loss chart holds them (the player at rest)."""
    return page.eval_on_selector("#chart-loss", f"el => el.data[{3 * run + 1}].y")


def readout(page: Page) -> dict[str, float]:
    """The readout's numbers by name: w, b, loss, dw (∂loss/∂w), db."""
    text = page.locator("#readout").inner_text().replace("−", "-").replace("손실 =", "loss =")
    names = {"w": "w =", "b": "b =", "loss": "loss =", "dw": "∂loss/∂w =", "db": "∂loss/∂b ="}
    out = {}
    for key, label in names.items():
        at = text.rfind(f" {label}") if key in ("w", "b") else text.find(label)
        if key in ("w", "b") and at < 0 and text.startswith(label):
            at = 0
        if at >= 0:
            out[key] = float(text[at:].split("=", 1)[1].split()[0])
    return out


def caption(page: Page) -> str:
    """The step's title and caption."""
    return (
        page.locator("#lesson-title").inner_text()
        + " "
        + page.locator("#lesson-caption").inner_text()
    )


def trails(app: App, lengths: list[int]) -> list[dict]:
    """The contour's paths, once they have these many points (a new window redraws them)."""
    want = ",".join(map(str, lengths))
    try:
        app.page.wait_for_function(
            f"(document.querySelector('#chart-contour canvas.trails')?.trails || []).map(t => t.x.length).join() === '{want}'",
            timeout=10_000,
        )
    except Exception:
        assert [len(t["x"]) for t in app.trails("contour")] == lengths
    return app.trails("contour")


def first_epoch_below(values: list[float], bound: float) -> int:
    return next(i + 1 for i, v in enumerate(values) if v <= bound)


# ---- one check per step: what the caption claims, against the lesson's code


def step_1_the_guess(app: App, page: Page) -> None:
    # ŷ = 2x − 1 itself, before any update: w = 2, b = −1, its squared errors and its loss
    app.wait(status="completed", epoch=0, playing=False)
    page.wait_for_timeout(300)  # a paused step stays at its start
    assert app.data("epoch") == "0" and app.data("playing") == "false"
    assert "2x − 1" in caption(page)
    got = readout(page)
    assert got["w"] == 2 and got["b"] == -1
    assert got["loss"] == pytest.approx(mse(2, -1), rel=1e-3)
    xs, ys = page.eval_on_selector("#chart-fit", "el => [el.data[3].x, el.data[3].y]")
    assert ys == pytest.approx([2 * v - 1 for v in xs])  # the line drawn is the guess
    data = page.eval_on_selector("#chart-fit", "el => [el.data[0].x, el.data[0].y]")
    assert np.allclose(data[0], SEED["x"], atol=1e-6) and np.allclose(data[1], SEED["y"], atol=1e-5)
    assert len(data[0]) == 20
    squares = page.eval_on_selector(
        "#chart-fit", "el => [el.data[2].visible, el.data[2].x.filter(v => v === null).length]"
    )
    assert squares == [True, 20]  # one squared error per point


def step_2_the_surface(app: App, page: Page) -> None:
    to_end(app)
    grid = page.eval_on_selector(
        "#chart-surface", "el => [el.data[0].x, el.data[0].y, el.data[0].z]"
    )
    w, b, z = (np.array(v, dtype=float) for v in grid)
    j, i = len(b) // 3, len(w) // 4
    assert z[j][i] == pytest.approx(mse(w[i], b[j]), rel=1e-6)  # every (w, b) has a loss: the MSE
    jm, im = np.unravel_index(np.argmin(z), z.shape)
    lw, lb, _ = SEED["lsq"]
    assert (
        abs(w[im] - lw) <= w[1] - w[0] and abs(b[jm] - lb) <= b[1] - b[0]
    )  # the bottom: least squares
    expected = seed_loops.manual()
    assert losses(page) == pytest.approx([h[0] for h in expected], rel=1e-5)
    got = losses(page)
    assert all(a > c for a, c in pairwise(got[:30]))  # training walks down...
    assert got[-1] == pytest.approx(SEED["lsq"][2], rel=1e-4)  # ... to the bottom


def step_3_by_hand(app: App, page: Page) -> None:
    to_end(app)
    history = seed_loops.manual()
    trails(app, [101])  # a dot per epoch, and the start
    scrub(app, 3)
    w2, b2 = history[1][1], history[1][2]
    w = torch.tensor(w2, requires_grad=True)
    b = torch.tensor(b2, requires_grad=True)
    X, Y = seed_loops.seed_data()
    loss = seed_loops.criterion(X * w + b, Y)
    loss.backward()
    got = readout(page)
    assert got["loss"] == pytest.approx(loss.item(), rel=1e-3)
    assert got["dw"] == pytest.approx(w.grad.item(), rel=1e-2)
    assert got["db"] == pytest.approx(b.grad.item(), rel=1e-2, abs=1e-3)
    assert got["w"] == pytest.approx(w2 - 0.1 * w.grad.item(), rel=1e-3)  # w ← w − lr·∂loss/∂w
    assert got["b"] == pytest.approx(b2 - 0.1 * b.grad.item(), rel=1e-3)
    arrow = page.eval_on_selector("#chart-contour canvas.trails", "c => c.gradients.arrows[0]")
    assert (arrow["w"], arrow["b"]) == pytest.approx((w2, b2), rel=1e-6)  # where it was taken
    assert (arrow["grad_w"], arrow["grad_b"]) == pytest.approx(
        (w.grad.item(), b.grad.item()), rel=1e-4
    )


def step_4_same_with_sgd(app: App, page: Page) -> None:
    to_end(app, runs=2)
    manual, sgd = trails(app, [101, 101])
    assert manual["x"] == pytest.approx(sgd["x"], rel=1e-6)  # on top of each other
    assert manual["y"] == pytest.approx(sgd["y"], rel=1e-6)
    final = seed_loops.sgd()[-1]
    assert readout(page)["w"] == pytest.approx(final[1], rel=1e-3)
    assert readout(page)["b"] == pytest.approx(final[2], rel=1e-3)


def step_5_minibatches(app: App, page: Page) -> None:
    to_end(app, runs=2)
    assert "batch_size=5" in caption(page) and "4" in caption(page)
    trails(app, [101, 1 + 4 * 100])  # 4 updates per epoch, each drawn
    mb = losses(page, 1)
    assert mb == pytest.approx([h[0] for h in seed_loops.minibatch()], rel=1e-5)
    near = 1.3 * SEED["lsq"][2]
    assert first_epoch_below(mb, near) < first_epoch_below(losses(page, 0), near)  # fewer epochs
    assert max(mb[-20:]) > 1.05 * SEED["lsq"][2]  # ... and it keeps wobbling


def ends_as_the_lessons_loop(app: App, page: Page, named: str, history: list) -> None:
    """The step's caption names ``named``; its run's losses and last w, b are the loop's."""
    to_end(app)
    assert named in caption(page)
    assert losses(page) == pytest.approx([h[0] for h in history], rel=1e-5)
    assert (readout(page)["w"], readout(page)["b"]) == pytest.approx(history[-1][1:], rel=1e-3)


def step_6_design_matrix(app: App, page: Page) -> None:
    ends_as_the_lessons_loop(app, page, "[1, x]", seed_loops.design())


def step_7_nn_linear(app: App, page: Page) -> None:
    ends_as_the_lessons_loop(app, page, "nn.Linear(1, 1)", seed_loops.linear())


def step_8_too_small(app: App, page: Page) -> None:
    to_end(app)
    assert "0.01" in caption(page)
    got = losses(page)
    assert got == pytest.approx([h[0] for h in seed_loops.sgd(lr=0.01)], rel=1e-5)
    assert len(got) == 100 and got[-1] < got[-2]  # still falling after 100 epochs
    assert got[-1] > 1.02 * SEED["lsq"][2]  # ... and not there yet


def step_9_good(app: App, page: Page) -> None:
    to_end(app)
    assert "0.1" in caption(page)
    got = losses(page)
    assert got == pytest.approx([h[0] for h in seed_loops.sgd(lr=0.1)], rel=1e-5)
    lsq = SEED["lsq"][2]
    assert first_epoch_below(got, 1.01 * lsq) <= 50  # levels off within a few dozen epochs
    reference = page.eval_on_selector("#chart-loss", "el => el.data[el.data.length - 1].y")
    assert reference == pytest.approx([lsq, lsq], rel=1e-5)  # the dashed line


def step_10_too_large(app: App, page: Page) -> None:
    to_end(app, status="diverged")
    assert "0.5" in caption(page)
    with np.errstate(all="ignore"):
        expected = seed_loops.sgd(lr=0.5)
    finite = [h for h in expected if math.isfinite(h[0])]
    got = losses(page)
    assert got == pytest.approx([h[0] for h in finite], rel=1e-5)
    assert all(a < c for a, c in pairwise(got))  # the loss grows every epoch
    lw = SEED["lsq"][0]
    sides = [np.sign(h[1] - lw) for h in finite[1:]]
    assert all(s != t for s, t in pairwise(sides))  # over the valley, to the other side
    at = len(finite) + 1
    said, edge = {
        "en": (f"infinite at epoch {at}", f"diverged at epoch {at}"),
        "ko": (f"epoch {at}에서 손실이 무한대", f"epoch {at}에서 발산"),
    }[page.evaluate("document.documentElement.lang")]
    expect(page.locator("#banner")).to_contain_text(said)
    page.wait_for_function(  # painted again once the banner has taken its place above the view
        "document.querySelector('#chart-contour canvas.trails').edges?.length > 0"
    )
    edges = page.eval_on_selector("#chart-contour canvas.trails", "c => c.edges")
    assert edges and edge in edges[0]["text"]


CHECKS = [
    step_1_the_guess,
    step_2_the_surface,
    step_3_by_hand,
    step_4_same_with_sgd,
    step_5_minibatches,
    step_6_design_matrix,
    step_7_nn_linear,
    step_8_too_small,
    step_9_good,
    step_10_too_large,
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", range(1, len(CHECKS) + 1))
def test_lesson_step_shows_what_its_caption_says(app: App, page: Page, n: int, lang: str) -> None:
    open_step(app, n, lang)
    CHECKS[n - 1](app, page)


@pytest.mark.screenshots
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("n", range(1, len(CHECKS) + 1))
def test_lesson_step_screenshot(app: App, page: Page, n: int, lang: str) -> None:
    """docs/screenshots/lesson-step-N-LANG-1920.png: each step as a class sees it at its end (step 1
    at its start, step 3 at epoch 3, where the gradient arrow is still long)."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_step(app, n, lang)
    app.wait(status="diverged" if n == 10 else "completed")
    if n != 1:
        to_end(app, runs=int(app.data("runs")), status="diverged" if n == 10 else "completed")
    if n == 3:
        scrub(app, 3)
    page.evaluate("document.fonts.ready.then(() => true)")
    screenshot(page, f"lesson-step-{n}-{lang}-1920.png", settle_ms=1000)
