"""The page's models (issue 24): logistic regression's S-curve, boundary and exact landscape, a
separable run that says why it walks off, a polynomial's slice and its picker, the SSE/MSE contrast
on the lr slider, and the model in the URL (core/models.js, views/fit.js, runs.js, form/form.js)."""

import math
from urllib.parse import urlencode

import httpx
import pytest
from conftest import App, Watch, screenshot
from playwright.sync_api import Page, expect
from test_layout import fits_viewport

LIVE = "speed=live"


def contour_grid(page: Page) -> dict:
    """The contour's own grid: its axes and the loss it holds (text: the loss as printed, z: log10)."""
    return page.eval_on_selector(
        "#chart-contour",
        "el => ({x: el.data[0].x, y: el.data[0].y, z: el.data[0].z, title: el._fullLayout.xaxis.title.text,"
        " ytitle: el._fullLayout.yaxis.title.text})",
    )


def assert_grid_is_the_apis(
    server_url: str, job: str, grid: dict, extra: dict | None = None
) -> None:
    """The contour's loss is the API's surface over the same grid, point for point."""
    x, y = grid["x"], grid["y"]
    keys = ("x_min", "x_max", "y_min", "y_max") if extra else ("w_min", "w_max", "b_min", "b_max")
    query = dict(zip(keys, (x[0], x[-1], y[0], y[-1]), strict=True))
    query |= {"resolution": len(x), **(extra or {})}
    surface = httpx.get(f"{server_url}/api/jobs/{job}/surface?{urlencode(query)}").json()
    assert len(surface["loss"]) == len(grid["z"])
    for j in range(0, len(y), 7):
        for i in range(0, len(x), 7):
            want = math.log10(max(surface["loss"][j][i], 1e-12))
            assert abs(grid["z"][j][i] - want) < 1e-9, (i, j)


def test_logistic_regression_draws_its_s_curve_boundary_and_exact_landscape(
    app: App, page: Page, server_url: str
) -> None:
    app.open(f"model=logistic&lr=2&epochs=60&{LIVE}")
    app.finished()
    assert page.input_value("#loss") == "bce"
    assert page.is_checked("#labels")
    job = app.data("job")
    done = httpx.get(f"{server_url}/api/jobs/{job}").json()
    w, b = done["done"]["params"]
    fit = page.eval_on_selector(
        "#chart-fit",
        "el => [el.data[0].y, el.data[3].x, el.data[3].y, el.data[4].x, el.data[4].name]",
    )
    data_y, xs, ys, cut, name = fit
    assert set(data_y) == {0, 1}  # the points at 0 and 1
    assert len(xs) == 200  # the S-curve σ(w·x + b)
    for x, y in zip(xs[::20], ys[::20], strict=True):
        assert abs(y - 1 / (1 + math.exp(-(w * x + b)))) < 1e-6
    assert cut == [-b / w, -b / w]  # the 0.5 decision boundary
    assert "0.5" in name
    text = page.text_content("#readout-fit")
    assert "the minimum" in text and "decision boundary" in text and "BCE" in text
    assert "least squares" not in text
    assert page.text_content("#show-lsq + .long") == "minimum"  # the fit's toggle says so too
    assert_grid_is_the_apis(server_url, job, contour_grid(page))


def test_separable_classes_say_why_the_path_walks_off(app: App, page: Page) -> None:
    app.open(f"model=logistic&noise=0&epochs=30&{LIVE}")
    app.finished()
    text = page.text_content("#readout-fit")
    assert "no minimum" in text and "separated at x = 0.45" in text and "forever" in text
    page.click("#lang-switch")
    expect(page.locator("#readout-fit")).to_contain_text("최솟값 없음")
    expect(page.locator("#readout-fit")).to_contain_text("x = 0.45에서 완전히 나뉩니다")


