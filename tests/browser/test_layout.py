"""Layout at 1920×1080, 1366×768 and on a phone; screenshots of a finished run and a comparison.

Set GDVIZ_SCREENSHOTS=1 to write them to docs/screenshots/ (otherwise to a temporary folder).
"""

import os
from pathlib import Path

import pytest
from conftest import App
from playwright.sync_api import Page

SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
SIZES = [(1920, 1080), (1366, 768)]


def shots_dir(tmp_path: Path) -> Path:
    if os.environ.get("GDVIZ_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp_path


def fits_viewport(page: Page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollHeight <= innerHeight && document.scrollingElement.scrollWidth <= innerWidth"
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_finished_run_fits_the_screen(
    app: App, page: Page, tmp_path: Path, width: int, height: int
) -> None:
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
    page.screenshot(path=str(shots_dir(tmp_path) / f"run-{width}x{height}.png"))


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_comparison_fits_the_screen(
    app: App, page: Page, tmp_path: Path, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    app.open(
        "epochs=60&speed=live&cmp=optimizer:sgd,optimizer:momentum,optimizer:adam,optimizer:rmsprop"
    )
    app.wait(status="completed", runs="4", playing=False)
    page.wait_for_timeout(400)
    assert fits_viewport(page)
    page.screenshot(path=str(shots_dir(tmp_path) / f"compare-{width}x{height}.png"))


def test_phone_stacks_the_views(app: App, page: Page, tmp_path: Path) -> None:
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
    page.screenshot(path=str(shots_dir(tmp_path) / "phone-390x844.png"), full_page=True)
