"""Headless Debian Chromium driven by Playwright against the real server (``server_url``).

Every page records console errors, uncaught exceptions, dialogs and requests; after each test
none may remain (bar HTTP error statuses a test says it expects) and no request may leave the
server's origin.

A test's ``page`` opens in one browser profile kept on disk for the session, its stored data
cleared before each test: only a profile on disk keeps V8's code cache, and with it Plotly starts
in a third of the time. Tests that need a browser of their own (several students) use ``browser``.
"""

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from support import ARGS, CHROMIUM

HTTP_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
VIEWPORT = {"width": 1366, "height": 768}
STORED = "cookies,local_storage,indexeddb,websql,service_workers,cache_storage,shader_cache"
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def screenshot(page: Page, name: str, settle_ms: int = 0, **options) -> None:
    """With GDVIZ_SCREENSHOTS set, wait ``settle_ms`` (late draws) and write docs/screenshots/
    ``name``; otherwise nothing: a test's screenshot is for the docs, not part of what it checks."""
    if not os.environ.get("GDVIZ_SCREENSHOTS"):
        return
    if settle_ms:
        page.wait_for_timeout(settle_ms)
    page.evaluate("document.fonts.ready.then(() => true)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), **options)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def profile(playwright: Playwright) -> Iterator[BrowserContext]:
    with tempfile.TemporaryDirectory(prefix="gdviz-chromium-") as folder:
        context = playwright.chromium.launch_persistent_context(
            folder, executable_path=CHROMIUM, args=ARGS, viewport=VIEWPORT, accept_downloads=True
        )
        yield context
        context.close()


@dataclass
class Watch:
    origin: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)  # 4xx/5xx, for diagnosis
    allow_http_errors: bool = False

    def problems(self) -> list[str]:
        errors = [e for e in self.errors if not (self.allow_http_errors and HTTP_ERROR.search(e))]
        return errors + [f"request to another origin: {u}" for u in self.foreign]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def watch(server_url: str) -> Watch:
    return Watch(origin=_origin(server_url))


@pytest.fixture
def page(profile: BrowserContext, watch: Watch) -> Iterator[Page]:
    page = profile.new_page()
    profile.new_cdp_session(page).send(
        "Storage.clearDataForOrigin", {"origin": watch.origin, "storageTypes": STORED}
    )
    page.set_default_timeout(20_000)
    page.on(
        "console",
        lambda m: watch.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: watch.errors.append(f"uncaught: {e}"))
    page.on("dialog", lambda d: (watch.errors.append(f"dialog: {d.message}"), d.dismiss()))

    def on_request(request) -> None:
        watch.requests.append(request.url)
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if _origin(request.url) != watch.origin:
            watch.foreign.append(request.url)

    page.on("request", on_request)
    page.on(
        "response",
        lambda r: (
            watch.responses.append(
                f"{r.status} {r.request.method} {r.url} {r.request.post_data} -> {r.text()}"
            )
            if r.status >= 400
            else None
        ),
    )
    yield page
    page.wait_for_timeout(50)  # let late console messages arrive
    for opened in profile.pages:
        opened.close()
    profile.clear_permissions()
    assert not watch.problems(), (watch.problems(), watch.responses)


class App:
    """The page under test, through its stable hooks (#app data-*, control ids, #err-<field>)."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base

    def open(self, hash_: str = "") -> "App":
        self.page.goto(f"{self.base}/{'#' + hash_ if hash_ else ''}")
        return self

    def data(self, key: str) -> str:
        return self.page.eval_on_selector("#app", f"e => e.dataset.{key}")

    def wait(
        self, status: str | None = None, epoch: int | None = None, playing: bool | None = None, **kw
    ) -> None:
        checks = []
        if status is not None:
            checks.append(f"d.status === '{status}'")
        if epoch is not None:
            checks.append(f"d.epoch === '{epoch}'")
        if playing is not None:
            checks.append(f"d.playing === '{str(playing).lower()}'")
        for k, v in kw.items():
            checks.append(f"d.{k} === '{v}'")
        self.page.wait_for_function(
            f"(() => {{ const d = document.getElementById('app').dataset; return {' && '.join(checks)}; }})()"
        )

    def finished(self, status: str = "completed") -> None:
        self.wait(status=status, playing=False)

    def to_end(self, status: str = "completed", runs: int | None = None) -> None:
        """Once every run is done, the player at its last epoch without playing it back (the page's
        "jump to end"): what a lesson step (speed 2, 100 epochs: 5 s of playback) ends showing."""
        self.wait(status=status, **({} if runs is None else {"runs": str(runs)}))
        self.page.eval_on_selector("#to-end", "b => b.click()")
        self.wait(status=status, playing=False, epoch=int(self.data("received")))

    def upload(self, name: str, text: str | bytes) -> None:
        """Choose "upload" as the data set and give the file input a CSV called ``name``."""
        self.page.select_option("#data", "upload")
        buffer = text.encode() if isinstance(text, str) else text
        self.page.set_input_files(
            "#upload-file", files=[{"name": name, "mimeType": "text/csv", "buffer": buffer}]
        )

    def trace_lengths(self, chart: str) -> list[int]:
        return self.page.eval_on_selector(
            f"#chart-{chart}",
            "el => el.data.map(t => (t.z && t.type !== 'scatter3d' ? t.z.length : (t.x || []).length))",
        )

    def trace_names(self, chart: str) -> list[str]:
        return self.page.eval_on_selector(f"#chart-{chart}", "el => el.data.map(t => t.name || '')")

    def trails(self, chart: str) -> list[dict]:
        """What the contour or 3D view painted per run on its overlay canvas: {label, x, y[, z], head}."""
        return self.page.eval_on_selector(f"#chart-{chart} canvas.trails", "c => c.trails")

    def fill(self, field_id: str, value: str) -> None:
        self.page.fill(f"#{field_id}", value)


@pytest.fixture
def app(page: Page, server_url: str) -> App:
    return App(page, server_url)
