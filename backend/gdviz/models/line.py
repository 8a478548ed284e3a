"""The line ŷ = w·x + b (the lesson's model) and logistic regression ŷ = σ(w·x + b).

Both have the parameters (w, b) and build them the same way in every mode; logistic regression
trains on the logit z = w·x + b, which its criterion turns into a probability.
"""

import threading
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ..config import Builtin, ConfigError, JobConfig, Loss, Mode, Synthetic
from ..data import Data
from ..losses import LOSSES, SQUARED, Criterion, finish
from ..payloads import Curvature
from ..surface import Stats, loss_minimum, r_squared
from .base import Built, ModelCode, ModelDef, Optimum, Values, curvature_of, nn_linear, raw


def stats_of(data: Data) -> Stats:
    stats = data.cache.get("stats")
    if not isinstance(stats, Stats):
        stats = data.cache["stats"] = Stats.of(data)
    return stats


def read_pair(ts: list[Tensor]) -> Values:
    return ts[0].item(), ts[1].item()


def read_design(ts: list[Tensor]) -> Values:
    b, w = ts[0].view(-1).tolist()  # beta = [b, w]
    return w, b


class LineDef(ModelDef):
    kind = "line"
    names = ("w", "b")
    losses: tuple[Loss, ...] = ("mse", "sse", "rmse", "euclidean", "mae", "huber")
    what = "the line"
    formula = "y = w·x + b"

    def build(self, mode: Mode, X: Tensor, rng: torch.Generator) -> Built:
        if mode == "design":
            XX = torch.concat([torch.ones([X.shape[0], 1]), X], dim=1)
            beta = torch.randn([2, 1], generator=rng).requires_grad_()
            return Built(lambda x: x @ beta, [beta], XX, read_design, [(0, 1), (0, 0)])
        if mode == "linear":
            linear = nn_linear(1, rng)
            return Built(linear, list(linear.parameters()), X, read_pair, [(0, 0), (1, 0)])
        w = torch.randn([1, 1], generator=rng).requires_grad_()
        b = torch.randn([1, 1], generator=rng).requires_grad_()
        if mode == "minibatch":
            return Built(lambda x: x @ w + b, [w, b], X, read_pair, [(0, 0), (1, 0)])
        return Built(lambda x: x * w + b, [w, b], X, read_pair, [(0, 0), (1, 0)])

    def outputs(self, theta: Tensor, x: Tensor) -> Tensor:
        return theta[:, 0:1] * x.view(1, -1) + theta[:, 1:2]

    what_yhat = "yhat = x·w + b"

    def code(self, mode: Mode) -> ModelCode:
        yhat = self.what_yhat
        if mode == "design":
            return ModelCode(
                f"""# model: {yhat} as XX @ beta on the design matrix XX = [1, x], so beta = [b, w]
ones = torch.ones([X.shape[0], 1])
XX = torch.concat([ones, X], axis=1)
beta = torch.randn([2, 1]).requires_grad_()


def model(x):
    return x @ beta
""",
                "[beta]",
                ["beta[1]", "beta[0]"],
                "XX",
            )
        if mode == "linear":
            return ModelCode(
                f"""# model: {yhat}, as torch.nn.Linear computes it (x·weight + bias); its own init draws the start
model = torch.nn.Linear(1, 1, bias=True)
""",
                "model.parameters()",
                ["model.weight", "model.bias"],
            )
        if mode == "minibatch":
            return ModelCode(
                f"""# model: {yhat} as x @ beta + beta0 (beta is w, beta0 is b), from a random start
# (the bias is added once, here: the lesson's printed loop calls model(xx) + beta0, adding it twice)
beta = torch.randn([1, 1]).requires_grad_()
beta0 = torch.randn([1, 1]).requires_grad_()


def model(x):
    return x @ beta + beta0
""",
                "[beta, beta0]",
                ["beta", "beta0"],
            )
        return ModelCode(
            f"""# model: {yhat}, from a random start
w = torch.randn([1, 1]).requires_grad_()
b = torch.randn([1, 1]).requires_grad_()


def forward(x):
    return x * w + b
""",
            "[w, b]",
            ["w", "b"],
            manual_update="""    # step: gradient descent by hand, w <- w - lr * d loss/d w
    w.data = w.data - lr * w.grad.data
    b.data = b.data - lr * b.grad.data
    # zero_grad: forget the gradients, or the next backward would add to them
    w.grad = None
    b.grad = None""",
        )

    def losses_at(
        self, data: Data, config: JobConfig, theta: Tensor, stop: threading.Event | None = None
    ) -> Tensor:
        if config.loss in SQUARED:  # from the sums: the same cost for 20 points or a million
            stats = stats_of(data)
            mse = stats.mse(theta[:, 0], theta[:, 1]).clamp_min(0.0)
            return finish(config.loss, mse, stats.n)
        return super().losses_at(data, config, theta, stop)

    def points_summed(self, data: Data, config: JobConfig, cells: int) -> int:
        return data.n if config.loss in SQUARED else super().points_summed(data, config, cells)

    def loss_at(self, data: Data, config: JobConfig, params: list[float]) -> float:
        if config.loss in SQUARED:  # plain floats: a 1×1 tensor grid costs more than a job's setup
            stats = stats_of(data)
            mse = max(0.0, stats.mse(params[0], params[1]))
            return float(LOSSES[config.loss].finish(mse, stats.n))
        return super().loss_at(data, config, params)

    def r2(self, data: Data, config: JobConfig, params: list[float]) -> float | None:
        return r_squared(stats_of(data))

    def minimum(self, data: Data, config: JobConfig) -> Optimum:
        w, b = loss_minimum(data, stats_of(data), config.loss, config.huber_delta)
        method = "closed form" if config.loss in SQUARED else "iteratively reweighted least squares"
        return Optimum([w, b], self.loss_at(data, config, [w, b]), method)

    def least_squares(self, data: Data) -> Optimum | None:
        w, b = stats_of(data).least_squares()
        return Optimum([w, b], None, "closed form")

    def curvature(self, data: Data, config: JobConfig, optimum: Optimum) -> Curvature | None:
        if config.loss == "mse":  # constant: the quadratic's own Hessian, in closed form
            return stats_of(data).curvature()
        found = super().curvature(data, config, optimum)
        if found is not None and config.loss == "sse":
            found["at"] = "everywhere"
        return found


