"""The code panel (the job's script: shown, copied, downloaded) and explain mode (one update, phase by phase).

Set GDVIZ_SCREENSHOTS=1 to write the explain-mode screenshot to docs/screenshots/.
"""

import re

import httpx
import pytest
from conftest import App, screenshot
from playwright.sync_api import Page

PHASES = ["forward", "loss", "backward", "step", "zero_grad"]
HOSTILE = (
    '"""doc <b>string</b>\nover two lines"""\n'
    '# <img src=x onerror="window.__owned=1"> torch.zeros(1)\n'
    "x = torch.nn.functional.mse_loss(a, b) + 1.5e-3  # tail\n"
    "def f(s='<i>'):\n    return None\n"
)

VISIBLE = """(() => {
  const box = document.getElementById('code-scroll').getBoundingClientRect();
  return [...document.querySelectorAll('#code-text .line.hl')].every((e) => {
    const r = e.getBoundingClientRect();
    return r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });
})()"""


def marked(page: Page) -> list[int]:
    return page.eval_on_selector_all(
        "#code-text .line.hl", "els => els.map(e => Number(e.dataset.line))"
    )


def explain_data(page: Page) -> dict:
    return page.eval_on_selector("#explain-box", "e => ({...e.dataset})")


def wait_phase(page: Page, phase: str, epoch: int) -> None:
    page.wait_for_function(
        f"(() => {{ const d = document.getElementById('explain-box').dataset; return d.phase === '{phase}' && d.epoch === '{epoch}'; }})()"
    )


