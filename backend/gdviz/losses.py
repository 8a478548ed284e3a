"""The losses: a batch's criterion in torch, how a mini-batch epoch adds them up, and the loss over
the data from the mean of its per-point terms (for the landscape).

The lesson writes Loss(w, b) = Σ(Y − Ŷ)² and names "mse, rmse, Euclidean distance": all of the
squared family have the same minimum and differ in scale, so in the size of their gradients and in
the largest lr that converges.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from .config import JobConfig, Loss

Criterion = Callable[[Tensor, Tensor], Tensor]


@dataclass(frozen=True)
class LossDef:
    name: Loss
    title: str
    code: str  # the criterion's body in a generated script: yhat, y and delta in scope
    squared: bool  # a function of the mean squared residual: exact from sums for a linear model
    finish: Callable[[Any, int], Any]  # the loss over n points from the mean of its terms (a
    # float or a tensor of them)
    # A mini-batch epoch's loss, as the lesson sums it (LOSS_sum + loss·len(yy), / n) and its
    # equivalent for the losses that are not means: the loss over all n points when no update
    # happens within the epoch (one batch).
    term: Callable[[Tensor, int], Tensor] = lambda loss, m: loss * m
    total: Callable[[float, int], float] = lambda s, n: s / n
    term_code: str = "loss.detach() * len(yy)"
    total_code: str = "LOSS_sum.item() / n"


def _mean(m: Any, n: int) -> Any:
    return m


LOSSES: dict[str, LossDef] = {
    d.name: d
    for d in (
        LossDef("mse", "mean squared error", "torch.mean((yhat - y) ** 2)", True, _mean),
        LossDef(
            "sse",
            "sum of squared errors, Σ(Y − Ŷ)² as the lesson writes it",
            "torch.sum((yhat - y) ** 2)",
            True,
            lambda m, n: m * n,
            lambda loss, m: loss,
            lambda s, n: s,
            "loss.detach()",
            "LOSS_sum.item()",
        ),
        LossDef(
            "rmse",
            "root mean squared error",
            "torch.sqrt(torch.mean((yhat - y) ** 2))",
            True,
            lambda m, n: m**0.5,
            lambda loss, m: loss**2 * m,
            lambda s, n: math.sqrt(s / n),
            "loss.detach() ** 2 * len(yy)",
            "math.sqrt(LOSS_sum.item() / n)",
        ),
        LossDef(
            "euclidean",
            "Euclidean distance ‖Y − Ŷ‖₂",
            "torch.linalg.vector_norm(yhat - y)",
            True,
            lambda m, n: (m * n) ** 0.5,
            lambda loss, m: loss**2,
            lambda s, n: math.sqrt(s),
            "loss.detach() ** 2",
            "math.sqrt(LOSS_sum.item())",
        ),
        LossDef("mae", "mean absolute error", "torch.mean(torch.abs(yhat - y))", False, _mean),
        LossDef(
            "huber",
            "Huber loss",
            "torch.nn.functional.huber_loss(yhat, y, delta=delta)",
            False,
            _mean,
        ),
        LossDef(
            "bce",
            "binary cross-entropy",
            "torch.nn.functional.binary_cross_entropy_with_logits(yhat, y)",
            False,
            _mean,
        ),
    )
}
SQUARED = tuple(name for name, d in LOSSES.items() if d.squared)


def finish(loss: str, mean: Tensor, n: int) -> Tensor:
    """The loss over n points from the mean of its per-point terms, for a tensor of them."""
    out: Tensor = LOSSES[loss].finish(mean, n)
    return out


def criterion(config: JobConfig) -> Criterion:
    """The batch's loss in torch, on the model's output and y (float32, as trained)."""
    name = config.loss
    if name == "mae":
        return lambda yhat, y: torch.mean(torch.abs(yhat - y))
    if name == "huber":
        delta = config.huber_delta
        return lambda yhat, y: torch.nn.functional.huber_loss(yhat, y, delta=delta)
    if name == "sse":
        return lambda yhat, y: torch.sum((yhat - y) ** 2)
    if name == "rmse":
        return lambda yhat, y: torch.sqrt(torch.mean((yhat - y) ** 2))
    if name == "euclidean":
        return lambda yhat, y: torch.linalg.vector_norm(yhat - y)
    if name == "bce":  # on the logits: σ inside, computed stably
        return torch.nn.functional.binary_cross_entropy_with_logits
    return lambda yhat, y: torch.mean((yhat - y) ** 2)  # the lesson's criterion


def pointwise(config: JobConfig) -> Callable[[Tensor], Tensor]:
    """Each point's term of the loss, from its residual ŷ − y (float64, broadcast)."""
    if config.loss == "mae":
        return torch.abs
    if config.loss == "huber":
        delta = config.huber_delta
        return lambda r: torch.nn.functional.huber_loss(
            r, torch.zeros_like(r), reduction="none", delta=delta
        )
    return lambda r: r * r
