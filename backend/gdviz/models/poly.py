"""Polynomial features: ŷ = b0 + b1·x + … + b_d·x^d, linear in its coefficients b0 … b_d.

Every mode builds the powers of x the way its code reads: the hand-written polynomial (manual,
sgd), the features [x, x², …, x^d] with a bias (minibatch, ``nn.Linear``), or the design matrix
[1, x, …, x^d] with one beta (design).
"""

import threading

import torch
from torch import Tensor

from ..config import ConfigError, JobConfig, Loss, Mode
from ..data import Data
from ..losses import SQUARED, finish
from ..payloads import Curvature
from ..surface import MAX_GRID_WORK
from .base import Built, ModelCode, ModelDef, Optimum, Values, nn_linear, raw

FLOAT32_MAX = 3.4e38


def features(X: Tensor, first: int, degree: int) -> Tensor:
    """[x^first, …, x^degree] as columns."""
    return torch.concat([X**k for k in range(first, degree + 1)], dim=1)


class PolyDef(ModelDef):
    kind = "poly"
    losses: tuple[Loss, ...] = ("mse", "sse", "rmse", "euclidean", "mae", "huber")
    what = "a polynomial"

    def __init__(self, degree: int) -> None:
        self.degree = degree
        self.names = tuple(f"b{k}" for k in range(degree + 1))
        self.formula = f"y = b0 + b1·x + … + b{degree}·x^{degree}"

    @property
    def default_axes(self) -> tuple[str, str]:
        """The highest power's coefficient against the intercept: on raw x the stiffest direction
        (its gradient scales with x^(2d)) and one of the slowest, so the zig-zag shows."""
        return self.names[-1], self.names[0]

    def check_data(self, data: Data, config: JobConfig) -> None:
        largest = float(data.x.abs().max())
        if largest ** (2 * self.degree) >= FLOAT32_MAX:
            raise ConfigError(
                ("model", "degree"),
                f"x reaches {largest:.3g}, so x^{2 * self.degree} (in the loss's gradient) "
                "overflows float32: standardize x or lower the degree",
                "polyOverflow",
                largest=f"{largest:.3g}",
                degree=self.degree,
            )

    def build(self, mode: Mode, X: Tensor, rng: torch.Generator) -> Built:
        d = self.degree
        tail = [(0, j) for j in range(d)]
        if mode == "design":
            XX = features(X, 0, d)  # [1, x, …, x^d]
            beta = torch.randn([d + 1, 1], generator=rng).requires_grad_()
            return Built(
                lambda x: x @ beta,
                [beta],
                XX,
                lambda ts: tuple(ts[0].view(-1).tolist()),
                [(0, j) for j in range(d + 1)],
            )
        if mode == "linear":
            linear = nn_linear(d, rng)
            return Built(
                linear, list(linear.parameters()), features(X, 1, d), read_tail, [(1, 0), *tail]
            )
        if mode == "minibatch":
            beta = torch.randn([d, 1], generator=rng).requires_grad_()
            beta0 = torch.randn([1, 1], generator=rng).requires_grad_()
            return Built(
                lambda x: x @ beta + beta0,
                [beta, beta0],
                features(X, 1, d),
                read_tail,
                [(1, 0), *tail],
            )
        b = [torch.randn([1, 1], generator=rng).requires_grad_() for _ in range(d + 1)]

        def forward(x: Tensor) -> Tensor:
            yhat = b[0] + b[1] * x
            for k in range(2, d + 1):
                yhat = yhat + b[k] * x**k
            return yhat

        return Built(
            forward, b, X, lambda ts: tuple(t.item() for t in ts), [(k, 0) for k in range(d + 1)]
        )

    def code(self, mode: Mode) -> ModelCode:
        d = self.degree
        if mode == "design":
            return ModelCode(
                f"""# model: yhat = XX @ beta on the design matrix XX = [1, x, x², …, x^{d}], so beta = [b0, b1, …, b{d}]
degree = {d}
XX = torch.concat([X**k for k in range(degree + 1)], axis=1)
beta = torch.randn([degree + 1, 1]).requires_grad_()


def model(x):
    return x @ beta
""",
                "[beta]",
                [f"beta[{k}]" for k in range(d + 1)],
                "XX",
            )
        features = f"""degree = {d}
XP = torch.concat([X**k for k in range(1, degree + 1)], axis=1)  # the features x, x², …, x^{d}
"""
        if mode == "linear":
            return ModelCode(
                f"""# model: yhat = b0 + b1·x + … + b{d}·x^{d}, as torch.nn.Linear computes it on the features
# [x, x², …]: weight = [b1, …, b{d}], bias = b0; its own init draws the start
{features}model = torch.nn.Linear(degree, 1, bias=True)
""",
                "model.parameters()",
                ["model.bias", *(f"model.weight[0, {k}]" for k in range(d))],
                "XP",
            )
        if mode == "minibatch":
            return ModelCode(
                f"""# model: yhat = xx @ beta + beta0 on the features [x, x², …]: beta = [b1, …, b{d}], beta0 = b0
{features}beta = torch.randn([degree, 1]).requires_grad_()
beta0 = torch.randn([1, 1]).requires_grad_()


def model(x):
    return x @ beta + beta0
""",
                "[beta, beta0]",
                ["beta0", *(f"beta[{k}]" for k in range(d))],
                "XP",
            )
        return ModelCode(
            f"""# model: yhat = b[0] + b[1]·x + … + b[{d}]·x^{d}, one coefficient per tensor, from a random start
degree = {d}
b = [torch.randn([1, 1]).requires_grad_() for _ in range(degree + 1)]


def forward(x):
    yhat = b[0] + b[1] * x
    for k in range(2, degree + 1):
        yhat = yhat + b[k] * x**k
    return yhat
""",
            "b",
            [f"b[{k}]" for k in range(d + 1)],
            manual_update="""    # step: gradient descent by hand, b[k] <- b[k] - lr * d loss/d b[k]
    for p in b:
        p.data = p.data - lr * p.grad.data
    # zero_grad: forget the gradients, or the next backward would add to them
    for p in b:
        p.grad = None""",
        )

    def powers(self, x: Tensor) -> Tensor:
        return x.view(-1, 1) ** torch.arange(self.degree + 1, dtype=x.dtype)  # [n, P]

    def outputs(self, theta: Tensor, x: Tensor) -> Tensor:
        return theta @ self.powers(x).T

    def losses_at(
        self, data: Data, config: JobConfig, theta: Tensor, stop: threading.Event | None = None
    ) -> Tensor:
        if config.loss in SQUARED and data.n * theta.shape[0] > MAX_GRID_WORK:
            # from the sums (the Gram matrix), exact for any n
            A, c, syy = self.gram(data)
            mse = (syy - 2 * theta @ c + ((theta @ A) * theta).sum(dim=1)) / data.n
            return finish(config.loss, mse.clamp_min(0.0), data.n)
        return super().losses_at(data, config, theta, stop)

    def points_summed(self, data: Data, config: JobConfig, cells: int) -> int:
        return data.n if config.loss in SQUARED else super().points_summed(data, config, cells)

    def gram(self, data: Data) -> tuple[Tensor, Tensor, float]:
        key = f"gram{self.degree}"
        cached = data.cache.get(key)
        if cached is None:
            x, y = raw(data)
            V = self.powers(x)
            cached = data.cache[key] = (V.T @ V, V.T @ y, float(y @ y))
        A, c, syy = cached
        return A, c, syy

    def fit(self, data: Data, weights: Tensor | None = None) -> Tensor:
        """The (weighted) least-squares coefficients, by an SVD-based solver (float64)."""
        x, y = raw(data)
        V = self.powers(x)
        if weights is not None:
            root = weights.sqrt()
            V, y = V * root.view(-1, 1), y * root
        solution: Tensor = torch.linalg.lstsq(V, y.view(-1, 1), driver="gelsd").solution
        return solution.view(-1)

    def least_squares(self, data: Data) -> Optimum | None:
        return Optimum(self.fit(data).tolist(), None, "least squares (SVD)")

    def minimum(self, data: Data, config: JobConfig) -> Optimum:
        theta = self.fit(data)
        if config.loss in SQUARED:
            params = theta.tolist()
            return Optimum(params, self.loss_at(data, config, params), "least squares (SVD)")
        # MAE and Huber: iteratively reweighted least squares (weights ψ(r)/r) from there
        x, y = raw(data)
        V = self.powers(x)
        tiny = 1e-12 * (float(y.abs().max()) + 1.0)
        for _ in range(100):
            r = (y - V @ theta).abs().clamp_min(tiny)
            w = 1 / r if config.loss == "mae" else (config.huber_delta / r).clamp(max=1)
            new = self.fit(data, w)
            done = float((new - theta).abs().max()) <= 1e-12 * (1 + float(theta.abs().max()))
            theta = new
            if done:
                break
        params = theta.tolist()
        return Optimum(
            params, self.loss_at(data, config, params), "iteratively reweighted least squares"
        )

    def curvature(self, data: Data, config: JobConfig, optimum: Optimum) -> Curvature | None:
        found = super().curvature(data, config, optimum)
        if found is not None and config.loss in ("mse", "sse"):
            found["at"] = "everywhere"  # a quadratic: the same Hessian everywhere
        return found


def read_tail(ts: list[Tensor]) -> Values:
    """θ from (the coefficients of x … x^d, the intercept)."""
    return ts[1].item(), *ts[0].view(-1).tolist()
