"""The page in Korean (i18n.js, i18n/ko.js, css/fonts.css): every word it shows, its charts' titles
and its screen-reader labels are Korean; switching keeps the run; Hangul renders with the shipped
font, whatever fonts the machine has of its own."""

import re

import pytest
from conftest import App, Watch
from playwright.sync_api import Page, expect

# Latin words that stay in Korean text: names, code, units, file kinds and the lesson's own "epoch"
ALLOWED = {
    "gdviz", "PyTorch", "torch", "nn", "Linear", "SGD", "sgd", "Adam", "adam", "momentum", "rmsprop",
    "adagrad", "nesterov", "Nesterov", "RMSprop", "Adagrad", "MSE", "MAE", "Huber", "CSV", "JSON",
    "PNG", "QR", "py", "epoch", "lr", "grad", "loss", "backward", "zero_grad", "step", "optimizer",
    "my_optimizer", "data", "None", "max", "min", "mph", "ft", "Esc", "Enter", "Space", "Shift", "Home", "End",
    "Ctrl", "English", "manual", "minibatch", "linear", "design", "StepLR", "ExponentialLR",
    "CosineAnnealingLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "manual_seed", "arange",
    "linspace", "x_start", "x_stop", "x_step", "DataLoader", "batch_size", "shuffle", "True",
    "SSE", "RMSE", "BCE", "sin",  # sin x: a curve of the synthetic data
    "MLP", "ReLU", "tanh",  # a network and its activations, by their names
}  # fmt: skip

# Everything a person or a screen reader meets: visible text, chart titles, labels, hints, legends
# (but the generated script: Python, its comments in English).
WORDS = """() => {
  // the generated script is Python in the code panel, not the page's words
  const out = [document.body.innerText.replace(document.getElementById('code-text').innerText, '')];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (el.closest('[hidden]') || el.closest('dialog:not([open])')) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  for (const el of document.querySelectorAll('.sr-only, [role=status], [role=alert]')) out.push(el.textContent);
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    const fl = el._fullLayout;
    if (!fl) continue;
    const axes = [fl.xaxis, fl.yaxis, fl.yaxis2, fl.scene?.xaxis, fl.scene?.yaxis, fl.scene?.zaxis];
    for (const ax of axes) if (ax?.title?.text) out.push(ax.title.text);
    for (const t of el.data) if (t.name && t.showlegend !== false) out.push(t.name);
  }
  return out.join('\\n');
}"""


def english_words(page: Page) -> dict[str, str]:
    """Each word that is neither Korean nor allowed, with the text around it."""
    text = re.sub(r"https?://\S+|[\w-]+\.py\b", "", page.evaluate(WORDS))  # links and file names
    return {
        m.group(): text[max(0, m.start() - 40) : m.end() + 40]
        for m in re.finditer(r"[A-Za-z_]{2,}", text)
        if m.group() not in ALLOWED
    }


def test_every_word_on_the_korean_page_is_korean(app: App, page: Page) -> None:
    app.open("lang=ko&epochs=20&speed=live")
    app.finished()
    assert english_words(page) == {}
    assert page.evaluate("document.documentElement.lang") == "ko"
    # the help, the share dialog, explain mode and a lesson step
    page.click("#help-open")
    assert english_words(page) == {}
    page.keyboard.press("Escape")
    page.click("#share-open")
    page.wait_for_selector("#share-qr img")
    assert english_words(page) == {}
    page.click("#share-close")
    page.click("#explain")
    page.wait_for_function("document.getElementById('explain-box').dataset.phase === 'forward'")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.getElementById('explain-box').dataset.phase === 'backward'")
    assert page.text_content("#explain-caption").startswith("역전파")
    assert english_words(page) == {}
    page.click("#explain-exit")
    app.open("lesson=5&lang=ko")
    app.to_end()
    assert english_words(page) == {}


def test_the_english_page_has_no_hangul_but_the_switch(app: App, page: Page) -> None:
    app.open("epochs=5&speed=live")
    app.finished()
    text = page.evaluate(WORDS).replace("한국어", "")
    assert not re.search(r"[\uac00-\ud7a3]", text)
    # the words index.html only names by key are filled in English too
    assert page.get_attribute("#scrubber", "aria-label") == "epoch"
    assert page.get_attribute("#controls", "aria-label") == "settings"


