"""The line's landscape: the loss over a (w, b) grid and the least-squares line in closed form
(any model's slices are ``gdviz.models.landscape``).

MSE comes from the sufficient statistics (Σx, Σy, Σx², Σxy, Σy², n), so a grid costs the same for
20 points or a million. MAE and Huber have no such shortcut: they are summed over the points in
chunks (memory stays bounded), and over an evenly spaced sample of the points when the grid times
the points would exceed ``MAX_GRID_WORK`` (cost stays bounded: about half a second).
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

import torch
from typing_extensions import TypedDict

from .data import Data
from .losses import SQUARED, finish
from .payloads import Curvature

CHUNK_CELLS = 4_000_000  # grid cells × points evaluated at once for mae / huber
MAX_GRID_WORK = 100_000_000  # grid cells × points for one mae / huber grid: 2,500 points at 200²


class Stopped(Exception):
    """The grid's computation was stopped (its client went away)."""


def sample_size(n: int, cells: int) -> int:
    """How many points a mae / huber grid of ``cells`` cells sums over: all, or a bounded sample."""
    return max(2, min(n, MAX_GRID_WORK // cells))


@dataclass(frozen=True)
class Stats:
    n: int
    sx: float
    sy: float
    sxx: float
    sxy: float
    syy: float

    @classmethod
    def of(cls, data: Data) -> "Stats":
        x, y = data.x.double().view(-1), data.y.double().view(-1)
        return cls(
            len(x),
            *(float(v) for v in (x.sum(), y.sum(), (x * x).sum(), (x * y).sum(), (y * y).sum())),
        )

    def least_squares(self) -> tuple[float, float]:
        n = self.n
        w = (n * self.sxy - self.sx * self.sy) / (n * self.sxx - self.sx**2)
        return w, (self.sy - w * self.sx) / n

    def curvature(self) -> Curvature:
        """The Hessian of the MSE in (w, b) — constant, since the loss is quadratic — and what it
        says about gradient descent: full-batch GD is stable only for lr < 2/λ_max."""
        n = self.n
        hessian = torch.tensor(
            [[2 * self.sxx / n, 2 * self.sx / n], [2 * self.sx / n, 2.0]], dtype=torch.float64
        )
        eigenvalues, eigenvectors = torch.linalg.eigh(hessian)  # ascending
        lo, hi = (float(v) for v in eigenvalues)
        return {
            "hessian": hessian.tolist(),
            "eigenvalues": [lo, hi],
            "eigenvectors": eigenvectors.T.tolist(),  # one (w, b) direction per eigenvalue
            "condition_number": hi / lo if lo > 0 else None,
            "max_stable_lr": 2 / hi,
            "at": "everywhere",
        }

    @overload
    def mse(self, w: float, b: float) -> float: ...
    @overload
    def mse(self, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor: ...
    def mse(self, w: Any, b: Any) -> Any:
        """Mean of (w·x + b − y)² expanded in the sums; w, b broadcast."""
        return (
            self.syy
            - 2 * w * self.sxy
            - 2 * b * self.sy
            + w * w * self.sxx
            + 2 * w * b * self.sx
            + self.n * b * b
        ) / self.n


def pointwise_loss(loss: str, delta: float) -> Callable[[torch.Tensor], torch.Tensor]:
    if loss == "mae":
        return torch.abs
    return lambda r: torch.nn.functional.huber_loss(
        r, torch.zeros_like(r), reduction="none", delta=delta
    )


def loss_grid(
    data: Data,
    stats: Stats,
    loss: str,
    delta: float,
    w: torch.Tensor,
    b: torch.Tensor,
    stop: threading.Event | None = None,
) -> torch.Tensor:
    """Loss at every (b[i], w[j]): shape [len(b), len(w)], float64. MAE and Huber are averaged
    over ``sample_size`` evenly spaced points; ``stop`` set ends the work between chunks."""
    W, B = torch.meshgrid(w.double(), b.double(), indexing="xy")  # [len(b), len(w)]
    if loss in SQUARED:
        return finish(loss, stats.mse(W, B).clamp_min(0.0), stats.n)
    f = pointwise_loss(loss, delta)
    W, B = W.reshape(-1, 1), B.reshape(-1, 1)
    x, y = data.x.double().view(1, -1), data.y.double().view(1, -1)
    k = sample_size(stats.n, W.shape[0])
    if k < stats.n:
        idx = torch.linspace(0, stats.n - 1, k, dtype=torch.float64).round().long()
        x, y = x[:, idx], y[:, idx]
    total = torch.zeros(W.shape[0], dtype=torch.float64)
    chunk = max(1, CHUNK_CELLS // W.shape[0])
    for i in range(0, k, chunk):
        if stop is not None and stop.is_set():
            raise Stopped
        total += f(W * x[:, i : i + chunk] + B - y[:, i : i + chunk]).sum(dim=1)
    return (total / k).view(len(b), len(w))


def loss_at(data: Data, stats: Stats, loss: str, delta: float, w: float, b: float) -> float:
    if loss == "mse":  # plain floats: a 1×1 tensor grid costs more than the rest of a job's setup
        return max(0.0, stats.mse(w, b))
    return float(loss_grid(data, stats, loss, delta, torch.tensor([w]), torch.tensor([b]))[0, 0])


class Window(TypedDict):
    w_min: float
    w_max: float
    b_min: float
    b_max: float


class WindowError(ValueError):
    """Bounds that do not make a window, reported on ``field``."""

    def __init__(self, field: str, msg: str) -> None:
        super().__init__(f"{field}: {msg}")
        self.field = field
        self.msg = msg


def default_window(ls: tuple[float, float], start: tuple[float, float]) -> Window:
    """A box around the least-squares point and the start point, with a margin."""
    (w_min, w_max), (b_min, b_max) = around(ls[0], start[0]), around(ls[1], start[1])
    return {"w_min": w_min, "w_max": w_max, "b_min": b_min, "b_max": b_max}


def around(a: float, c: float) -> tuple[float, float]:
    lo, hi = min(a, c), max(a, c)
    margin = 0.35 * (hi - lo) + 0.5 * max(1.0, 0.5 * max(abs(a), abs(c)))
    return lo - margin, hi + margin


def window(
    w_min: float | None,
    w_max: float | None,
    b_min: float | None,
    b_max: float | None,
    ls: tuple[float, float],
    start: tuple[float, float],
) -> Window:
    """The window asked for: all four bounds, or none for ``default_window``."""
    given = {"w_min": w_min, "w_max": w_max, "b_min": b_min, "b_max": b_max}
    missing = [k for k, v in given.items() if v is None]
    if len(missing) == 4:
        return default_window(ls, start)
    if missing:
        raise WindowError(missing[0], "give all four of w_min, w_max, b_min, b_max, or none")
    assert (
        w_min is not None and w_max is not None and b_min is not None and b_max is not None
    )  # for mypy
    if not w_min < w_max:
        raise WindowError("w_max", "must be greater than w_min")
    if not b_min < b_max:
        raise WindowError("b_max", "must be greater than b_min")
    return {"w_min": w_min, "w_max": w_max, "b_min": b_min, "b_max": b_max}


def grid_over(
    data: Data,
    stats: Stats,
    loss: str,
    delta: float,
    box: Window,
    resolution: int,
    stop: threading.Event | None = None,
) -> tuple[list[float], list[float], list[list[float]]]:
    """(w, b, loss) over ``resolution`` × ``resolution`` points of ``box``; a loss too large for a
    float, or NaN, is written as 1e300 (JSON carries no infinity). Raises ``Stopped`` once ``stop``
    is set."""
    w = torch.linspace(box["w_min"], box["w_max"], resolution, dtype=torch.float64)
    b = torch.linspace(box["b_min"], box["b_max"], resolution, dtype=torch.float64)
    grid = loss_grid(data, stats, loss, delta, w, b, stop)
    grid = torch.nan_to_num(grid, nan=1e300, posinf=1e300).clamp(max=1e300)
    return w.tolist(), b.tolist(), grid.tolist()


MINIMUM_SAMPLE = 10_000  # points the mae / huber minimum is sought over (evenly spaced beyond it)


def loss_minimum(data: Data, stats: Stats, loss: str, delta: float) -> tuple[float, float]:
    """The (w, b) where the loss is lowest: least squares for MSE; for MAE and Huber, iteratively
    reweighted least squares from there (weights ψ(r)/r), and for MAE the best line through two
    of the points nearest the result (a least-absolute-deviations line passes through two)."""
    w, b = stats.least_squares()
    if loss in SQUARED:  # sse, rmse, euclidean: the same minimum as mse
        return w, b
    x, y = data.x.double().view(-1), data.y.double().view(-1)
    if len(x) > MINIMUM_SAMPLE:
        idx = torch.linspace(0, len(x) - 1, MINIMUM_SAMPLE, dtype=torch.float64).round().long()
        x, y = x[idx], y[idx]
    tiny = 1e-12 * (float(y.abs().max()) + 1.0)
    for _ in range(100):
        r = (y - w * x - b).abs()
        weight = (
            1 / r.clamp_min(tiny) if loss == "mae" else (delta / r.clamp_min(tiny)).clamp(max=1)
        )
        sw, swx, swy = weight.sum(), (weight * x).sum(), (weight * y).sum()
        swxx, swxy = (weight * x * x).sum(), (weight * x * y).sum()
        det = float(sw * swxx - swx * swx)
        if det <= 0:
            break
        w_new = float(sw * swxy - swx * swy) / det
        b_new = float(swy - w_new * swx) / float(sw)
        done = abs(w_new - w) + abs(b_new - b) <= 1e-12 * (1 + abs(w) + abs(b))
        w, b = w_new, b_new
        if done:
            break
    if loss == "mae":
        f = pointwise_loss(loss, delta)
        near = (y - w * x - b).abs().argsort()[:8].tolist()
        best = float(f(y - w * x - b).mean())
        for i in near:
            for j in near:
                if i < j and x[i] != x[j]:
                    wi = float((y[j] - y[i]) / (x[j] - x[i]))
                    bi = float(y[i] - wi * x[i])
                    value = float(f(y - wi * x - bi).mean())
                    if value < best:
                        best, w, b = value, wi, bi
    return w, b


def r_squared(stats: Stats) -> float | None:
    """1 − SSE/SST of the least-squares line; None when every y is the same (no variance)."""
    sst = stats.syy - stats.sy**2 / stats.n
    if not sst > 0:
        return None
    w, b = stats.least_squares()
    return max(0.0, min(1.0, 1 - stats.n * max(0.0, stats.mse(w, b)) / sst))
