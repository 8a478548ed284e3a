"""``gdviz.watch``: a student's own PyTorch loop, shown live in gdviz as a run like gdviz's own.

    with gdviz.watch([w, b], x=X, y=Y) as run:
        for epoch in range(100):
            ...                          # the loop's own forward, loss, backward, step
            run.log(loss=loss.item())    # the loss before this epoch's update, the parameters now

``log`` copies the parameters (and their gradients) and returns; a thread sends them to the server
in batches (``POST /api/runs/{id}/events``, standard library only). Without a ``server``, gdviz is
started in this process on a free local port, once, and stopped when the process exits. In a
notebook the run shows itself inline (the page in an IFrame); in a terminal its link is printed.
"""

import atexit
import collections
import functools
import json
import math
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any

import torch
from torch import Tensor, nn

MAX_BATCH = 150  # epochs a POST carries (the server's bound)
MIN_INTERVAL_S = 0.05  # between two POSTs: 20 a second, under the server's 30
START_S = 120.0  # an embedded server starts within this (it warms torch up first)
FLUSH_S = 60.0  # ``done`` waits this long at most for the epochs still to send


class Embedded:
    """gdviz in this process: uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        import uvicorn

        from .app import create_app
        from .settings import Settings

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        app = create_app(Settings(host="127.0.0.1", port=port, redis_url=None))
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.socket]},
            name="gdviz-server",
            daemon=True,
        )
        self.thread.start()
        deadline = time.monotonic() + START_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("gdviz could not start in this process")
            time.sleep(0.02)
        # Stopped before the interpreter's own thread pools refuse work (the server's shutdown
        # hands its jobs' shutdown to one): threading's exit hooks run before those pools'.
        at_exit = getattr(threading, "_register_atexit", atexit.register)
        at_exit(self.stop)

    def stop(self) -> None:
        """Stop serving and training (its jobs cancelled), and wait for the thread to end."""
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()


@functools.cache
def embedded() -> Embedded:
    """The one gdviz this process runs, started on first use, alive while the process lives."""
    return Embedded()


def tensors(model: nn.Module | Iterable[Tensor]) -> tuple[list[Tensor], list[str]]:
    """The parameters to watch and their names: a module's by name, one per element; a list's
    ``w``, ``b`` for the lesson's two scalars, else ``p0``, ``p1``, …"""
    named: list[tuple[str, Tensor]]
    if isinstance(model, nn.Module):
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    else:
        given = list(model)
        if not all(isinstance(t, Tensor) for t in given):
            raise TypeError("watch() takes an nn.Module or a list of tensors")
        lesson = len(given) == 2 and all(t.numel() == 1 for t in given)
        named = [("wb"[i] if lesson else f"p{i}", t) for i, t in enumerate(given)]
    names = []
    for name, t in named:
        names += [name] if t.numel() == 1 else [f"{name}[{i}]" for i in range(t.numel())]
    return [t for _, t in named], names


def values(ts: Sequence[Tensor]) -> list[float]:
    return [float(v) for t in ts for v in t.detach().reshape(-1).tolist()]


def text(v: float) -> float | str:
    """A number as JSON can carry it: NaN and infinities as the server reads them, as text."""
    if math.isfinite(v):
        return v
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


