"""A student's notebook, executed headless (nbclient with an ipykernel), watches its own loop with
``gdviz.watch``: the cell's output is the run's page inline (an IFrame), and that page shows the
run as the loop sent it."""

import html
import os
import re

import httpx
import nbformat
from conftest import App, screenshot
from nbclient import NotebookClient
from playwright.sync_api import Page

CELLS = [
    """import torch, gdviz
torch.manual_seed(2021)
X = torch.arange(-5, 5, 0.1).view(-1, 1)
Y = 2 * X - 1 + 0.4 * torch.randn(X.size())
w = torch.tensor(-10.0, requires_grad=True)
b = torch.tensor(-20.0, requires_grad=True)""",
    """run = gdviz.watch([w, b], x=X, y=Y, server=SERVER, name="my notebook", epochs=40)
for epoch in range(40):
    loss = torch.mean((w * X + b - Y) ** 2)
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    run.log(loss=loss.item())
    w.grad.zero_(); b.grad.zero_()
run.done()
run""",
]


def test_a_notebook_shows_its_loop_inline_and_the_page_shows_the_run(
    app: App, page: Page, server_url: str
) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"SERVER = {server_url!r}")]
    notebook.cells += [nbformat.v4.new_code_cell(cell) for cell in CELLS]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute(env=env)
    outputs = notebook.cells[-1].outputs
    shown = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(shown) == 1, outputs
    found = re.search(r'<iframe src="([^"]+)"', shown[0])
    assert found, shown[0]
    url = html.unescape(found.group(1))
    assert url.startswith(f"{server_url}/?job=")
    run_id = url.rsplit("=", 1)[1]
    state = httpx.get(f"{server_url}/api/jobs/{run_id}").json()
    assert state["status"] == "completed" and state["epochs_done"] == 40

    page.goto(url)  # what the IFrame shows
    app.finished()
    assert app.data("epoch") == "40" and app.data("received") == "40"
    badge = page.text_content("#follow-badge")
    assert "a loop of its own, “my notebook”" in badge and "teacher" not in badge
    trail = app.trails("contour")[0]
    assert len(trail["x"]) == 41  # the start and every epoch
    assert trail["x"][0] == -10.0 and trail["y"][0] == -20.0
    assert abs(trail["x"][-1] - state["history"][-1]["w"]) < 1e-6
    for size in ((1920, 1080), (1366, 768)):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        screenshot(page, f"watched-{size[0]}x{size[1]}.png", settle_ms=300)
        page.click("#lang-switch")  # the page's own switch: the run stays as it is
        page.wait_for_function("document.documentElement.lang === 'ko'")
        assert "직접 짠 학습 루프" in page.text_content("#follow-badge")
        screenshot(page, f"watched-ko-{size[0]}x{size[1]}.png", settle_ms=300)
        page.click("#lang-switch")
        page.wait_for_function("document.documentElement.lang === 'en'")
    assert app.data("received") == "40"


def test_a_loop_that_sent_no_data_shows_its_loss_without_a_landscape(
    app: App, page: Page, server_url: str
) -> None:
    made = httpx.post(
        f"{server_url}/api/runs",
        json={"name": "bare", "param_names": ["w", "b"], "params": [0.5, -0.2], "epochs": 3},
    ).json()
    auth = {"Authorization": f"Bearer {made['token']}"}
    events = [{"epoch": k, "loss": 1.0 / k, "params": [0.5 + k / 10, -0.2]} for k in (1, 2, 3)]
    httpx.post(f"{server_url}/api/runs/{made['id']}/events", json={"events": events}, headers=auth)
    httpx.post(f"{server_url}/api/runs/{made['id']}/done", headers=auth)
    page.goto(f"{server_url}/?job={made['id']}")
    app.finished()  # no failed request (the page's own checks): no surface asked for
    assert app.data("epoch") == "3"
    assert 3 in app.trace_lengths("loss")
    assert page.eval_on_selector("#banner", "b => b.hidden")
