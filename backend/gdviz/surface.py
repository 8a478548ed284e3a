"""The loss over a grid of two parameters, the others held fixed (a slice), for any model (its
definition in ``gdviz.models`` computes the loss); and the line's own: the loss over a (w, b) grid
and the least-squares line in closed form.

MSE comes from the sufficient statistics (Σx, Σy, Σx², Σxy, Σy², n), so a grid costs the same for
20 points or a million. MAE and Huber have no such shortcut: they are summed over the points in
chunks (memory stays bounded), and over an evenly spaced sample of the points when the grid times
the points would exceed ``MAX_GRID_WORK`` (cost stays bounded: about half a second).
"""

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import torch
from typing_extensions import TypedDict

from .data import Data
from .losses import SQUARED, finish
from .payloads import Curvature, LeastSquares, Minimum

if TYPE_CHECKING:  # the models compute on this module's sums
    from .config import JobConfig
    from .models import ModelDef

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
    (w_min, w_max), (b_min, b_max) = _around(ls[0], start[0]), _around(ls[1], start[1])
    return {"w_min": w_min, "w_max": w_max, "b_min": b_min, "b_max": b_max}


def _around(a: float, c: float) -> tuple[float, float]:
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


# --- any model: the meta's figures of its landscape, and slices through its parameters ---


def landscape(
    model: "ModelDef", data: Data, config: "JobConfig"
) -> tuple[LeastSquares | None, Minimum, Curvature | None]:
    """The least-squares fit (for a model whose output is ŷ), the run's own loss's minimum (or
    why there is none) and the curvature there, for the meta."""
    least_squares: LeastSquares | None = None
    ls = model.least_squares(data)
    if ls is not None and ls.params is not None:
        least_squares = {
            "params": ls.params,
            "loss": model.loss_at(data, config, ls.params),
            "r2": model.r2(data, config, ls.params),
        }
        if model.wb:
            least_squares = {"w": ls.params[0], "b": ls.params[1], **least_squares}
    optimum = model.minimum(data, config)
    params = optimum.params
    minimum: Minimum = {
        **model.point(params),  # type: ignore[typeddict-item]
        "params": params,
        "loss": optimum.loss,
        "loss_name": config.loss,
        "method": optimum.method,
        "reason": optimum.reason,
    }
    return least_squares, minimum, model.curvature(data, config, optimum)


class SliceWindow(TypedDict):
    x_min: float
    x_max: float
    y_min: float
    y_max: float


@dataclass(frozen=True)
class Slice:
    """Two parameters (``axes``, indices into the model's names) over a grid, the others at their
    value in ``through``: from epoch ``at_epoch``'s parameters (0: the start), or given."""

    axes: tuple[int, int]
    through: list[float]
    at_epoch: int | None


def pick_slice(
    model: "ModelDef",
    x_param: str | None,
    y_param: str | None,
    at_epoch: int | None,
    at: str | None,
    start: list[float],
    history: Callable[[], list[dict[str, Any]]],
) -> Slice:
    """The slice asked for, or ``WindowError`` naming the query parameter that does not fit."""
    names = model.names
    x_name, y_name = x_param or model.default_axes[0], y_param or model.default_axes[1]
    for field, name in (("x_param", x_name), ("y_param", y_name)):
        if name not in names:
            raise WindowError(
                field, f"'{name}' is not a parameter of this model: {', '.join(names)}"
            )
    if x_name == y_name:
        raise WindowError("y_param", f"must differ from x_param ('{x_name}')")
    axes = (names.index(x_name), names.index(y_name))
    if at is not None and at_epoch is not None:
        raise WindowError("at", "give at or at_epoch, not both")
    if at is not None:
        try:
            through = [float(v) for v in at.split(",")]
        except ValueError:
            raise WindowError("at", "must be numbers separated by commas") from None
        if len(through) != len(names) or not all(math.isfinite(v) for v in through):
            raise WindowError("at", f"needs {len(names)} finite numbers ({', '.join(names)})")
        return Slice(axes, through, None)
    if not at_epoch:
        return Slice(axes, list(start), at_epoch)
    records = history()
    if at_epoch > len(records):
        raise WindowError("at_epoch", f"must be at most {len(records)}, the epochs trained so far")
    return Slice(axes, list(records[at_epoch - 1]["params"]), at_epoch)


