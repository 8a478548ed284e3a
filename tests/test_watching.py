"""``gdviz.watch`` (watching.py): the lesson's own loop, written as a student writes it, appears in
gdviz exactly as it ran, on a real ``gdviz serve`` and on the gdviz it starts in its own process;
a loop that raises ends its run as failed."""

import json
import subprocess
import sys
import textwrap

import httpx
import pytest
import torch

import gdviz
from support import Server, read_events

# The lesson's loop (manual gradient descent on w, b), as a student writes it around gdviz.watch;
# it keeps its own numbers too, to compare with what gdviz got.
LOOP = """
import torch
import gdviz

def lesson(server=None, epochs=60, lr=0.1):
    torch.manual_seed(2021)
    X = torch.arange(-5, 5, 0.1).view(-1, 1)
    Y = 2 * X - 1 + 0.4 * torch.randn(X.size())
    w = torch.tensor(-10.0, requires_grad=True)
    b = torch.tensor(-20.0, requires_grad=True)
    out = []
    with gdviz.watch([w, b], x=X, y=Y, server=server, name="the lesson", epochs=epochs) as run:
        for epoch in range(epochs):
            loss = torch.mean((w * X + b - Y) ** 2)
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            run.log(loss=loss.item())
            out.append((loss.item(), [w.item(), b.item()]))
            w.grad.zero_()
            b.grad.zero_()
    return run, out
"""


def lesson(server: str | None):
    scope: dict = {}
    exec(LOOP, scope)
    return scope["lesson"](server)


def data():
    torch.manual_seed(2021)
    X = torch.arange(-5, 5, 0.1).view(-1, 1)
    return X, 2 * X - 1 + 0.4 * torch.randn(X.size())


def same(history: list[dict], out: list) -> None:
    assert len(history) == len(out)
    for k, (got, (loss, params)) in enumerate(zip(history, out, strict=True), start=1):
        assert got["epoch"] == k
        assert got["loss"] == loss  # exact: the loop's own float
        assert got["params"] == pytest.approx(params, abs=1e-6)


def test_the_lessons_loop_on_a_real_server(server: Server, capsys: pytest.CaptureFixture) -> None:
    run, out = lesson(server.url)
    assert run.status == "completed"
    assert f"at {run.url}" in capsys.readouterr().err  # a terminal gets the link
    with httpx.Client(base_url=server.url, timeout=30) as client:
        events = read_events(client, run.id)
        assert [e for _, e, _ in events][:2] == ["meta", "epoch"] and events[-1][1] == "done"
        meta = events[0][2]
        assert meta["start_params"] == [-10.0, -20.0] and meta["n"] == 100
        assert meta["least_squares"]["w"] == pytest.approx(2.0, abs=0.05)
        same([d for _, e, d in events if e == "epoch"], out)
        done = events[-1][2]
        assert done["status"] == "completed" and done["epochs"] == 60
        assert done["params"] == pytest.approx(out[-1][1], abs=1e-6)
        first = events[1][2]  # the gradient at the start, as backward() left it
        assert first["grad_w"] == pytest.approx((-10.0 - first["w"]) / 0.1, rel=1e-4)
        page = client.get(run.url)
        assert page.status_code == 200 and "<html" in page.text.lower()
    html = run._repr_html_()
    assert f'<iframe src="{run.url}"' in html


def test_a_module_with_its_optimizer(server: Server) -> None:
    X, Y = data()
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    with gdviz.watch(model, X, Y, optimizer=opt, server=server.url) as run:
        for _ in range(5):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(X), Y)
            loss.backward()
            opt.step()
            run.log(loss)  # a tensor is fine too
            losses.append(loss.item())
    state = httpx.get(f"{server.url}/api/jobs/{run.id}", timeout=30).json()
    assert state["meta"]["watched"]["param_names"] == ["weight", "bias"]
    assert state["meta"]["config"]["lr"] == 0.05
    assert [e["loss"] for e in state["history"]] == losses
    assert {e["lr"] for e in state["history"]} == {0.05}
    assert state["history"][-1]["params"] == pytest.approx(
        [model.weight.item(), model.bias.item()], abs=1e-6
    )


def test_a_loop_that_raises_ends_its_run_as_failed(server: Server) -> None:
    w, b = torch.tensor(1.0, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    with (
        pytest.raises(ValueError, match="the student's bug"),
        gdviz.watch([w, b], server=server.url) as run,
    ):
        run.log(loss=3.0)
        raise ValueError("the student's bug")
    state = httpx.get(f"{server.url}/api/jobs/{run.id}", timeout=30).json()
    assert state["status"] == "failed" and state["epochs_done"] == 1
    assert state["done"]["reason"] == "ValueError: the student's bug"


def test_a_diverging_loop_is_a_diverged_run(server: Server) -> None:
    w, b = torch.tensor(1.0, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    with gdviz.watch([w, b], server=server.url) as run:
        run.log(loss=2.0)
        run.log(loss=float("inf"))
        run.log(loss=float("nan"))
    assert run.status == "diverged"
    state = httpx.get(f"{server.url}/api/jobs/{run.id}", timeout=30).json()
    assert state["done"]["reason"] == "loss became infinite at epoch 2"
    assert state["done"]["diverged_at"] == 2 and state["epochs_done"] == 1


def test_what_it_refuses() -> None:
    with pytest.raises(TypeError, match=r"nn\.Module or a list of tensors"):
        gdviz.watch([1.0, 2.0], server="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="both x and y"):
        gdviz.watch([torch.tensor(1.0), torch.tensor(2.0)], x=[1, 2], server="http://127.0.0.1:1")


@pytest.mark.slow
def test_without_a_server_gdviz_runs_in_the_process(tmp_path) -> None:
    """``server=None``: gdviz starts in the loop's own process, and the process exits cleanly."""
    script = tmp_path / "loop.py"
    script.write_text(
        LOOP
        + textwrap.dedent(
            """
            import json, urllib.request
            run, out = lesson(epochs=30)
            with urllib.request.urlopen(f"{run.server}/api/jobs/{run.id}") as r:
                state = json.load(r)
            print(json.dumps({"url": run.url, "state": state, "out": out}))
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["url"].startswith("http://127.0.0.1:")
    assert answer["state"]["status"] == "completed"
    same(answer["state"]["history"], [tuple(o) for o in answer["out"]])
    assert "Traceback" not in done.stderr
