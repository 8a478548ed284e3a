"""A model's loss over a plane through its final parameters (Li et al., "Visualizing the Loss
Landscape of Neural Nets", 2018), for models of more than two parameters.

The plane passes through θ_final (the origin; or through the start, asked with ``through``: a plane
that stays put while the run trains) and is spanned by two directions:

- ``pca``: the top two principal directions of the path θ_t − θ_final (centred, as a PCA is), with
  ``explained``, the fractions of the path's variance they hold;
- ``random``: two random directions drawn from the job's seed and filter-normalised — each row of a
  weight matrix (one unit's incoming weights; a lone parameter on its own) scaled to the norm of the
  same row of the origin, and the biases' entries set to 0, as Li et al. do.

Every point of the path is projected on the plane (least squares over the two directions) and its
distance from it, ``off_plane``, is kept: a plane through 2 of P dimensions shows the path only
where that distance is small. The grid is one batched evaluation of all its points at once
(``ModelDef.losses_at``), never a loop of single evaluations.
"""

import re
import threading
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from ..config import JobConfig
from ..data import Data
from .base import ModelDef

PlaneKind = Literal["pca", "random"]
Through = Literal["final", "start"]
MARGIN = 1.25  # the grid reaches this far beyond the path's farthest projection on each axis
ROW = re.compile(r"^(.*)\[(\d+)(?:,\d+)?\]$")  # "0.weight[3,0]" -> ("0.weight", "3")


@dataclass(frozen=True)
class Plane:
    a: list[float]  # the first direction's coordinates (columns), odd-sized, centred on 0
    b: list[float]  # the second's (rows)
    z: list[list[float]]  # the loss: rows over b, columns over a
    path: list[list[float]]  # [a, b, off_plane] for every point of the path
    explained: list[float] | None  # pca: the two fractions of the path's variance
    origin_loss: float  # the loss at the origin (θ_final, or the start), the grid's centre
    origin: list[float]  # θ_final, or the start
    directions: list[list[float]]  # the two directions, each [P]


def pca_directions(path: Tensor) -> tuple[Tensor, list[float]]:
    """The top two principal directions [P, 2] of the rows of ``path`` − its last row, and the
    fractions of the variance they hold: from the eigenvectors of the smaller Gram matrix (T×T or
    P×P; a path carries at most ~100 points of a model beyond 64 parameters), each signed so that
    its largest entry is positive."""
    deltas = path - path[-1]
    X = deltas - deltas.mean(dim=0)  # [T, P]
    T, P = X.shape
    if T <= P:
        values, vectors = torch.linalg.eigh(X @ X.T)  # ascending
        top = values.flip(0)[:2].clamp_min(0.0)
        directions = X.T @ vectors.flip(1)[:, :2]  # [P, ≤2], each of norm √λ
        directions = directions / top.sqrt().clamp_min(1e-300)
    else:
        values, vectors = torch.linalg.eigh(X.T @ X)
        top = values.flip(0)[:2].clamp_min(0.0)
        directions = vectors.flip(1)[:, :2]
    total = float(values.clamp_min(0.0).sum())
    explained = [float(v) / total if total > 0 else 0.0 for v in top]
    explained += [0.0] * (2 - len(explained))
    columns: list[Tensor] = []
    for k in range(2):  # a path of fewer than 3 distinct points: any orthonormal completion
        v = directions[:, k] if k < directions.shape[1] and explained[k] > 1e-12 else None
        if v is None:
            v = torch.zeros(P, dtype=path.dtype)
            v[len(columns) % P] = 1.0
            for u in columns:
                v = v - (v @ u) * u
            if float(v.norm()) < 1e-6:
                v = torch.zeros(P, dtype=path.dtype)
                v[(len(columns) + 1) % P] = 1.0
                for u in columns:
                    v = v - (v @ u) * u
        v = v / v.norm()
        columns.append(v if float(v[v.abs().argmax()]) >= 0 else -v)
    return torch.stack(columns, dim=1), explained


