"""What every model is: its parameters and their names, how each of the lesson's modes builds it in
torch, what it allows, its exact loss over many parameter vectors at once, its minimum and
curvature, and its code in a generated script.

Parameters are always listed in ``names`` order: a vector θ = (θ₀, θ₁, …) of floats in events,
``init_params`` and the landscape, however a mode lays them out in tensors.
"""

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import get_args

import torch
from torch import Tensor

from ..config import ConfigError, JobConfig, Loss, Mode
from ..data import Data
from ..losses import LOSSES, Criterion, criterion, finish, pointwise
from ..payloads import Curvature
from ..surface import CHUNK_CELLS, Stopped, sample_size

# θ as a tuple: a record of numbers and tuples of them, once kept, is left alone by the garbage
# collector (lists would have it walk a long run's whole history again and again).
Values = tuple[float, ...]

MAX_EVENT_PARAMS = 64  # a larger model's events carry its parameters every ``params_stride`` epochs
EVENT_PARAM_EPOCHS = 100  # … about this many times in a run (and always at its last epoch)


@dataclass
class Built:
    """A model as one run builds it: the tensors the optimizer gets, the forward and its input."""

    forward: Callable[[Tensor], Tensor]
    params: list[Tensor]
    inputs: Tensor  # X, the features [x, x², …], or the design matrix [1, x, …]
    read: Callable[[list[Tensor]], Values]  # tensors laid out like ``params`` -> θ
    slots: list[tuple[int, int]]  # where θ_i is: (which tensor of ``params``, which element)

    def values(self) -> Values:
        """θ, read afresh (the manual update replaces ``.data``)."""
        return self.read(self.params)

    def grads(self) -> Values:
        return self.read([p.grad for p in self.params])  # type: ignore[misc]  # set: backward ran


@dataclass(frozen=True)
class Optimum:
    """Where the loss over the data is lowest, or why there is no such point."""

    params: list[float] | None
    loss: float | None  # the loss there (None without a minimum)
    method: str  # how it was found
    reason: str | None = None  # why there is none


@dataclass(frozen=True)
class ModelCode:
    """A model in a generated script, for one mode."""

    block: str  # builds the inputs, the parameters (drawn from torch's generator), the forward
    optimizer_params: str  # what the optimizer is given
    slots: list[str]  # an expression for each parameter, in ``names`` order: "w", "beta[1]", …
    inputs: str = "X"  # the tensor the DataLoader deals: X, XP or XX
    manual_update: str = ""  # the lesson's hand-written update and zero_grad (manual mode)
    report: str = ""  # the parameters in a printed row, if not the slots' .item()s


def raw(data: Data) -> tuple[Tensor, Tensor]:
    """x and y as float64 vectors."""
    return data.x.double().view(-1), data.y.double().view(-1)