class LogisticDef(LineDef):
    kind = "logistic"
    losses: tuple[Loss, ...] = ("bce", "mse")
    what = "logistic regression"
    formula = "P(y = 1) = σ(w·x + b), logistic regression"
    what_yhat = "the logit yhat = x·w + b (the probability that y = 1 is σ(yhat))"
    standardizes_y = False  # y stays 0/1
    linear_output = False  # the output is the logit; ŷ = σ(logit)

    def check_data(self, data: Data, config: JobConfig) -> None:
        check_labels(data, config, self.what)

    def criterion(self, config: JobConfig) -> Criterion:
        if config.loss == "mse":  # the squared error of the probability σ(z): not convex in (w, b)
            return lambda z, y: torch.mean((torch.sigmoid(z) - y) ** 2)
        return super().criterion(config)  # bce on the logits

    def criterion_code(self, config: JobConfig) -> str:
        if config.loss == "mse":
            return "torch.mean((torch.sigmoid(yhat) - y) ** 2)  # squared error of the probability"
        return "torch.nn.functional.binary_cross_entropy_with_logits(yhat, y)  # mean BCE, σ inside"

    def terms(self, config: JobConfig) -> Callable[[Tensor, Tensor], Tensor]:
        if config.loss == "mse":
            return lambda z, y: (torch.sigmoid(z) - y) ** 2
        return lambda z, y: torch.nn.functional.binary_cross_entropy_with_logits(
            z, y.expand_as(z), reduction="none"
        )

    def losses_at(
        self, data: Data, config: JobConfig, theta: Tensor, stop: threading.Event | None = None
    ) -> Tensor:
        return ModelDef.losses_at(self, data, config, theta, stop)

    def points_summed(self, data: Data, config: JobConfig, cells: int) -> int:
        return ModelDef.points_summed(self, data, config, cells)

    def loss_at(self, data: Data, config: JobConfig, params: list[float]) -> float:
        return ModelDef.loss_at(self, data, config, params)

    def least_squares(self, data: Data) -> Optimum | None:
        return None

    def minimum(self, data: Data, config: JobConfig) -> Optimum:
        x, y = (v.numpy() for v in raw(data))
        why = separation(x, y)
        if why is not None:
            return Optimum(None, None, "none", why)
        theta, hessian, value = newton_bce(x, y)
        if config.loss == "mse":
            found = descend(lambda t: self.losses_at(data, config, t.view(1, -1))[0], theta)
            if found is None:
                return Optimum(
                    None, None, "none", "no finite minimum found from the cross-entropy's"
                )
            return Optimum(found, self.loss_at(data, config, found), "Newton, from BCE's minimum")
        params = theta.tolist()
        data.cache["bce hessian"] = (params, hessian)  # Newton's last: the curvature there
        return Optimum(params, value, "Newton's method")

    def curvature(self, data: Data, config: JobConfig, optimum: Optimum) -> Curvature | None:
        cached = data.cache.get("bce hessian")
        if config.loss == "bce" and cached is not None and cached[0] == optimum.params:
            return curvature_of(cached[1], "minimum")  # Φᵀ diag(p(1 − p)) Φ / n, in closed form
        return ModelDef.curvature(self, data, config, optimum)


