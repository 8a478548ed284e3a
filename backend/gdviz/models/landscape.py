"""Any model's landscape: the meta's figures (least squares, the minimum, the curvature) and
slices, the loss over a grid of two parameters with the others held fixed."""

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from typing_extensions import TypedDict

from ..config import JobConfig
from ..data import Data
from ..losses import SQUARED
from ..payloads import Curvature, LeastSquares, Minimum
from ..surface import WindowError, around
from .base import ModelDef


def landscape(
    model: ModelDef, data: Data, config: JobConfig
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
    model: ModelDef,
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
    """``around`` for any number of points: their range with its margin."""
    lo, hi = min(values), max(values)
    return around(lo, hi) if len(values) > 1 else around(lo, lo)


def slice_grid(
    model: ModelDef,
    data: Data,
    config: JobConfig,
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
    model: ModelDef, data: Data, config: JobConfig, cut: Slice
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