class ModelDef(ABC):
    """One kind of model. Subclasses say how it is built and what it computes; the checks, the
    pointwise landscape and the curvature below are shared."""

    kind: str
    names: tuple[str, ...]
    losses: tuple[Loss, ...]  # the losses it trains on
    modes: tuple[Mode, ...] = get_args(Mode)  # the lesson's modes it trains in
    what: str  # in a refusal: "the line", "logistic regression"
    standardizes_y = True  # z-score y too when asked to standardize (not 0/1 labels)
    linear_output = True  # the output is ŷ itself, linear in θ (least squares applies)

    @property
    def size(self) -> int:
        return len(self.names)

    def standardizes(self, config: JobConfig) -> bool:
        """z-score y too when asked to standardize (not 0/1 labels)."""
        return self.standardizes_y

    def params_stride(self, epochs: int) -> int:
        """Epoch events carry ``params`` and ``grads`` every this many epochs (and at the last):
        every epoch up to ``MAX_EVENT_PARAMS`` parameters, about ``EVENT_PARAM_EPOCHS`` times a
        run beyond."""
        if self.size <= MAX_EVENT_PARAMS:
            return 1
        return max(1, math.ceil(epochs / EVENT_PARAM_EPOCHS))

    @property
    def wb(self) -> bool:
        """Its parameters are (w, b): events name them too, as the page reads them."""
        return self.names == ("w", "b")

    def point(self, values: Sequence[float] | None) -> dict[str, float | None]:
        """{"w", "b"} (None without a point) for a model with (w, b), else nothing."""
        if not self.wb:
            return {}
        return {"w": None, "b": None} if values is None else {"w": values[0], "b": values[1]}

    @property
    def default_axes(self) -> tuple[str, str]:
        """The two parameters a landscape is drawn over unless others are asked for."""
        return self.names[0], self.names[1]

    # --- what it allows ---

    def check(self, config: JobConfig) -> None:
        """Refuse what this model cannot train (before any data is drawn)."""
        if config.loss not in self.losses:
            raise ConfigError(
                ("loss",),
                f"{self.what} takes {' '.join(map(repr, self.losses))}, not '{config.loss}'",
                "modelLoss",
                model=self.kind,
                loss=config.loss,
            )
        if config.init is not None and not self.wb:
            raise ConfigError(
                ("init",),
                f"{self.what} has no (w, b): give init_params, one value for each of "
                f"{', '.join(self.names)}",
                "initParams",
                names=", ".join(self.names),
            )
        if config.init is not None and config.init_params is not None:
            raise ConfigError(("init_params",), "give init or init_params, not both", "initBoth")
        if config.init_params is not None and len(config.init_params) != self.size:
            raise ConfigError(
                ("init_params",),
                f"needs {self.size} values ({', '.join(self.names)}), has {len(config.init_params)}",
                "paramCount",
                size=self.size,
                names=", ".join(self.names),
            )

    def check_data(self, data: Data, config: JobConfig) -> None:
        """Refuse data this model cannot fit (as it trains: loaded and standardized)."""
        return None

    # --- training ---

    @abstractmethod
    def build(self, mode: Mode, X: Tensor, rng: torch.Generator) -> Built:
        """The parameters drawn from ``rng`` in the lesson's order, and the forward for ``mode``."""

    def criterion(self, config: JobConfig) -> Criterion:
        return criterion(config)

    def start(self, built: Built, values: Sequence[float]) -> None:
        """Overwrite the drawn start with ``values`` (θ in ``names`` order)."""
        with torch.no_grad():
            for value, (k, j) in zip(values, built.slots, strict=True):
                built.params[k].view(-1)[j] = value

    # --- its code in a generated script ---

    formula: str  # the model in the script's docstring

    @abstractmethod
    def code(self, mode: Mode) -> ModelCode: ...

    def criterion_code(self, config: JobConfig) -> str:
        """The criterion's body: yhat (the forward's output), y and delta in scope."""
        return LOSSES[config.loss].code

    # --- the landscape (float64, many θ at once) ---

    @abstractmethod
    def outputs(self, theta: Tensor, x: Tensor) -> Tensor:
        """The model's output (what the criterion is given) for every θ row and point: [G, n]."""

    def terms(self, config: JobConfig) -> Callable[[Tensor, Tensor], Tensor]:
        """Each point's term of the loss, from the output and y; the loss is ``finish(mean)``."""
        f = pointwise(config)
        return lambda out, y: f(out - y)

    def losses_at(
        self,
        data: Data,
        config: JobConfig,
        theta: Tensor,
        stop: threading.Event | None = None,
    ) -> Tensor:
        """The loss over the data at every row of θ [G, P], exactly: summed over the points in
        chunks (memory stays bounded), over an evenly spaced sample of them when G times the
        points would exceed ``MAX_GRID_WORK``."""
        x, y = raw(data)
        n, cells = len(x), theta.shape[0]
        k = sample_size(n, cells)
        if k < n:
            idx = torch.linspace(0, n - 1, k, dtype=torch.float64).round().long()
            x, y = x[idx], y[idx]
        terms = self.terms(config)
        total = torch.zeros(cells, dtype=torch.float64)
        chunk = max(1, CHUNK_CELLS // cells)
        for i in range(0, k, chunk):
            if stop is not None and stop.is_set():
                raise Stopped
            xs, ys = x[i : i + chunk], y[i : i + chunk]
            total += terms(self.outputs(theta, xs), ys.view(1, -1)).sum(dim=1)
        return finish(config.loss, total / k, n)

    def points_summed(self, data: Data, config: JobConfig, cells: int) -> int:
        """How many points ``losses_at`` sums over for ``cells`` vectors."""
        return sample_size(data.n, cells)

    def loss_at(self, data: Data, config: JobConfig, params: list[float]) -> float:
        theta = torch.tensor([params], dtype=torch.float64)
        return float(self.losses_at(data, config, theta)[0])

    def r2(self, data: Data, config: JobConfig, params: list[float]) -> float | None:
        """1 − SSE/SST of a least-squares fit; None when every y is the same (no variance)."""
        y = data.y.double()
        sst = float(((y - y.mean()) ** 2).sum())
        if not sst > 0:
            return None
        mse = self.loss_at(data, config.model_copy(update={"loss": "mse"}), params)
        return max(0.0, min(1.0, 1 - data.n * mse / sst))

    @abstractmethod
    def minimum(self, data: Data, config: JobConfig) -> Optimum: ...

    def least_squares(self, data: Data) -> Optimum | None:
        """The least-squares fit, for a model whose output is ŷ (None where it is not)."""
        return None

    def curvature(self, data: Data, config: JobConfig, optimum: Optimum) -> Curvature | None:
        """The Hessian of the loss over the data at its minimum, and 2/λ_max: full-batch gradient
        descent converges near the minimum for lr below it. None without a minimum, for MAE and
        Huber (piecewise), or where the Hessian is not finite."""
        if optimum.params is None or config.loss in ("mae", "huber"):
            return None
        theta0 = torch.tensor(optimum.params, dtype=torch.float64)

        def loss(theta: Tensor) -> Tensor:
            return self.losses_at(data, config, theta.view(1, -1))[0]

        hessian = torch.autograd.functional.hessian(loss, theta0)  # type: ignore[no-untyped-call]
        return curvature_of(hessian, "minimum")


def curvature_of(hessian: Tensor, at: str) -> Curvature | None:
    hessian = (hessian + hessian.T) / 2
    if not bool(hessian.isfinite().all()):
        return None
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian)  # ascending
    lo, hi = float(eigenvalues[0]), float(eigenvalues[-1])
    if not hi > 0:
        return None
    found: Curvature = {
        "hessian": hessian.tolist(),
        "eigenvalues": eigenvalues.tolist(),
        "eigenvectors": eigenvectors.T.tolist(),  # one θ direction per eigenvalue
        "condition_number": hi / lo if lo > 0 else None,
        "max_stable_lr": 2 / hi,
        "at": "everywhere" if at == "everywhere" else "minimum",
    }
    return found


def nn_linear(fan_in: int, rng: torch.Generator) -> torch.nn.Linear:
    """``torch.nn.Linear(fan_in, 1)`` initialized as its own ``reset_parameters`` does, from ``rng``."""
    linear: torch.nn.Linear = torch.nn.utils.skip_init(torch.nn.Linear, fan_in, 1, bias=True)  # type: ignore[no-untyped-call]
    torch.nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=rng)
    bound = 1 / math.sqrt(fan_in)
    torch.nn.init.uniform_(linear.bias, -bound, bound, generator=rng)
    return linear