def filter_groups(names: tuple[str, ...]) -> list[list[int]]:
    """The parameters' indices by filter: one group per row of each weight matrix; biases and
    lone parameters each on their own (a group of one)."""
    groups: dict[tuple[str, str], list[int]] = {}
    out: list[list[int]] = []
    for i, name in enumerate(names):
        match = ROW.match(name)
        if match and ".weight" in match.group(1):
            key = (match.group(1), match.group(2))
            if key not in groups:
                groups[key] = []
                out.append(groups[key])
            groups[key].append(i)
        else:
            out.append([i])
    return out


def random_directions(names: tuple[str, ...], origin: Tensor, seed: int) -> Tensor:
    """Two filter-normalised random directions [P, 2] drawn from ``seed``."""
    rng = torch.Generator().manual_seed(seed)
    d = torch.randn(2, len(names), generator=rng, dtype=torch.float64)
    for group in filter_groups(names):
        if len(group) == 1 and ".bias[" in names[group[0]]:
            d[:, group] = 0.0  # Li et al.: the biases stay at θ_final
            continue
        norm_theta = float(origin[group].norm())
        for k in range(2):
            norm_d = float(d[k, group].norm())
            d[k, group] *= norm_theta / norm_d if norm_d > 0 else 0.0
    return d.T


def project(path: Tensor, directions: Tensor, origin: Tensor) -> tuple[Tensor, Tensor]:
    """Each point's coordinates [T, 2] on the plane through ``origin``, and its distance from the
    plane [T] (least squares over the two directions)."""
    deltas = path - origin
    coords = torch.linalg.lstsq(directions, deltas.T, driver="gelsd").solution.T  # [T, 2]
    off = (deltas - coords @ directions.T).norm(dim=1)
    return coords, off


def axis(span: float, resolution: int) -> Tensor:
    return torch.linspace(-span, span, resolution, dtype=torch.float64)


def plane_grid(
    model: ModelDef,
    data: Data,
    config: JobConfig,
    path: Tensor,
    kind: PlaneKind,
    resolution: int,
    stop: threading.Event | None = None,
    through: Through = "final",
) -> Plane:
    """The loss over ``resolution``² points of the plane through the last row of ``path`` [T, P]
    (float64) — or, ``through="start"``, its first row (a plane that stays put while a run
    trains) — with the path projected on it. Raises ``Stopped`` once ``stop`` is set."""
    origin = path[-1] if through == "final" else path[0]
    explained: list[float] | None = None
    if kind == "pca":
        directions, explained = pca_directions(path)
    else:
        directions = random_directions(model.names, origin, config.seed)
    coords, off = project(path, directions, origin)
    spans = [MARGIN * float(coords[:, k].abs().max()) if len(coords) > 1 else 0.0 for k in range(2)]
    spans = [s if s > 1e-12 else 1.0 for s in spans]  # a path that has not moved: a unit plane
    a, b = axis(spans[0], resolution), axis(spans[1], resolution)
    A, B = torch.meshgrid(a, b, indexing="xy")  # [len(b), len(a)]
    theta = origin + A.reshape(-1, 1) * directions[:, 0] + B.reshape(-1, 1) * directions[:, 1]
    middle = resolution // 2
    a[middle] = b[middle] = 0.0  # exactly the origin
    theta[middle * resolution + middle] = origin
    z = model.losses_at(data, config, theta, stop).view(resolution, resolution)
    origin_loss = float(z[middle, middle])
    z = torch.nan_to_num(z, nan=1e300, posinf=1e300).clamp(max=1e300)
    points = torch.cat([coords, off.view(-1, 1)], dim=1)
    return Plane(
        a.tolist(),
        b.tolist(),
        z.tolist(),
        points.tolist(),
        explained,
        origin_loss,
        origin.tolist(),
        directions.T.tolist(),
    )
