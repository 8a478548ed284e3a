"""Real data on the page's defaults: every built-in set and a typical upload converge (they train
as z-scores unless told otherwise); a diverged run's banner offers fixes with their numbers; the
readout gives the least-squares line, R² and the line in the data's own units; for MAE and Huber
the ★ marks that loss's own minimum."""

import re

import httpx
import pytest
from conftest import App
from playwright.sync_api import Page, expect

HOURS = "hours studied,score\n" + "".join(
    f"{h},{s}\n"
    for h, s in [(1, 52), (2, 55), (3, 61), (4, 60), (5, 68), (6, 71), (7, 74), (8, 80), (9, 83)]
)


def builtin_names(server_url: str) -> list[str]:
    return [d["name"] for d in httpx.get(f"{server_url}/api/datasets").json()["builtin"]]


def test_every_builtin_set_converges_with_the_page_defaults(
    app: App, page: Page, server_url: str
) -> None:
    app.open("speed=live")
    app.finished()
    page.select_option("#data", "builtin")  # as a teacher picks one: the form's own defaults
    expect(page.locator("#standardize")).to_be_checked()
    expect(page.locator("#standardize-note")).to_be_visible()
    for name in builtin_names(server_url):
        page.select_option("#builtin", name)
        page.click("#run")
        app.finished()
        assert app.data("status") == "completed", name
        final, least = page.evaluate(
            "(() => { const m = document.getElementById('chart-loss').data; return [m[1].y.at(-1), "
            "m.find(t => t.hovertemplate?.startsWith('least-squares')).y[0]]; })()"
        )
        assert final == pytest.approx(least, rel=1e-3), name


def test_a_typical_upload_converges_with_the_page_defaults(app: App, page: Page) -> None:
    app.open("speed=live")
    app.finished()
    app.upload("hours.csv", HOURS)
    expect(page.locator("#upload-name")).to_have_text("hours.csv: 9 rows")
    expect(page.locator("#standardize")).to_be_checked()
    page.click("#run")
    app.finished()
    assert app.data("status") == "completed"
    expect(page.locator("#readout-fit")).to_contain_text(
        "in the data's units: score = 3.933·hours studied + 47.44"
    )


STUDY = "hours,score\n" + "".join(
    f"{h},{'' if h == 7 else 40 + 3 * h + (h * 7) % 5}\n" for h in range(1, 32)
)  # 31 rows, the 7th without a score


def test_an_upload_says_how_many_rows_it_trains_on_and_how_many_it_dropped(
    app: App, page: Page
) -> None:
    app.open("speed=live&epochs=20")
    app.finished()
    app.upload("study.csv", STUDY)
    said = "study.csv: 30 rows, 1 dropped (missing value)"
    expect(page.locator("#upload-name")).to_have_text(said)
    page.click("#run")
    app.finished()
    expect(page.locator("#upload-name")).to_have_text(said)  # what the run trained on says the same
    with page.expect_download() as dl:
        page.click("#export-points")
    head = open(dl.value.path(), encoding="utf-8").read().splitlines()[2]
    assert head.startswith("# 30 points (1 row of study.csv dropped: a missing value)"), head


def test_a_diverged_run_offers_fixes_with_numbers_that_apply_and_rerun(
    app: App, page: Page
) -> None:
    app.open("data=builtin&builtin=cars&standardize=0&speed=live")
    page.wait_for_selector(
        "#controls fieldset"
    )  # the page is laid out (a 12-epoch run may end at once)
    app.finished(status="diverged")
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    over, views = banner.bounding_box(), page.locator("#views").bounding_box()
    assert over["y"] + over["height"] <= views["y"]  # above the views, never over them
    fixes = page.locator("#banner-fixes button")
    expect(fixes).to_have_text(["standardize x and y", "lr = 0.003, below 2/λ_max = 0.0038"])
    fixes.nth(1).click()
    app.finished()
    assert page.input_value("#lr") == "0.003" and "lr=0.003" in page.url
    expect(banner).to_contain_text("not converged yet")  # cured, not yet there: see below
    page.fill("#lr", "0.1")
    page.click("#run")
    app.finished(status="diverged")
    page.locator("#banner-fixes button", has_text="standardize").click()
    app.finished()
    assert page.is_checked("#standardize") and app.data("status") == "completed"