def slice_window(
    bounds: tuple[float | None, float | None, float | None, float | None],
    anchor: list[float] | None,
    through: list[float],
    start: list[float],
    axes: tuple[int, int],
    names: tuple[str, str] = ("x", "y"),
) -> SliceWindow:
    """All four bounds as asked, or none for a box around the anchor (the least-squares fit or
    the minimum), the start and the slice's point, projected on the axes, with a margin."""
    missing = [i for i, v in enumerate(bounds) if v is None]
    keys = [f"{names[0]}_min", f"{names[0]}_max", f"{names[1]}_min", f"{names[1]}_max"]
    if missing and len(missing) < 4:
        raise WindowError(keys[missing[0]], f"give all four of {', '.join(keys)}, or none")
    if not missing:
        x_min, x_max, y_min, y_max = (float(v) for v in bounds)  # type: ignore[arg-type]
        if not x_min < x_max:
            raise WindowError(keys[1], f"must be greater than {keys[0]}")
        if not y_min < y_max:
            raise WindowError(keys[3], f"must be greater than {keys[2]}")
        return {"x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max}
    points = [p for p in (anchor, start, through) if p is not None]
    boxes = [_spread([p[i] for p in points]) for i in axes]
    return {"x_min": boxes[0][0], "x_max": boxes[0][1], "y_min": boxes[1][0], "y_max": boxes[1][1]}


def _spread(values: list[float]) -> tuple[float, float]:
    """``_around`` for any number of points: their range with its margin."""
    lo, hi = min(values), max(values)
    return _around(lo, hi) if len(values) > 1 else _around(lo, lo)


def slice_grid(
    model: "ModelDef",
    data: Data,
    config: "JobConfig",
    cut: Slice,
    box: SliceWindow,
    resolution: int,
    stop: threading.Event | None = None,
) -> tuple[list[float], list[float], list[list[float]]]:
    """(x, y, loss) over ``resolution`` × ``resolution`` points of ``box`` (rows follow y); a loss
    too large for a float, or NaN, is written as 1e300. Raises ``Stopped`` once ``stop`` is set."""
    xs = torch.linspace(box["x_min"], box["x_max"], resolution, dtype=torch.float64)
    ys = torch.linspace(box["y_min"], box["y_max"], resolution, dtype=torch.float64)
    X, Y = torch.meshgrid(xs, ys, indexing="xy")  # [len(ys), len(xs)]
    theta = torch.tensor(cut.through, dtype=torch.float64).repeat(X.numel(), 1)
    theta[:, cut.axes[0]] = X.reshape(-1)
    theta[:, cut.axes[1]] = Y.reshape(-1)
    grid = model.losses_at(data, config, theta, stop).view(resolution, resolution)
    grid = torch.nan_to_num(grid, nan=1e300, posinf=1e300).clamp(max=1e300)
    return xs.tolist(), ys.tolist(), grid.tolist()


def lowest_in_slice(
    model: "ModelDef", data: Data, config: "JobConfig", cut: Slice
) -> dict[str, float] | None:
    """The slice's own lowest point {x, y, loss} for a squared-error loss of a polynomial or line
    (a quadratic in the two axes: its 2×2 normal equations), with more than two parameters."""
    if config.loss not in SQUARED or model.size <= 2 or not model.linear_output:
        return None
    x, y = data.x.double().view(-1), data.y.double().view(-1)
    i, j = cut.axes
    e = torch.eye(model.size, dtype=torch.float64)
    rest = model.outputs(torch.tensor([cut.through], dtype=torch.float64) * (1 - e[i] - e[j]), x)
    cols = torch.stack([model.outputs(e[i : i + 1], x)[0], model.outputs(e[j : j + 1], x)[0]], 1)
    solution = torch.linalg.lstsq(cols, (y - rest[0]).view(-1, 1), driver="gelsd").solution
    if not bool(solution.isfinite().all()):
        return None
    point = list(cut.through)
    point[i], point[j] = float(solution[0]), float(solution[1])
    return {"x": point[i], "y": point[j], "loss": model.loss_at(data, config, point)}
