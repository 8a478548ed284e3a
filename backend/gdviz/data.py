"""The data a job trains on: the lesson's synthetic generator, the built-in sets, uploads."""

import json
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

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

    @property
    def n(self) -> int:
        return self.x.shape[0]


def synthetic(spec: Synthetic, rng: torch.Generator) -> Data:
    """The lesson's data: X = arange(-3, 3, 0.3), Y = 2·X − 1 + ε — the run's first random draw."""
    if spec.n is None:
        X = torch.arange(spec.x_start, spec.x_stop, spec.x_step).view(-1, 1)
    else:
        X = torch.linspace(spec.x_start, spec.x_stop, spec.n).view(-1, 1)
    eps = torch.randn(X.shape, generator=rng)
    if spec.noise != 1.0:
        eps = spec.noise * eps
    Y = spec.true_w * X + spec.true_b + eps
    return Data(X, Y, "synthetic", "x", "y")


@cache
def catalog() -> dict[str, dict[str, str]]:
    """The built-in data sets, by name (``datasets/catalog.json``)."""
    path = BUILTIN_DIR / "catalog.json"
    if not path.is_file():
        return {}
    return {entry["name"]: entry for entry in json.loads(path.read_text())}


@cache
def builtin_columns(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    entry = catalog()[name]
    lines = (BUILTIN_DIR / entry["file"]).read_text().strip().splitlines()
    header = [h.strip().strip('"') for h in lines[0].split(",")]
    rows = [[float(v) for v in line.split(",")] for line in lines[1:]]
    table = torch.tensor(rows, dtype=torch.float32)
    return table[:, [header.index(entry["x"])]], table[:, [header.index(entry["y"])]]


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


def standardized(data: Data) -> Data:
    """z-scores: (v − mean) / std, with the population std (unbiased=False)."""

    def spread(v: torch.Tensor) -> float:
        std = float(v.double().std(unbiased=False))
        return std if std > 0 else 1.0

    scale: Scale = {
        "x_mean": float(data.x.double().mean()),
        "x_std": spread(data.x),
        "y_mean": float(data.y.double().mean()),
        "y_std": spread(data.y),
    }
    return Data(
        (data.x - scale["x_mean"]) / scale["x_std"],
        (data.y - scale["y_mean"]) / scale["y_std"],
        data.name,
        f"z({data.x_label})",
        f"z({data.y_label})",
        data.dropped_rows,
        scale,
    )


def load(config: JobConfig, rng: torch.Generator, uploads: UploadStore | None = None) -> Data:
    """Build the job's data (an upload's from ``uploads``) and check what depends on it.

    Uploads are parsed and standardized in float64 and trained in float32, like everything else:
    Unix timestamps (~1.7·10⁹) in float32 are 128 apart, so casting first would merge most of them.
    """
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
    if config.standardize:
        data = standardized(data)
    if data.x.dtype != torch.float32:
        data = replace(data, x=data.x.float(), y=data.y.float())
    if config.minibatch and config.batch_size > data.n:
        raise ConfigError(
            ("batch_size",),
            f"must be at most n = {data.n}, the number of data points",
            "batchOverN",
            n=data.n,
        )
    return data