def test_a_fix_that_ends_far_from_the_minimum_says_so_and_its_lr_stays_with_its_data(
    app: App, page: Page
) -> None:
    """Cars in raw units at lr 0.003: finite, but after 100 epochs far above the minimum. The page
    says so and offers the epochs that get there; the fix's rate does not follow other data."""
    app.open("data=builtin&builtin=cars&standardize=0&speed=live")
    app.finished(status="diverged")
    page.locator("#banner-fixes button", has_text="lr = 0.003").click()
    app.finished()
    banner = page.locator("#banner")
    expect(banner).to_contain_text(
        "not converged yet: loss 257.6 vs 227.1 at the minimum — run longer"
    )
    expect(page.locator("#note-lr")).to_contain_text("lr 0.003: the fix for this data (was lr 0.1)")
    more = page.locator("#banner-fixes button")
    expect(more).to_have_text("3000 epochs")  # (1 − 0.003·λmin)² an epoch closes the gap
    more.click()
    app.wait(status="completed", playing=False, total="3000")
    page.wait_for_timeout(300)
    expect(banner).to_be_hidden()  # there: within 1 % of the minimum
    assert "lr=0.003" in page.url and "epochs=3000" in page.url
    page.select_option(
        "#data", "synthetic"
    )  # other data: the rate and epochs it replaced come back
    assert page.input_value("#lr") == "0.1" and page.input_value("#epochs") == "100"
    expect(page.locator("#note-lr")).to_have_text(
        "back to lr 0.1, 100 epochs: lr 0.003, 3000 epochs was the fix for other data"
    )
    page.click("#run")
    app.wait(status="completed", playing=False, total="100")
    assert "lr=" not in page.url and "epochs=" not in page.url


def test_the_readout_gives_least_squares_r2_and_the_fit_in_raw_units(app: App, page: Page) -> None:
    app.open("data=builtin&builtin=cars&speed=live")
    app.finished()
    text = page.inner_text("#readout-fit")
    assert re.search(r"least squares: w = 0\.806\d +b = \S+ +MSE = 0\.34\d\d +R² = 0\.651", text)
    assert "in the data's units: stopping distance (ft) = 3.932·speed (mph) − 17.58" in text
    page.uncheck("#standardize")  # raw units: the same line, no second one
    page.fill("#lr", "0.003")
    page.click("#run")
    app.finished()
    text = page.inner_text("#readout-fit")
    assert "w = 3.932" in text and "b = −17.58" in text and "units" not in text


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_the_star_marks_the_runs_own_loss_minimum(app: App, page: Page, loss: str) -> None:
    app.open(f"data=builtin&builtin=anscombe3&loss={loss}&speed=live")
    app.finished()
    page.wait_for_function(  # the surface (with its minimum) may come after the run
        "!document.getElementById('chart-contour').classList.contains('stale') && "
        "document.querySelector('#chart-surface canvas.trails').minimum"
    )
    meta = page.evaluate(
        "(() => { const w = document.getElementById('chart-contour').data[1]; "
        "return {name: w.name, w: w.x[0], b: w.y[0]}; })()"
    )
    assert meta["name"] == f"{loss.upper()} minimum"
    ls_w = 0.8163  # z-scores: the correlation; the outlier pulls least squares, not MAE / Huber
    assert abs(meta["w"] - ls_w) > 0.05
    star3d = page.eval_on_selector("#chart-surface canvas.trails", "c => c.minimum")
    assert star3d["w"] == pytest.approx(meta["w"]) and star3d["b"] == pytest.approx(meta["b"])
    expect(page.locator("#readout-fit")).to_contain_text(f"★ {loss.upper()} minimum: w = ")
