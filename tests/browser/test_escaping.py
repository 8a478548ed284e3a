"""The page shows user-supplied strings — CSV column names, the uploaded file's name, values from a
shared link's hash, the server's error messages quoting them — as text, never as markup."""

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Page

X_NAME = '<img src=x onerror="window.__xss=1">'
Y_NAME = '<a href="javascript:window.__xss=2">y</a><svg onload="window.__xss=3">'
FILE_NAME = '<script>window.__xss=4</script><img src=x onerror="window.__xss=5">.csv'
CSV = (
    f'"{X_NAME.replace(chr(34), chr(34) * 2)}","{Y_NAME.replace(chr(34), chr(34) * 2)}"\n'
    + "".join(f"{x},{2 * x - 1 + (x % 3) * 0.1}\n" for x in range(12))
)

INJECTED = """() => ({
  xss: window.__xss ?? null,
  img: document.querySelectorAll('img[src="x"], img[onerror]').length,
  js_links: [...document.querySelectorAll('a')].filter(a => /^\\s*javascript:/i.test(a.getAttribute('href') || a.getAttribute('xlink:href') || '')).length,
  svg_onload: document.querySelectorAll('svg[onload], [onload]').length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('__xss')).length,
})"""
CLEAN = {"xss": None, "img": 0, "js_links": 0, "svg_onload": 0, "scripts": 0}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on(
        "dialog", lambda d: d.dismiss()
    )  # an alert() would be an injection too; INJECTED catches __xss
    yield page
    context.close()


def finished(page: Page) -> None:
    page.wait_for_function(
        "(() => { const d = document.getElementById('app').dataset;"
        " return d.status === 'completed' && d.playing !== 'true'; })()"
    )


def test_hostile_column_and_file_names_are_text(page: Page, server_url: str):
    page.goto(f"{server_url}/")
    page.select_option("#data", "upload")
    page.set_input_files(
        "#upload-file", files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.wait_for_function("document.getElementById('col_x').options.length >= 2")
    options = page.eval_on_selector("#col_x", "s => [...s.options].map(o => o.textContent)")
    assert X_NAME in options and Y_NAME in options  # shown literally
    page.fill("#epochs", "20")
    page.click("#run")
    finished(page)
    page.wait_for_timeout(300)  # late renders (axis titles, legends)
    assert page.evaluate(INJECTED) == CLEAN
    text = page.inner_text("body") + "".join(
        page.eval_on_selector_all("svg text", "ts => ts.map(t => t.textContent)")
    )
    assert "<img src=x" in text or "<a href=" in text  # the names are on the page, as text


def test_hostile_values_in_a_shared_link_are_text(page: Page, server_url: str):
    upload = httpx.post(
        f"{server_url}/api/datasets", files={"file": (FILE_NAME, CSV.encode(), "text/csv")}
    ).json()
    evil = quote('<img src=x onerror="window.__xss=6">', safe="")
    page.goto(
        f"{server_url}/#data=upload&upload={upload['id']}&col_x={evil}&col_y={evil}&epochs=5&speed=live"
    )
    page.wait_for_function(
        "(() => { const d = document.getElementById('app').dataset;"
        " return d.status !== 'idle' && d.status !== 'running'; })()"
    )
    page.wait_for_timeout(300)
    assert page.evaluate(INJECTED) == CLEAN
    page.goto(f"{server_url}/#data=builtin&builtin={evil}&epochs=5")
    page.wait_for_timeout(1500)
    assert page.evaluate(INJECTED) == CLEAN


LINK = '<a href="https://evil.example/x">CLICK</a>'
HUGE = '<b style="font-size:80px">HUGE</b>'
MARKUP_CSV = (
    f'"{LINK.replace(chr(34), chr(34) * 2)}","{HUGE.replace(chr(34), chr(34) * 2)}"\n'
    + "".join(f"{x},{2 * x - 1 + (x % 3) * 0.1}\n" for x in range(12))
)
# What Plotly makes of markup it is handed in a title, a legend or a hover: a live link, a tspan
# with the style; and the names shown as they are, as text.
MARKUP = """() => ({
  links: [...document.querySelectorAll('a')].filter(a => /evil\\.example/.test(
    a.getAttribute('href') || a.getAttribute('xlink:href') || '')).length,
  huge: [...document.querySelectorAll('svg *')].filter(e => /80px/.test(e.getAttribute('style') || '')).length,
  shown: [...document.querySelectorAll('svg text')].map(t => t.textContent)
    .filter(t => t.includes('<a href="https://evil.example/x">CLICK</a>') || t.includes('<b style="font-size:80px">HUGE</b>')).length,
})"""


def charts_show_the_names_as_text(page: Page) -> None:
    page.wait_for_function(
        "[...document.querySelectorAll('#chart-fit svg text')].some(t => t.textContent.includes('CLICK'))"
    )
    page.wait_for_timeout(300)  # late renders (legends, hovers' templates)
    assert page.evaluate(MARKUP) == {"links": 0, "huge": 0, "shown": 2}


def test_markup_in_column_names_is_text_on_every_page_that_shows_the_run(
    page: Page, server_url: str
):
    """A CSV header `<a href=…>` or `<b style=…>` is an axis title as text — on the teacher's page
    that ran it, a `/?job=` share page, and a room student's page — never a link or huge text."""
    upload = httpx.post(
        f"{server_url}/api/datasets",
        files={"file": ("markup.csv", MARKUP_CSV.encode(), "text/csv")},
    ).json()
    dataset = {"kind": "upload", "id": upload["id"], "x": LINK, "y": HUGE}
    job = httpx.post(f"{server_url}/api/jobs", json={"epochs": 20, "dataset": dataset}).json()["id"]

    page.goto(f"{server_url}/")  # the page that uploads and runs it
    page.select_option("#data", "upload")
    page.set_input_files(
        "#upload-file",
        files=[{"name": "markup.csv", "mimeType": "text/csv", "buffer": MARKUP_CSV.encode()}],
    )
    page.wait_for_function("document.getElementById('col_x').options.length >= 2")
    page.fill("#epochs", "20")
    page.click("#run")
    finished(page)
    charts_show_the_names_as_text(page)

    page.goto(f"{server_url}/?job={job}")  # a share page
    charts_show_the_names_as_text(page)

    made = httpx.post(f"{server_url}/api/rooms").json()
    teacher = {"Authorization": f"Bearer {made['teacher_key']}"}
    room = f"{server_url}/api/rooms/{made['code']}"
    assert httpx.put(f"{room}/job", json={"job": job}, headers=teacher).status_code == 200
    page.goto(f"{server_url}/?room={made['code']}")  # a student's page in the room
    charts_show_the_names_as_text(page)
    httpx.delete(room, headers=teacher)
