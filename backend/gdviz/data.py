"""The data a job trains on: the lesson's synthetic generator, the built-in sets, uploads."""

import csv
import io
import json
from dataclasses import dataclass, field as dataclass_field
from functools import cache
from importlib.resources import files
from typing import Any

import torch

from .config import (
    MAX_POINTS,
    MAX_VALUE,
    Builtin,
    ConfigError,
    JobConfig,
    Points,
    Synthetic,
    Upload,
)
from .payloads import Scale
from .uploads import UploadStore

BUILTIN_DIR = files("gdviz") / "datasets"


@dataclass
class Data:
    x: torch.Tensor  # [n, 1] float32 (uploads: float64 until ``load`` has standardized them)
    y: torch.Tensor  # [n, 1] float32
    name: str
    x_label: str = "x"
    y_label: str = "y"
    dropped_rows: int = 0
    scale: Scale | None = None  # standardized: the raw means and stds, to give a fit in raw units
    cache: dict[str, Any] = dataclass_field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # sums a model's landscape reads again and again (``gdviz.models``)

    @property
    def n(self) -> int:
        return self.x.shape[0]


def synthetic(spec: Synthetic, rng: torch.Generator) -> Data:
    """The lesson's data: X = arange(-3, 3, 0.3), Y = 2·X − 1 + ε — the run's first random draw.
    ``curve`` bends it (Y = 2·X² − 1 + ε, or 2·sin X − 1 + ε); ``labels`` keeps only the side of
    that curve each point falls on: Y = 1 above, 0 below."""
    if spec.n is None:
        X = torch.arange(spec.x_start, spec.x_stop, spec.x_step).view(-1, 1)
    else:
        X = torch.linspace(spec.x_start, spec.x_stop, spec.n).view(-1, 1)
    eps = torch.randn(X.shape, generator=rng)
    if spec.noise != 1.0:
        eps = spec.noise * eps
    f = X if spec.curve == "line" else X**2 if spec.curve == "parabola" else torch.sin(X)
    Y = spec.true_w * f + spec.true_b + eps
    if spec.labels:
        Y = (Y > 0).float()
    return Data(X, Y, "synthetic", "x", "y")


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """The built-in data sets, by name (``datasets/catalog.json``)."""
    path = BUILTIN_DIR / "catalog.json"
    if not path.is_file():
        return {}
    return {entry["name"]: entry for entry in json.loads(path.read_text())}