def test_the_switch_changes_the_words_in_place_and_keeps_the_run(app: App, page: Page) -> None:
    app.open("epochs=30&speed=0.25")
    app.wait(status="completed")
    job = app.data("job")
    page.evaluate("window.__same = true")
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'ko'")
    assert page.evaluate("window.__same") is True  # no reload
    assert app.data("job") == job and "lang=ko" in page.url
    assert page.text_content("#title-loss") == "손실 곡선"
    assert page.text_content("label[for=lr]") == "학습률"
    titles = page.evaluate(
        "['chart-loss', 'chart-contour'].map((id) => document.getElementById(id)._fullLayout.yaxis.title.text)"
    )
    assert titles[0] == "손실" and titles[1] in ("b (절편)", "b")
    assert (
        page.evaluate("document.getElementById('chart-surface')._fullLayout.scene.zaxis.title.text")
        == "손실"
    )
    assert page.text_content("#play span") in ("재생", "일시정지")
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.text_content("#title-loss") == "Loss curve" and app.data("job") == job


def platform_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew a node's text with, as family → glyphs (its own answer, so
    the same on a machine with a Korean font of its own and on one without)."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return {
        f["familyName"] + (" (web font)" if f["isCustomFont"] else ""): f["glyphCount"]
        for f in fonts
    }


def test_hangul_is_drawn_with_the_shipped_font(app: App, page: Page) -> None:
    app.open("lang=ko&epochs=3&speed=live")
    app.finished()
    page.wait_for_function("document.fonts.check('16px \"gdviz Hangul\"', '가')")
    title = page.text_content("#title-loss")
    hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in title)
    assert hangul >= 2, title
    # every syllable from the page's own font, none from a Korean font the machine may have
    drawn = platform_fonts(page, "#title-loss")
    assert drawn.get("gdviz Hangul (web font)") == hangul, drawn
    # English stays in the system's font: the shipped one holds Hangul only
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert not any("gdviz Hangul" in family for family in platform_fonts(page, "#title-loss"))


def test_play_and_pause_are_drawn_not_a_font_glyph(app: App, page: Page) -> None:
    icon = "document.querySelector('#play svg')"
    app.open("epochs=200&speed=0.25")
    app.wait(playing=True)
    page.wait_for_function(f"{icon}.dataset.icon === 'pause'")
    assert page.eval_on_selector("#play svg", "s => s.querySelectorAll('rect').length") == 2
    assert "⏸" not in page.text_content("#play")
    page.click("#play")
    page.wait_for_function(f"{icon}.dataset.icon === 'play'")
    assert page.eval_on_selector("#play svg", "s => s.querySelectorAll('path').length") == 1


@pytest.mark.parametrize(
    "path", ["/static/fonts/gdviz-hangul-regular.woff2", "/static/fonts/OFL.txt"]
)
def test_the_font_and_its_licence_are_served_by_the_page(app: App, page: Page, path: str) -> None:
    response = page.request.get(f"{app.base}{path}")
    assert response.status == 200 and len(response.body()) > 1000


def test_words_the_lesson_is_the_lesson_and_a_seed_is_a_random_seed(app: App, page: Page) -> None:
    """The page and the script it generates call the original lesson code "the lesson"; "seed" is
    only the random seed."""
    app.open("epochs=5&speed=live&code=1")
    app.finished()
    page.wait_for_function(
        "document.getElementById('code-text').textContent.includes('import torch')"
    )
    text = page.evaluate(WORDS) + page.text_content("#code-text")
    assert not re.search(r"the seed\b|seed's|seed’s|seed lesson", text, re.IGNORECASE)
    assert page.text_content("#race-methods") == "Race the lesson's methods"
    assert page.text_content("label[for=seed]") == "random seed"
    assert "the way the lesson writes it" in page.text_content("#code-text")


def test_the_servers_refusal_of_a_link_is_in_the_pages_language(
    app: App, page: Page, watch: Watch
) -> None:
    """A link to an upload the server no longer has: its 422 is shown at the file chooser, in
    Korean (controls.js serverSays); in English, in the server's own words."""
    watch.allow_http_errors = True  # the 422s this test asks for
    link = "data=upload&upload=0123456789ab&col_x=x&col_y=y&epochs=5&speed=live"
    app.open(f"lang=ko&{link}")
    expect(page.locator("#err-upload")).to_have_text(
        "이 업로드는 서버에 더 이상 없습니다: CSV 파일을 다시 고르세요"
    )
    app.open(f"lang=en&{link}")
    page.reload()
    expect(page.locator("#err-upload")).to_contain_text("expired or never uploaded")
    # a refusal across fields, named by the server (its ctx.reason) with its figures
    app.open("lang=ko&x_start=3&x_stop=-3&epochs=5&speed=live")
    page.reload()
    expect(page.locator("#err-x_stop")).to_have_text("x 시작(3)보다 커야 합니다")