class Run:
    """One watched loop: ``log`` once an epoch, ``done`` (or the ``with`` block's end) at the end;
    ``url`` is its page."""

    def __init__(
        self,
        model: nn.Module | Iterable[Tensor],
        x: Tensor | Sequence[float] | None = None,
        y: Tensor | Sequence[float] | None = None,
        *,
        optimizer: torch.optim.Optimizer | None = None,
        name: str = "my loop",
        server: str | None = None,
        kind: str = "line",
        loss: str | None = None,
        lr: float | None = None,
        epochs: int = 100,
    ) -> None:
        self.params, names = tensors(model)
        self.optimizer = optimizer
        self.server = (server or embedded().url).rstrip("/")
        spec: dict[str, Any] = {"name": name, "param_names": names, "params": values(self.params)}
        spec["epochs"] = epochs
        if kind == "poly":
            spec["model"] = {"kind": "poly", "degree": len(names) - 1}
        elif kind != "line":
            spec["model"] = {"kind": kind}
        if loss is not None:
            spec["loss"] = loss
        if lr is None and optimizer is not None:
            lr = float(optimizer.param_groups[0]["lr"])
        if lr is not None:
            spec["lr"] = lr
        if (x is None) != (y is None):
            raise ValueError("give both x and y, or neither")
        if x is not None and y is not None:
            spec["points"] = {"x": self._column(x), "y": self._column(y)}
        created = self._post("/api/runs", spec, auth=False)
        self.id: str = created["id"]
        self._token: str = created["token"]
        self.url = f"{self.server}/?job={self.id}"
        self.status = "running"
        self.error: str | None = None  # why sending stopped, if it did
        self._epoch = 0
        self._pending: collections.deque[dict[str, Any]] = collections.deque()
        self._wake = threading.Event()
        self._closing = False
        self._sender = threading.Thread(
            target=self._send_all, name=f"gdviz-watch-{self.id}", daemon=True
        )
        self._sender.start()
        if not in_notebook():
            print(f"gdviz: watching '{name}' at {self.url}", file=sys.stderr)

    @staticmethod
    def _column(v: Tensor | Sequence[float]) -> list[float]:
        return torch.as_tensor(v, dtype=torch.float64).reshape(-1).tolist()

    # --- the loop's side: cheap, never blocks ---

    def log(self, loss: float | Tensor, step: int | None = None) -> None:
        """One epoch: ``loss`` (the loss before this epoch's update), the parameters now, their
        gradients and the optimizer's lr of each param group. ``step``: the epoch's number, if
        not the next one."""
        self._epoch = self._epoch + 1 if step is None else int(step)
        event: dict[str, Any] = {
            "epoch": self._epoch,
            "loss": loss.item() if isinstance(loss, Tensor) else float(loss),
            "params": [t.detach().reshape(-1).tolist() for t in self.params],
        }
        grads = [t.grad for t in self.params]
        if all(g is not None for g in grads):
            event["grads"] = [g.reshape(-1).tolist() for g in grads]  # type: ignore[union-attr]
        if self.optimizer is not None:
            event["lr"] = [g["lr"] for g in self.optimizer.param_groups]
        self._pending.append(event)
        if not self._wake.is_set():
            self._wake.set()

    def done(self, failed: BaseException | str | None = None) -> None:
        """End the run once its epochs are sent: completed, or failed with ``failed``'s message."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        self._sender.join(FLUSH_S)
        if self.status != "running":  # ended meanwhile: diverged, or cancelled from gdviz
            return
        body: dict[str, Any] = {"status": "completed"}
        if failed is not None:
            why = failed if isinstance(failed, str) else f"{type(failed).__name__}: {failed}"
            body = {"status": "failed", "reason": why[:500]}
        try:
            self.status = self._post(f"/api/runs/{self.id}/done", body)["status"]
        except RuntimeError as exc:
            warnings.warn(f"gdviz: could not end run {self.id}: {exc}", stacklevel=2)

    def __enter__(self) -> "Run":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.done(exc)

    # --- the sender's side (its thread) ---

    def _send_all(self) -> None:
        last = 0.0
        while True:
            self._wake.wait(0.5)
            self._wake.clear()
            while self._pending and self.status == "running" and self.error is None:
                time.sleep(max(0.0, last + MIN_INTERVAL_S - time.monotonic()))
                batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
                last = time.monotonic()
                self._send(batch)
            if self.status != "running" or self.error or (self._closing and not self._pending):
                return

    def _send(self, batch: list[dict[str, Any]]) -> None:
        for event in batch:
            event["loss"] = text(event["loss"])
            event["params"] = [text(v) for vs in event["params"] for v in vs]
            if "grads" in event:
                grads = [v for vs in event["grads"] for v in vs]
                if all(map(math.isfinite, grads)):
                    event["grads"] = grads
                else:
                    del event["grads"]
        try:
            self.status = self._post(f"/api/runs/{self.id}/events", {"events": batch})["status"]
        except Ended as exc:
            self.status = "ended"
            warnings.warn(f"gdviz: run {self.id} takes no more epochs: {exc}", stacklevel=1)
        except RuntimeError as exc:
            self.error = str(exc)
            warnings.warn(f"gdviz: stopped sending run {self.id}: {exc}", stacklevel=1)

    def _post(self, path: str, body: dict[str, Any], auth: bool = True) -> dict[str, Any]:
        """POST ``body`` as JSON; retried on 429 and on a connection refused for a few seconds.
        ``Ended`` on 409, ``RuntimeError`` for anything else refused."""
        data = json.dumps(body, allow_nan=False).encode()
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self._token}"
        for attempt in range(20):
            request = urllib.request.Request(self.server + path, data, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer: dict[str, Any] = json.loads(response.read())
                    return answer
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")[:500]
                if exc.code == 429 and attempt < 19:
                    time.sleep(float(exc.headers.get("Retry-After") or 1))
                    continue
                if exc.code == 409:
                    raise Ended(detail) from None
                raise RuntimeError(f"{exc.code} {detail}") from None
            except OSError as exc:
                if attempt >= 5:
                    raise RuntimeError(f"gdviz at {self.server} is unreachable: {exc}") from None
                time.sleep(0.2 * 2**attempt)
        raise RuntimeError("the server kept answering 429")

    # --- how it shows itself ---

    def __repr__(self) -> str:
        return f"<gdviz run '{self.id}' ({self.status}): {self.url}>"

    def _repr_html_(self) -> str:
        return (
            f'<iframe src="{self.url}" title="gdviz: run {self.id}" width="100%" height="720" '
            f'style="border:1px solid #ccc" loading="lazy"></iframe>'
            f'<p><a href="{self.url}" target="_blank" rel="noopener">{self.url}</a></p>'
        )

    def _ipython_display_(self) -> None:
        """Inline: Colab serves the kernel's port through its own proxy; elsewhere an IFrame."""
        from IPython.display import HTML, display

        if "google.colab" in sys.modules:
            from google.colab import output  # type: ignore[import-not-found]

            port = int(self.server.rsplit(":", 1)[1])
            output.serve_kernel_port_as_iframe(port, path=f"/?job={self.id}", height=720)
            return
        display(HTML(self._repr_html_()))  # type: ignore[no-untyped-call]


class Ended(RuntimeError):
    """The server takes no more of the run (409): it diverged, or was cancelled from gdviz."""


def in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()
    return ip is not None and type(ip).__name__ != "TerminalInteractiveShell"


def watch(
    model: nn.Module | Iterable[Tensor],
    x: Tensor | Sequence[float] | None = None,
    y: Tensor | Sequence[float] | None = None,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    name: str = "my loop",
    server: str | None = None,
    kind: str = "line",
    loss: str | None = None,
    lr: float | None = None,
    epochs: int = 100,
) -> Run:
    """Watch a loop of your own in gdviz: ``model`` an ``nn.Module`` or a list of tensors (the
    lesson's ``[w, b]``); ``x``, ``y`` its data (the fit view and the exact landscape); ``optimizer``
    for its lr; ``server`` a gdviz's URL (None: one in this process); ``kind`` what the parameters
    are (``line``: ŷ = w·x + b, ``logistic``, ``poly``); ``epochs`` how many it will run."""
    return Run(
        model,
        x,
        y,
        optimizer=optimizer,
        name=name,
        server=server,
        kind=kind,
        loss=loss,
        lr=lr,
        epochs=epochs,
    )