@cache
def builtin_columns(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The set's x and y columns (float32); a text column is read through the entry's ``codes``
    (Default's "No"/"Yes" as 0/1), the other columns are not read."""
    entry = catalog()[name]
    rows = csv.reader(io.StringIO((BUILTIN_DIR / entry["file"]).read_text()))
    header = [h.strip() for h in next(rows)]
    i, j = header.index(entry["x"]), header.index(entry["y"])
    codes: dict[str, float] = entry.get("codes", {})
    xs, ys = [], []
    for row in rows:
        if row:
            xs.append(float(codes.get(row[i], row[i])))
            ys.append(float(codes.get(row[j], row[j])))
    x = torch.tensor(xs, dtype=torch.float32).view(-1, 1)
    return x, torch.tensor(ys, dtype=torch.float32).view(-1, 1)


def builtin(spec: Builtin) -> Data:
    if spec.name not in catalog():
        known = ", ".join(sorted(catalog())) or "none"
        raise ConfigError(("dataset", "name"), f"unknown data set '{spec.name}' (known: {known})")
    entry = catalog()[spec.name]
    x, y = builtin_columns(spec.name)
    return Data(x, y, entry["title"], entry["x_label"], entry["y_label"])


def uploaded(spec: Upload, uploads: UploadStore | None) -> Data:
    """The chosen columns of an upload kept in ``uploads`` (none without a store)."""
    table = None if uploads is None else uploads.get(spec.id)
    if table is None:
        raise ConfigError(
            ("dataset", "id"),
            f"no uploaded data set '{spec.id}' (expired or never uploaded)",
            "uploadGone",
        )
    x_name = spec.x if spec.x is not None else table.default_x
    y_name = spec.y if spec.y is not None else table.default_y
    for field, name in (("x", x_name), ("y", y_name)):
        if name in table.names and name not in table.columns:
            raise ConfigError(
                ("dataset", field),
                f"column {name!r} holds fewer than 2 numbers",
                "fewNumbers",
                name=name,
            )
        if name not in table.columns:
            raise ConfigError(
                ("dataset", field),
                f"no column named {name!r} in {table.filename}",
                "noColumn",
                name=name,
                file=table.filename,
            )
    assert x_name is not None and y_name is not None  # uploads hold 2 numeric columns or more
    x, y = table.columns[x_name], table.columns[y_name]
    keep = x.isfinite() & y.isfinite()
    if int(keep.sum()) < 2:
        raise ConfigError(
            ("dataset", "y"),
            f"columns {x_name!r} and {y_name!r} share fewer than 2 numeric rows",
            "fewRows",
            x=x_name,
            y=y_name,
        )
    x, y = x[keep].view(-1, 1), y[keep].view(-1, 1)  # float64: ``load`` casts after standardizing
    return Data(x, y, table.filename, x_name, y_name, dropped_rows=int((~keep).sum()))


def points(spec: Points) -> Data:
    """The points as given, in float32 as every data set trains."""
    x = torch.tensor(spec.x, dtype=torch.float32).view(-1, 1)
    y = torch.tensor(spec.y, dtype=torch.float32).view(-1, 1)
    return Data(x, y, "your points")


def standardized(data: Data, y: bool = True) -> Data:
    """z-scores: (v − mean) / std, with the population std (unbiased=False); x only if not ``y``
    (0/1 labels stay 0/1)."""

    def spread(v: torch.Tensor) -> float:
        std = float(v.double().std(unbiased=False))
        return std if std > 0 else 1.0

    scale: Scale = {
        "x_mean": float(data.x.double().mean()),
        "x_std": spread(data.x),
        "y_mean": float(data.y.double().mean()) if y else 0.0,
        "y_std": spread(data.y) if y else 1.0,
    }
    return Data(
        (data.x - scale["x_mean"]) / scale["x_std"],
        (data.y - scale["y_mean"]) / scale["y_std"] if y else data.y,
        data.name,
        f"z({data.x_label})",
        f"z({data.y_label})" if y else data.y_label,
        data.dropped_rows,
        scale,
    )


def read(config: JobConfig, rng: torch.Generator, uploads: UploadStore | None = None) -> Data:
    """The job's data as given (an upload's from ``uploads``), checked for what every model needs;
    ``models.load`` standardizes it as its model does and checks the rest."""
    spec = config.dataset
    if isinstance(spec, Synthetic):
        data = synthetic(spec, rng)
    elif isinstance(spec, Builtin):
        data = builtin(spec)
    elif isinstance(spec, Points):
        data = points(spec)
    else:
        data = uploaded(spec, uploads)
    if data.n < 2 or data.n > MAX_POINTS:
        raise ConfigError(
            ("dataset",),
            f"needs 2 … {MAX_POINTS} points, has {data.n}",
            "pointCount",
            max=MAX_POINTS,
            n=data.n,
        )
    if float(data.x.max() - data.x.min()) == 0.0:
        raise ConfigError(
            ("dataset",), "all x values are equal: the line's slope is undefined", "sameX"
        )
    largest = max(float(data.x.abs().max()), float(data.y.abs().max()))
    if not largest <= MAX_VALUE:  # beyond it, squares and sums overflow: no loss to show
        raise ConfigError(
            ("dataset",),
            f"values up to {largest:.3g}: at most {MAX_VALUE:.0e} in size; rescale them",
            "tooLarge",
            largest=f"{largest:.3g}",
            max=f"{MAX_VALUE:.0e}",
        )
    return data
