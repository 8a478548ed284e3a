"""The classroom: projector mode (key and URL), presenter keys, following a run, the lesson.

Set GDVIZ_SCREENSHOTS=1 to write the projector and lesson screenshots to docs/screenshots/.
"""

from itertools import pairwise

import httpx
import pytest
from conftest import App, screenshot
from playwright.sync_api import Page, expect
from test_layout import fits_viewport

MIN_TEXT = """Math.min(...[...document.querySelectorAll('#app *')].filter(e => e.offsetParent && e.childNodes.length &&
  [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map(e => parseFloat(getComputedStyle(e).fontSize)))"""


def chart_font(page: Page, chart: str) -> float:
    return page.eval_on_selector(f"#chart-{chart}", "el => el._fullLayout.font.size")


@pytest.mark.parametrize(
    ("width", "height", "dark"), [(1920, 1080, False), (1920, 1080, True), (1280, 720, False)]
)
def test_projector_mode_from_the_url(
    app: App, page: Page, width: int, height: int, dark: bool
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    app.open(f"projector=1{'&dark=1' if dark else ''}&speed=live")
    app.finished()
    page.wait_for_timeout(300)
    assert page.evaluate("document.body.classList.contains('projector')")
    assert page.evaluate("document.body.classList.contains('dark')") is dark
    assert page.evaluate(MIN_TEXT) >= 24  # every visible text on the page
    assert chart_font(page, "loss") >= 22 and chart_font(page, "fit") >= 22
    assert page.eval_on_selector("#chart-fit", "el => el.data[3].line.width") >= 6
    assert (
        page.is_hidden("[data-field=seed]")
        and page.is_visible("[data-field=lr]")
        and page.is_hidden("#export-csv")
    )
    bg = page.eval_on_selector("#chart-loss", "el => el._fullLayout.paper_bgcolor")
    assert (bg == "#111111") is dark
    assert fits_viewport(page)
    theme = "dark" if dark else "light"
    screenshot(page, f"projector-{theme}-{width}{'' if width == 1920 else f'x{height}'}.png")


def test_presenter_keys(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    font = chart_font(page, "fit")
    page.keyboard.press("r")
    app.wait(epoch=0, playing=False)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    app.wait(epoch=2)
    page.keyboard.press("ArrowLeft")
    app.wait(epoch=1)
    page.keyboard.press("-")
    assert page.input_value("#speed") == "8"
    page.keyboard.press("+")
    assert page.input_value("#speed") == "live" and "speed=live" in page.url
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert page.input_value("#speed") == "4"
    page.keyboard.press(" ")
    app.wait(playing=True)
    page.keyboard.press(" ")
    app.wait(playing=False)
    # 1–4: one view enlarged, the same key again: all four
    for key, view in zip("1234", ("fit", "loss", "contour", "surface"), strict=True):
        page.keyboard.press(key)
        expect(page.locator(f"#view-{view}")).to_be_visible()
        assert page.locator("main#views > .view:visible").count() == 1
    page.keyboard.press("4")
    assert page.locator("main#views > .view:visible").count() == 4
    # P: projector mode on and off, charts restored
    page.keyboard.press("p")
    page.wait_for_function("document.body.classList.contains('projector')")
    assert "projector=1" in page.url and chart_font(page, "fit") > font
    page.keyboard.press("p")
    page.wait_for_function("!document.body.classList.contains('projector')")
    assert chart_font(page, "fit") == font
    # C: the code panel; ?: the list of keys, Esc closes it
    page.keyboard.press("c")
    expect(page.locator("#code-panel")).to_be_visible()
    page.keyboard.press("c")
    expect(page.locator("#code-panel")).to_be_hidden()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help dl")).to_contain_text("play / pause")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()


def test_keys_never_fire_while_typing(app: App, page: Page) -> None:
    app.open("epochs=20&speed=live")
    app.finished()
    page.click("#epochs")
    page.keyboard.type(" r1p+")
    page.keyboard.press("ArrowLeft")
    page.click("#speed")  # a select has the focus too
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert app.data("epoch") == "20" and app.data("playing") == "false"
    assert not page.evaluate("document.body.classList.contains('projector')")
    assert page.locator("main#views > .view:visible").count() == 4
    assert page.input_value("#epochs").endswith(" r1p+")


def test_follower_sees_the_teachers_run(
    app: App, page: Page, server_url: str, client: httpx.Client
) -> None:
    app.open("epochs=300&speed=live&lr=0.05")
    page.wait_for_function("Number(document.getElementById('app').dataset.received) >= 1")
    # the teacher's share dialog: the link and the server-made QR code
    page.click("#share-open")
    expect(page.locator("#share")).to_be_visible()
    link = page.locator("#share-link").inner_text()
    assert "/?job=" in link
    job_id = link.rsplit("=", 1)[1]
    page.wait_for_function(
        "(() => { const i = document.querySelector('#share-qr img'); return i && i.complete && i.naturalWidth > 50; })()"
    )
    page.click("#share-close")

    follower = page.context.new_page()
    follower.goto(f"{server_url}/?job={job_id}")  # while the run streams
    them = App(follower, server_url)
    expect(follower.locator("#follow-badge")).to_contain_text("read-only")
    assert follower.is_disabled("#lr") and follower.is_hidden("#run")
    app.finished()
    them.finished()
    assert them.data("epoch") == app.data("epoch") == "300"
    assert follower.input_value("#lr") == "0.05"
    assert follower.locator("#readout").inner_text() == page.locator("#readout").inner_text()
    assert (
        client.get(f"/api/jobs/{job_id}").json()["status"] == "completed"
    )  # the follower cancelled nothing
    follower.close()


def test_lesson_walks_every_step_in_both_languages(app: App, page: Page) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    app.open("speed=live")
    app.finished()
    page.click("#lesson-open")
    lesson = page.locator("#lesson")
    expect(lesson).to_be_visible()
    captions = {"en": [], "ko": []}
    for lang in ("en", "ko"):
        if lang == "ko":
            page.click("#lesson-lang")
        for n in range(1, 11):
            page.wait_for_function(f"document.getElementById('lesson').dataset.step === '{n}'")
            assert f"lesson={n}" in page.url
            assert lesson.get_attribute("lang") == lang
            captions[lang].append(page.locator("#lesson-caption").inner_text())
            if n < 10:
                page.keyboard.press("ArrowRight")  # the lesson's →, not the player's
        if lang == "en":
            app.finished(status="diverged")  # step 10: lr 0.5, held at its zig-zag
            expect(page.locator("#banner")).to_be_hidden()  # not before the path shows it
            page.click("#to-end")
            expect(page.locator("#banner-fixes button").first).to_be_visible()  # with its fixes
            for _ in range(9):
                page.keyboard.press("ArrowLeft")
            page.wait_for_function("document.getElementById('lesson').dataset.step === '1'")
    assert all(captions["en"]) and len(set(captions["en"])) == 10
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in c) for c in captions["ko"])  # Hangul
    assert any("학습률" in c or "경사하강법" in c for c in captions["ko"])
    # a step is a link: step 4 races manual against torch.optim.SGD, same path
    page.goto(f"{app.base}/#lesson=4&lang=en")
    app.to_end(runs=2)
    trails = app.trails("contour")
    assert trails[0]["x"] == pytest.approx(trails[1]["x"]) and trails[0]["y"] == pytest.approx(
        trails[1]["y"]
    )
    expect(lesson).to_contain_text("torch.optim.SGD")
    page.click("#lesson-close")
    expect(lesson).to_be_hidden()


