"""The page's state has one owner: what the lesson, the look and the view toggles change survives
every other change, and the URL always says what the page shows."""

from conftest import App
from playwright.sync_api import Page, expect


def test_a_closed_lesson_stays_closed_on_the_next_run(app: App, page: Page) -> None:
    app.open("lesson=2&speed=live")
    app.to_end()  # a lesson's step plays at its own speed
    lesson = page.locator("#lesson")
    expect(lesson).to_be_visible()
    page.click("#lesson-close")
    expect(lesson).to_be_hidden()
    assert "lesson=" not in page.url
    page.fill("#epochs", "20")
    page.click("#run")
    app.wait(status="completed", playing=False, total="20")
    expect(lesson).to_be_hidden()
    assert "lesson=" not in page.url and "epochs=20" in page.url


def test_korean_captions_survive_a_view_toggle(app: App, page: Page) -> None:
    app.open("lesson=2&speed=live")
    app.to_end()  # a lesson's step plays at its own speed
    page.click("#lesson-lang")
    expect(page.locator("#lesson")).to_have_attribute("lang", "ko")
    assert page.eval_on_selector("#views", "v => v.dataset.focus") == "surface"  # kept, not toggled
    page.keyboard.press("4")  # all four views again, the loss curve's toggle with them
    page.check("#log-scale")
    page.click("#projector-toggle")
    assert "lang=ko" in page.url and "log=1" in page.url and "projector=1" in page.url
    page.click("#lesson-next")
    page.wait_for_function("document.getElementById('lesson').dataset.step === '3'")
    expect(page.locator("#lesson")).to_have_attribute("lang", "ko")
    assert "lang=ko" in page.url and "projector=1" in page.url


def test_the_form_offers_what_the_schema_allows(app: App, page: Page) -> None:
    app.open("epochs=5&speed=live")
    app.finished()
    offered = "s => [...s.options].map(o => o.value)"
    page.select_option("#mode", "manual")
    assert page.eval_on_selector("#optimizer", offered) == ["sgd"]  # the server refuses the others
    page.select_option("#mode", "minibatch")
    assert page.eval_on_selector("#optimizer", offered) == [
        "sgd",
        "momentum",
        "nesterov",
        "adam",
        "rmsprop",
        "adagrad",
    ]
    page.select_option("#optimizer", "rmsprop")  # torch's RMSprop is built without momentum here
    expect(page.locator("[data-field=momentum]")).to_be_hidden()
    expect(page.locator("[data-field=alpha]")).to_be_visible()
    page.select_option("#optimizer", "nesterov")
    expect(page.locator("[data-field=momentum]")).to_be_visible()
    expect(page.locator("[data-field=alpha]")).to_be_hidden()
    assert page.get_attribute("#epochs", "title") == "passes over the data: ≥ 1, ≤ 20000"
    assert page.get_attribute("#lr", "title") == "learning rate: > 0, ≤ 100"
    page.click("#run")
    app.finished()
    assert "optimizer=nesterov" in page.url and "mode=minibatch" in page.url


def test_switching_the_look_keeps_what_the_charts_show(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live&cmp=optimizer:sgd,optimizer:adam")
    app.wait(status="completed", runs="2", playing=False)
    page.wait_for_timeout(300)
    before = {c: app.trace_lengths(c) for c in ("fit", "loss", "contour")}
    page.click("#theme-toggle")
    page.keyboard.press("p")
    page.wait_for_timeout(300)
    assert "dark=1" in page.url and "projector=1" in page.url
    assert {c: app.trace_lengths(c) for c in ("fit", "loss", "contour")} == before
    layout = "el => [el._fullLayout.paper_bgcolor, Math.round(el._fullLayout.font.size)]"
    assert page.eval_on_selector("#chart-loss", layout) == ["#111111", 22]
    assert page.eval_on_selector("#chart-fit", "el => el.data[3].line.width") >= 6
    assert len(app.trails("contour")) == 2
    page.click("#theme-toggle")
    page.keyboard.press("p")
    page.wait_for_timeout(300)
    assert page.eval_on_selector("#chart-loss", layout) == ["#ffffff", 14]
    assert {c: app.trace_lengths(c) for c in ("fit", "loss", "contour")} == before


def test_back_and_forward_run_the_link_they_return_to(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    app.fill("epochs", "20")
    page.click("#run")
    app.wait(status="completed", playing=False, total="20")
    page.go_back()
    app.wait(status="completed", playing=False, total="30")
    assert page.input_value("#epochs") == "30" and "epochs=30" in page.url
    page.go_forward()
    app.wait(status="completed", playing=False, total="20")
    assert page.input_value("#epochs") == "20"


def test_the_code_panel_is_a_setting_a_link_can_hold(app: App, page: Page) -> None:
    app.open("code=1&epochs=5&speed=live")
    app.finished()
    panel = page.locator("#code-panel")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-state", "ready")
    page.keyboard.press("c")
    expect(panel).to_be_hidden()
    assert "code=" not in page.url
    page.click("#code-toggle")
    expect(panel).to_be_visible()
    assert "code=1" in page.url


def test_a_link_to_synthetic_data_names_no_built_in_set(app: App, page: Page) -> None:
    """The built-in list fills its select (cars first) once it comes; a run on synthetic data does
    not carry that choice into its link, and a built-in run does."""
    app.open("epochs=5&speed=live")
    app.finished()
    page.wait_for_function("document.getElementById('builtin').options.length > 1")
    page.fill("#epochs", "6")
    page.click("#run")
    app.wait(status="completed", playing=False, total="6")
    assert "builtin=" not in page.url and "epochs=6" in page.url
    page.select_option("#data", "builtin")
    page.click("#run")
    app.finished()
    assert "data=builtin&builtin=" in page.url