def test_a_polynomial_shows_its_curve_and_the_slice_the_picker_chooses(
    app: App, page: Page, server_url: str
) -> None:
    app.open(f"model=poly&degree=3&lr=0.002&epochs=40&{LIVE}")
    app.finished()
    job = app.data("job")
    params = httpx.get(f"{server_url}/api/jobs/{job}").json()["done"]["params"]
    xs, ys = page.eval_on_selector("#chart-fit", "el => [el.data[3].x, el.data[3].y]")
    for x, y in zip(xs[::25], ys[::25], strict=True):
        assert abs(y - sum(c * x**i for i, c in enumerate(params))) < 1e-4 * (1 + abs(y))
    expect(page.locator("#slice-note-contour")).to_have_text(
        "slice: b3, b0 at epoch 40; the other coefficients fixed"
    )
    expect(page.locator("#slice-note-surface")).to_be_visible()
    expect(page.locator("#view-contour .view-head .hint")).to_be_hidden()  # the note says it all
    expect(page.locator("#explain")).to_be_hidden()  # it narrates the line's update only
    expect(page.locator("#hand-toggle")).to_be_disabled()  # its sliders are a line's w and b
    grid = contour_grid(page)
    assert (grid["title"], grid["ytitle"]) == ("b3", "b0")
    assert_grid_is_the_apis(
        server_url, job, grid, {"x_param": "b3", "y_param": "b0", "at_epoch": 40}
    )
    assert "b0 = " in page.text_content("#readout-fit") and "b3 = " in page.text_content(
        "#readout-fit"
    )

    page.select_option("#slice-x", "b1")
    expect(page.locator("#slice-note-contour")).to_contain_text("slice: b1, b0 at epoch 40")
    page.wait_for_function(
        "document.getElementById('chart-contour')._fullLayout.xaxis.title.text === 'b1'"
    )
    assert "axes=b1,b0" in page.evaluate("location.hash")
    assert_grid_is_the_apis(
        server_url, job, contour_grid(page), {"x_param": "b1", "y_param": "b0", "at_epoch": 40}
    )
    # the path is drawn on the new axes: its head is (b1, b0) after epoch 40
    head = app.trails("contour")[0]["head"]
    assert head == [params[1], params[0]]
    # scrubbed back, the other coefficients are held at that epoch
    page.eval_on_selector(
        "#scrubber", "el => { el.value = '10'; el.dispatchEvent(new Event('input')); }"
    )
    expect(page.locator("#slice-note-contour")).to_contain_text("at epoch 10")


def test_sse_and_mse_share_a_minimum_but_not_the_largest_stable_lr(app: App, page: Page) -> None:
    app.open()
    app.finished()
    page.select_option("#lab-preset", "mse")
    app.finished()
    mse = float(app.data("maxStableLr"))
    tick = page.eval_on_selector("#lr-tick", "el => el.style.left")
    minimum = page.text_content("#readout-fit")
    page.select_option("#lab-preset", "sse")
    app.wait(status="diverged")  # lr 0.1 is above SSE's 2/λmax
    sse = float(app.data("maxStableLr"))
    assert abs(mse / sse - 20) < 1e-3  # n = 20 points: SSE's Hessian is n times MSE's
    assert page.eval_on_selector("#lr-tick", "el => el.style.left") != tick
    assert page.input_value("#loss") == "sse"
    # the same least-squares line
    assert minimum.split("MSE")[0] in page.text_content("#readout-fit")


def test_the_model_round_trips_through_the_url_and_the_form(app: App, page: Page) -> None:
    app.open("model=poly&degree=5&lr=0.0001&epochs=5")
    app.finished()
    assert page.input_value("#model") == "poly"
    assert page.input_value("#degree") == "5"
    assert page.is_visible("#degree")
    page.select_option("#model", "logistic")
    assert page.eval_on_selector_all("#loss option", "os => os.map(o => o.value)") == ["bce", "mse"]
    assert page.input_value("#loss") == "bce"
    assert page.is_checked("#labels")
    assert not page.is_visible("#degree")
    page.fill("#lr", "1")
    page.click("#run")
    app.finished()
    hash_ = page.evaluate("location.hash")
    assert "model=logistic" in hash_ and "&loss=" not in hash_  # bce: the model's own, left out
    page.reload()
    app.finished()
    assert page.input_value("#model") == "logistic"
    assert page.input_value("#loss") == "bce"
    page.go_back()
    app.finished()
    assert page.input_value("#model") == "poly"
    assert page.input_value("#degree") == "5"


def test_a_refusal_of_the_new_fields_is_said_in_korean(app: App, page: Page, watch: Watch) -> None:
    watch.allow_http_errors = True  # the 422 is the point
    app.open("lang=ko&model=logistic&labels=0&epochs=5")
    expect(page.locator("#err-labels")).to_contain_text("로지스틱 회귀는 모든 y가 0 또는 1이어야")


SHOWN = {
    "poly": "model=poly&degree=9&curve=sine&noise=0.3&standardize=1&lr=0.0008&epochs=300",
    "logistic": "model=logistic&lr=2&epochs=150",
}


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("model", list(SHOWN))
def test_screenshots_of_the_models(
    app: App, page: Page, model: str, lang: str, size: tuple[int, int]
) -> None:
    """A finished run of each model at the two screens, in both languages: the page fits them."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    app.open(f"{SHOWN[model]}&lang={lang}&{LIVE}")
    app.finished()
    page.wait_for_function("document.getElementById('chart-surface').data[0].z.length > 0")
    page.wait_for_timeout(400)  # the 3D view's WebGL
    assert fits_viewport(page)
    screenshot(page, f"models-{model}-{lang}-{size[0]}x{size[1]}.png")
