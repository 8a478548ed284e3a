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
import contextlib
import functools
import http.client
import itertools
import json
import math
import os
import socket
import sys
import threading
import time
import urllib.parse
import warnings
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

if TYPE_CHECKING:
    from .watched import Watched

MAX_BATCH = 1000  # epochs a POST carries (the server's bound)
MIN_INTERVAL_S = 0.1  # between two POSTs: 10 a second, under the server's 30
START_S = 120.0  # an embedded server starts within this (it warms torch up first)
FLUSH_S = 60.0
SENDER_NICENESS = 10  # on busy cores the loop goes first: the sender only has to keep up  # ``done`` waits this long at most for the epochs still to send


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
        self.jobs = app.state.stores.jobs  # in memory: its loops hand it their epochs directly
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.socket]},
            name="gdviz-server",
            daemon=True,
        )
        switch = sys.getswitchinterval()
        self.thread.start()
        deadline = time.monotonic() + START_S
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("gdviz could not start in this process")
            time.sleep(0.02)
        # A server of its own hands the interpreter to its requests every millisecond; here the
        # loop is the student's, and goes first.
        sys.setswitchinterval(switch)
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


def number(v: float) -> str:
    """A number as JSON: NaN and infinities as the server reads them, as text."""
    if math.isfinite(v):
        return repr(float(v))
    return '"NaN"' if math.isnan(v) else ('"Infinity"' if v > 0 else '"-Infinity"')


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
        local = embedded() if server is None else None
        self.server = (server or local.url).rstrip("/")  # type: ignore[union-attr]
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
        self._connection: http.client.HTTPConnection | None = None  # one kept alive
        created = self._post("/api/runs", spec, auth=False)
        self.id: str = created["id"]
        self._token: str = created["token"]
        self.url = f"{self.server}/?job={self.id}"
        # gdviz in this process: the sender hands the run its epochs as the route would after
        # reading them (no HTTP, JSON or validation of numbers that are the loop's own)
        self._local: Watched | None = None
        if local is not None:
            self._local = local.jobs.runs[self.id].run
        self.status = "running"
        self.error: str | None = None  # why sending stopped, if it did
        self._epoch = 0
        self._scalars = all(t.numel() == 1 for t in self.params)
        self._size = n = len(names)
        numbers = ",".join(["%r"] * n)
        self._formats = {  # an epoch's JSON, by how many values it has: without, with gradients
            2 + n: f'{{"epoch":%d,"loss":%r,"params":[{numbers}]}}',
            2 + 2 * n: f'{{"epoch":%d,"loss":%r,"params":[{numbers}],"grads":[{numbers}]}}',
        }
        # a body holds at most 21,000 items: a batch of a larger model's epochs is smaller
        self._batch = min(MAX_BATCH, 18_000 // (2 * len(names) + 8))
        # (epoch, loss, params, grads, lrs), made into events by the sender
        self._pending: collections.deque[tuple[Any, ...]] = collections.deque()
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
        not the next one. A few microseconds: the values are copied, the rest is the sender's."""
        self._epoch = self._epoch + 1 if step is None else int(step)
        ts = self.params
        # one flat tuple of numbers (lrs: None or a tuple): the garbage collector stops tracking
        # it, so a queue of thousands of epochs is not walked by its collections again and again
        value = loss.item() if isinstance(loss, Tensor) else float(loss)
        opt = self.optimizer
        lrs = None if opt is None else tuple([float(g["lr"]) for g in opt.param_groups])
        if self._scalars:  # the lesson's w and b: item() is the cheapest copy
            record = (
                lrs,
                self._epoch,
                value,
                *[t.item() for t in ts],
                *[g.item() for t in ts if (g := t.grad) is not None],
            )
        else:
            params = [v for t in ts for v in t.detach().reshape(-1).tolist()]
            grads = [v for t in ts if (g := t.grad) is not None for v in g.reshape(-1).tolist()]
            record = (lrs, self._epoch, value, *params, *grads)
        self._pending.append(record)
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
        with contextlib.suppress(AttributeError, OSError):  # Linux: a thread's own niceness
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SENDER_NICENESS)
        last = 0.0
        while True:
            self._wake.wait(0.5)
            self._wake.clear()
            while self._pending and self.status == "running" and self.error is None:
                time.sleep(max(0.0, last + MIN_INTERVAL_S - time.monotonic()))
                batch = [
                    self._pending.popleft() for _ in range(min(self._batch, len(self._pending)))
                ]
                last = time.monotonic()
                self._send(batch)
            if self.status != "running" or self.error or (self._closing and not self._pending):
                return

    def _send(self, batch: list[tuple[Any, ...]]) -> None:
        try:
            if self._local is not None:
                self.status = self._hand(self._local, batch)
            else:
                events = self._events(batch)
                data = f'{{"events":[{events}]}}'.encode()
                self.status = self._post(f"/api/runs/{self.id}/events", data)["status"]
        except Ended as exc:
            self.status = "ended"
            warnings.warn(f"gdviz: run {self.id} takes no more epochs: {exc}", stacklevel=1)
        except RuntimeError as exc:
            self.error = str(exc)
            warnings.warn(f"gdviz: stopped sending run {self.id}: {exc}", stacklevel=1)

    def _hand(self, run: "Watched", batch: list[tuple[Any, ...]]) -> str:
        """A batch handed to the run in this process's gdviz (``Ended`` when it has ended)."""
        from .watched import RunError, RunEvent

        n, make = self._size, RunEvent.model_construct
        events = []
        for lrs, epoch, loss, *values in batch:
            grads = values[n:] if len(values) == 2 * n else None
            lr = None if lrs is None else list(lrs)
            events.append(
                make(epoch=epoch, loss=loss, params=values[:n], grads=grads, lr=lr, step=None)
            )
        try:
            return run.add(events)[1]
        except RunError as exc:
            if exc.status == 409:
                raise Ended(exc.msg) from None
            raise RuntimeError(f"{exc.status} {exc.msg}") from None

    def _events(self, batch: list[tuple[Any, ...]]) -> str:
        """A batch's epochs as JSON: in one %-format when they are all alike (no lrs, every
        gradient, every number finite), else one by one."""
        full = 3 + 2 * self._size
        if all(len(r) == full and r[0] is None for r in batch):
            values = tuple(itertools.chain.from_iterable(r[1:] for r in batch))
            if all(map(math.isfinite, values)):
                return ",".join([self._formats[full - 1]] * len(batch)) % values
        return ",".join([self._event(record) for record in batch])

    def _event(self, record: tuple[Any, ...]) -> str:
        """An epoch as the server reads it, as JSON: one %-format of its numbers (a float's
        ``repr`` is its JSON; this is the sender's hot loop), NaN and infinities as text."""
        lrs, values = record[0], record[1:]
        n = self._size
        if len(values) != 2 + 2 * n:  # no gradients (or not all of them)
            values = values[: 2 + n]
        if all(map(math.isfinite, values)):
            out: str = self._formats[len(values)] % values
        else:
            epoch, loss, params = values[0], values[1], values[2 : 2 + n]
            out = f'{{"epoch":{epoch},"loss":{number(loss)},"params":[{",".join(map(number, params))}]}}'
        if lrs is None:
            return out
        return f'{out[:-1]},"lr":{json.dumps(list(lrs), allow_nan=False)}}}'

    def _post(self, path: str, body: dict[str, Any] | bytes, auth: bool = True) -> dict[str, Any]:
        """POST ``body`` as JSON on one kept-alive connection; retried on 429 and, for a few
        seconds, on a connection refused or dropped. ``Ended`` on 409, ``RuntimeError`` for
        anything else refused."""
        data = body if isinstance(body, bytes) else json.dumps(body, allow_nan=False).encode()
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self._token}"
        for attempt in range(20):
            try:
                status, answer, retry = self._exchange(path, data, headers)
            except (OSError, http.client.HTTPException) as exc:
                self._connection = None
                if attempt >= 5:
                    raise RuntimeError(f"gdviz at {self.server} is unreachable: {exc}") from None
                time.sleep(0.2 * 2**attempt)
                continue
            if status < 300:
                out: dict[str, Any] = json.loads(answer)
                return out
            detail = answer.decode(errors="replace")[:500]
            if status == 429 and attempt < 19:
                time.sleep(float(retry or 1))
                continue
            if status == 409:
                raise Ended(detail)
            raise RuntimeError(f"{status} {detail}")
        raise RuntimeError("the server kept answering 429")

    def _exchange(
        self, path: str, data: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str | None]:
        if self._connection is None:
            parts = urllib.parse.urlsplit(self.server)
            kind = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            self._connection = kind(parts.netloc, timeout=30)
        base = urllib.parse.urlsplit(self.server).path
        self._connection.request("POST", base + path, data, headers)
        response = self._connection.getresponse()
        return response.status, response.read(), response.getheader("Retry-After")

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