def check_labels(data: Data, config: JobConfig, what: str) -> None:
    """Refuse y other than 0 and 1, naming the field that would fix it."""
    y = data.y
    if bool(((y == 0) | (y == 1)).all()):
        return
    other = float(y[(y != 0) & (y != 1)][0])
    spec = config.dataset
    if isinstance(spec, Synthetic):
        raise ConfigError(
            ("dataset", "labels"),
            f"{what} needs y in {{0, 1}}: set labels to true",
            "labels01",
            value=f"{other:.6g}",
        )
    field = "name" if isinstance(spec, Builtin) else "y"
    raise ConfigError(
        ("dataset", field),
        f"{what} needs y in {{0, 1}}; this y holds {other:.6g}",
        "labels01",
        value=f"{other:.6g}",
    )


def separation(x: np.ndarray, y: np.ndarray) -> str | None:
    """Why the logistic loss has no minimum in (w, b), if it has none: one class only, or a point
    on x that parts the classes (a steeper S-curve then always fits better)."""
    ones, zeros = x[y == 1], x[y == 0]
    if len(ones) == 0 or len(zeros) == 0:
        which = "1" if len(zeros) == 0 else "0"
        return (
            f"every y is {which}: the loss keeps falling as b → {'+' if which == '1' else '−'}∞, "
            "so there is no minimum and the path walks off forever"
        )
    if float(zeros.max()) <= float(ones.min()) or float(ones.max()) <= float(zeros.min()):
        low, high = (zeros, ones) if float(zeros.max()) <= float(ones.min()) else (ones, zeros)
        cut = (float(low.max()) + float(high.min())) / 2
        return (
            f"the classes are separated at x = {cut:.4g}: a steeper S-curve through it always "
            "fits better, so |w| grows without end, there is no minimum and the path walks off "
            "forever"
        )
    return None


def newton_bce(x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor, float]:
    """(w, b) minimizing the mean BCE by Newton's method with step halving, the Hessian and the
    loss there (float64, in numpy: a few microseconds a step on a class's points). The classes
    overlap, so the minimum exists and is unique."""
    n, xx = len(x), x * x
    w = b = 0.0
    z = np.zeros_like(x)
    value = float(np.logaddexp(0.0, z).sum() - y @ z) / n  # BCE on the logits z, stably
    for _ in range(100):
        p = 1 / (1 + np.exp(-z))
        r, s = p - y, p * (1 - p)
        g_w, g_b = float(r @ x) / n, float(r.sum()) / n
        h_ww, h_wb, h_bb = float(s @ xx) / n, float(s @ x) / n, float(s.sum()) / n
        det = h_ww * h_bb - h_wb * h_wb
        step_w, step_b = (h_bb * g_w - h_wb * g_b) / det, (h_ww * g_b - h_wb * g_w) / det
        t = 1.0
        while True:  # halve the step until the loss falls
            w_new, b_new = w - t * step_w, b - t * step_b
            z = w_new * x + b_new
            new = float(np.logaddexp(0.0, z).sum() - y @ z) / n
            if new <= value or t < 1e-10:
                break
            t /= 2
        w, b, value = w_new, b_new, new
        if max(abs(step_w), abs(step_b)) * t <= 1e-10 * (1 + max(abs(w), abs(b))):
            break  # quadratic convergence: the error is now far below float64's
    theta = torch.tensor([w, b], dtype=torch.float64)
    hessian = torch.tensor([[h_ww, h_wb], [h_wb, h_bb]], dtype=torch.float64)
    return theta, hessian, value


def descend(f: Callable[[Tensor], Tensor], start: Tensor) -> list[float] | None:
    """A local minimum of f near ``start``: Newton's step where the Hessian is positive definite,
    else the gradient's, each halved until f falls; None if it runs off or does not settle."""
    theta = start.clone()
    value = float(f(theta))
    for _ in range(200):
        t0 = theta.clone().requires_grad_()
        grad = torch.autograd.grad(f(t0), t0)[0]
        if float(grad.abs().max()) <= 1e-12:
            return theta.tolist()
        hessian = torch.autograd.functional.hessian(f, theta)  # type: ignore[no-untyped-call]
        try:
            step = torch.linalg.solve(hessian, grad)
            if float(step @ grad) <= 0:
                step = grad
        except RuntimeError:  # singular
            step = grad
        t = 1.0
        while t > 1e-12:
            candidate = theta - t * step
            new = float(f(candidate))
            if new <= value:
                break
            t /= 2
        moved = float((candidate - theta).abs().max())
        theta, value = candidate, new
        if not bool(theta.isfinite().all()) or float(theta.abs().max()) > 1e6:
            return None
        if moved <= 1e-13 * (1 + float(theta.abs().max())):
            break
    t0 = theta.clone().requires_grad_()
    grad = torch.autograd.grad(f(t0), t0)[0]
    return theta.tolist() if float(grad.abs().max()) <= 1e-7 else None