def test_code_panel_shows_copies_and_downloads_the_script(
    app: App, page: Page, client: httpx.Client, server_url: str
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    app.open("epochs=15&speed=live")
    app.finished()
    assert page.is_hidden("#code-panel")
    page.click("#code-toggle")
    page.wait_for_selector("#code-panel[data-state=ready]")
    job = page.eval_on_selector("#code-panel", "e => e.dataset.job")
    script = client.get(f"/api/jobs/{job}/code").text
    assert page.eval_on_selector("#code-text", "e => e.textContent") == script
    assert page.locator("#code-text .line").count() == script.count("\n") + 1
    classes = page.eval_on_selector_all(
        "#code-text [class^=tok-]", "els => [...new Set(els.map(e => e.className))]"
    )
    assert {"tok-keyword", "tok-string", "tok-comment", "tok-number", "tok-torch"} <= set(classes)
    assert "torch.manual_seed" in page.eval_on_selector_all(
        "#code-text .tok-torch", "els => els.map(e => e.textContent)"
    )

    page.click("#code-copy")
    page.wait_for_function("document.getElementById('code-status').textContent.includes('copied')")
    assert page.evaluate("navigator.clipboard.readText()") == script

    filename = client.get(f"/api/jobs/{job}/code", params={"format": "json"}).json()["filename"]
    with page.expect_download() as dl:
        page.click("#code-download")
    assert dl.value.suggested_filename == filename
    assert open(dl.value.path(), encoding="utf-8").read() == script

    # the highlighter only makes text nodes: markup in the source stays text
    got = page.evaluate(
        """async (src) => {
      const { highlight } = await import('/static/js/code/highlight.js');
      const box = document.createElement('div');
      box.append(highlight(src));
      const cls = (text) => [...box.querySelectorAll('[class^=tok-]')].find(e => e.textContent === text)?.className;
      return { text: box.textContent, elements: box.querySelectorAll('img, b, i').length, owned: window.__owned ?? null,
        lines: box.querySelectorAll('.line').length, doc: box.querySelectorAll('.line')[1].firstChild.className,
        fn: cls('f'), kw: cls('None'), num: cls('1.5e-3'), call: cls('torch.nn.functional.mse_loss'), str: cls("'<i>'") };
    }""",
        HOSTILE,
    )
    assert got == {
        "text": HOSTILE,
        "elements": 0,
        "owned": None,
        "lines": HOSTILE.count("\n") + 1,
        "doc": "tok-string",
        "fn": "tok-function",
        "kw": "tok-keyword",
        "num": "tok-number",
        "call": "tok-torch",
        "str": "tok-string",
    }

    page.click("#code-close")
    assert page.is_hidden("#code-panel")


def test_explain_walks_one_update_phase_by_phase(
    app: App, page: Page, client: httpx.Client
) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    app.open("epochs=12&speed=live&lr=0.05")
    app.finished()
    page.eval_on_selector(
        "#scrubber", "e => { e.value = '5'; e.dispatchEvent(new Event('input')); }"
    )
    app.wait(epoch=5)
    page.click("#explain")
    page.wait_for_selector("#code-panel[data-state=ready]")
    job = page.eval_on_selector("#code-panel", "e => e.dataset.job")
    phases = client.get(f"/api/jobs/{job}/code", params={"format": "json"}).json()["phases"]
    history = client.get(f"/api/jobs/{job}").json()["history"]
    before, after = history[3], history[4]

    for i, phase in enumerate(PHASES):
        if i:
            page.keyboard.press("ArrowRight")
        wait_phase(page, phase, 5)
        page.wait_for_function(
            f"document.getElementById('code-panel').dataset.marked === '{','.join(map(str, phases[phase]))}'"
        )
        assert marked(page) == phases[phase] and phases[phase]
        assert page.evaluate(VISIBLE), phase
        # the views show (w, b) before the update until its step, after it from then on
        shown = after if phase in ("step", "zero_grad") else before
        line = page.eval_on_selector("#chart-fit", "el => [el.data[3].x, el.data[3].y]")
        assert line[1] == pytest.approx([shown["w"] * x + shown["b"] for x in line[0]], abs=1e-9)
        names = page.eval_on_selector("#chart-fit", "el => el.data.slice(4).map(t => t.name)")
        arrows = page.eval_on_selector(
            "#chart-contour",
            "el => (el.layout.annotations || []).filter(a => a.name === 'explain').length",
        )
        assert ("ŷ" in names) == (phase == "forward") and ("squared errors" in names) == (
            phase == "loss"
        )
        assert arrows == (1 if phase in ("backward", "step", "zero_grad") else 0)
        if phase == "step":  # "w = before − lr·(grad) = after", written with the run's numbers
            w_line = page.text_content("#explain-math").replace("−", "-").splitlines()[0]
            numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", w_line)]
            assert numbers == pytest.approx(
                [before["w"], 0.05, after["grad_w"], after["w"]], rel=1e-4
            )
        if phase == "backward":
            screenshot(page, "explain-1920.png", settle_ms=300)  # the 3D view draws throttled

    d = explain_data(page)
    assert (
        float(d["wBefore"]) == before["w"]
        and float(d["wAfter"]) == after["w"]
        and float(d["gradW"]) == after["grad_w"]
    )
    # plain SGD: the step is exactly −lr·grad (up to float32 rounding)
    assert after["w"] - before["w"] == pytest.approx(-0.05 * after["grad_w"], rel=1e-5, abs=1e-7)
    assert after["b"] - before["b"] == pytest.approx(-0.05 * after["grad_b"], rel=1e-5, abs=1e-7)

    page.keyboard.press("ArrowRight")  # past zero_grad: the next update
    wait_phase(page, "forward", 6)
    app.wait(epoch=6)
    page.keyboard.press("ArrowLeft")
    wait_phase(page, "zero_grad", 5)
    for phase in reversed(PHASES[:-1]):
        page.keyboard.press("ArrowLeft")
        wait_phase(page, phase, 5)
        assert marked(page) == phases[phase]
    page.keyboard.press("Escape")
    assert page.is_hidden("#explain-box") and marked(page) == []


def test_explain_minibatch_uses_step_events_and_names_the_optimizer_state(
    app: App, page: Page
) -> None:
    app.open("mode=minibatch&optimizer=adam&epochs=4&granularity=step&speed=live")
    app.finished()
    page.click("#step-back")
    page.click("#explain")
    page.wait_for_selector("#code-panel[data-state=ready]")
    wait_phase(page, "forward", 3)
    d = explain_data(page)
    steps = page.evaluate("""() => new Promise((resolve) => {
      const es = new EventSource(`/api/jobs/${document.getElementById('code-panel').dataset.job}/events`);
      const got = [];
      es.addEventListener('step', (ev) => got.push(JSON.parse(ev.data)));
      es.addEventListener('done', () => { es.close(); resolve(got); });
    })""")
    last = max(i for i, s in enumerate(steps) if s["epoch"] == 3)
    assert d["source"] == "step"
    assert float(d["wBefore"]) == steps[last - 1]["w"] and float(d["wAfter"]) == steps[last]["w"]
    assert float(d["gradB"]) == steps[last]["grad_b"]
    assert "updates on mini-batches of 5" in page.text_content("#explain-note")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_phase(page, "step", 3)
    assert "Adam" in page.text_content("#explain-caption")
    page.keyboard.press("ArrowRight")
    wait_phase(page, "zero_grad", 3)
    assert "running means m and v is kept" in page.text_content("#explain-math")
    page.click("#code-close")  # closing the panel ends explain mode
    page.wait_for_selector("#explain-box", state="hidden")
    assert page.get_attribute("#explain", "aria-pressed") == "false" and page.is_hidden(
        "#code-panel"
    )