def test_the_lesson_on_a_1920_projector_fits_the_screen(app: App, page: Page) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    app.open("lesson=5&projector=1&lang=en")
    app.to_end(runs=2)
    page.wait_for_timeout(300)
    assert fits_viewport(page)
    screenshot(page, "lesson-1920.png")


def test_lesson_steps_set_their_enlarged_view_and_esc_leaves_both(app: App, page: Page) -> None:
    app.open("lesson=8&lang=en")  # steps 8 and 9 both enlarge the loss curve
    page.wait_for_function("document.getElementById('views').dataset.focus === 'loss'")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('lesson').dataset.step === '9'")
    page.wait_for_timeout(200)
    assert page.eval_on_selector("#views", "v => v.dataset.focus") == "loss"  # set, not toggled
    page.keyboard.press("Escape")
    expect(page.locator("#lesson")).to_be_hidden()
    assert page.eval_on_selector("#views", "v => v.dataset.focus ?? ''") == ""
    assert page.locator("main#views > .view:visible").count() == 4


def test_the_keys_list_names_the_lesson_and_explain_keys(app: App, page: Page) -> None:
    app.open("epochs=10&speed=live")
    app.finished()
    page.keyboard.press("?")
    keys = page.locator("#help dl")
    expect(keys).to_contain_text("next / previous step")
    expect(keys).to_contain_text("Explain update")
    expect(keys).to_contain_text("Home / End")
    page.keyboard.press("Escape")


def test_lesson_steps_hold_their_key_moment_and_say_their_mode(app: App, page: Page) -> None:
    # step 3: its caption's arrow, at the start, where it is longest
    app.open("lesson=3&lang=en")
    app.wait(status="completed", epoch=0, playing=False)
    page.wait_for_timeout(400)
    assert app.data("epoch") == "0"
    page.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').gradients?.arrows.length === 1"
    )
    expect(page.locator("#lesson-mode")).to_have_text("mode: manual (w -= lr·grad)")
    # step 10: the zig-zag over the valley, before the numbers explode
    app.open("lesson=10&lang=en")
    app.wait(status="diverged", epoch=4, playing=False)
    page.wait_for_timeout(400)
    assert app.data("epoch") == "4"
    path = app.trails("contour")[0]
    lsq_w = 1.7149
    sides = [x > lsq_w for x in path["x"][1:]]
    assert len(path["x"]) == 5 and all(a != b for a, b in pairwise(sides))
    page.wait_for_function(  # the view at the zig-zag's scale, not at the loss of 1e37 to come
        "Math.max(...document.getElementById('chart-contour')._fullLayout.xaxis.range.map(Math.abs)) < 200"
    )
    expect(page.locator("#lesson-mode")).to_have_text("mode: sgd (full batch)")
    page.click("#play")  # then it plays on
    app.wait(status="diverged", epoch=60, playing=False)
    # a race says both modes, in the page's language; a step without a moment plays to its end
    app.open("lesson=4&lang=ko")
    expect(page.locator("#lesson-mode")).to_have_text("겨루기: manual 대 sgd")
    app.open("lesson=9&lang=en")
    app.wait(status="completed", epoch=100, playing=False)
