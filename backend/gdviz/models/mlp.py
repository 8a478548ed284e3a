"""A small network: ``nn.Sequential`` of ``nn.Linear`` layers from x to ŷ, with tanh or ReLU
between them, initialized by torch's own ``reset_parameters`` from the job's generator.

Its parameters are named as ``named_parameters`` names them, one entry per number:
``0.weight[3,0]``, ``0.bias[3]``, ``2.weight[0,3]``, … (row-major, tensor by tensor). It trains in
three of the lesson's modes — by hand (manual), ``torch.optim`` on the full batch (sgd) and on a
``DataLoader``'s mini-batches (minibatch) — on a regression loss, or on bce (its output is then
the logit of P(y = 1)). A network has no closed-form minimum: the meta says so.
"""

import itertools
import math
import threading
from collections.abc import Callable

import torch
from torch import Tensor

from ..config import ConfigError, JobConfig, Loss, Mode
from ..data import Data
from ..losses import finish, pointwise
from ..surface import Stopped, sample_size
from .base import MAX_EVENT_PARAMS, Built, ModelCode, ModelDef, Optimum, Values, raw
from .line import check_labels

MODES: tuple[Mode, ...] = ("manual", "sgd", "minibatch")
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"tanh": torch.tanh, "relu": torch.relu}
TORCH_NAMES = {"tanh": "Tanh", "relu": "ReLU"}
CHUNK_WORK = 4_000_000  # grid rows × points × widest layer held at once by ``losses_at``


def read_flat(ts: list[Tensor]) -> Values:
    """θ from the tensors, in ``named_parameters`` order, each row-major."""
    return tuple(torch.cat([t.detach().reshape(-1) for t in ts]).tolist())


class MlpDef(ModelDef):
    kind = "mlp"
    losses: tuple[Loss, ...] = ("mse", "sse", "rmse", "euclidean", "mae", "huber", "bce")
    what = "a network"
    linear_output = False
    modes = MODES

    def __init__(self, hidden: tuple[int, ...], activation: str) -> None:
        self.hidden = hidden
        self.activation = activation
        self.widths = (1, *hidden, 1)
        names: list[str] = []
        # (name, out, in) for every Linear; its index in the Sequential is 2·i
        self.layers = [
            (f"{2 * i}", o, k) for i, (k, o) in enumerate(itertools.pairwise(self.widths))
        ]
        for layer, out, fan_in in self.layers:
            names += [f"{layer}.weight[{r},{c}]" for r in range(out) for c in range(fan_in)]
            names += [f"{layer}.bias[{r}]" for r in range(out)]
        self.names = tuple(names)
        shape = "-".join(map(str, self.widths))
        self.formula = f"a {shape} network ({activation}): yhat = torch.nn.Sequential(...)(x)"

    def standardizes(self, config: JobConfig) -> bool:
        return config.loss != "bce"  # 0/1 labels stay 0/1

    @property
    def default_axes(self) -> tuple[str, str]:
        """The output layer's bias against its first weight: a slice the page can always draw."""
        return self.names[-2], self.names[-1]

    # --- what it allows ---

    def check(self, config: JobConfig) -> None:
        if config.mode not in self.modes:
            raise ConfigError(
                ("mode",),
                f"{self.what} trains in mode 'manual', 'sgd' or 'minibatch'; '{config.mode}' "
                "builds a model linear in its parameters",
                "networkMode",
                mode=config.mode,
            )
        if config.init_params is not None:
            raise ConfigError(
                ("init_params",),
                f"{self.what} starts from torch's own init: change the seed for another start",
                "networkInit",
            )
        if config.trace_state and self.size > MAX_EVENT_PARAMS:
            raise ConfigError(
                ("trace_state",),
                f"traces the optimizer's state of models up to {MAX_EVENT_PARAMS} parameters; "
                f"this network has {self.size}",
                "traceSize",
                size=self.size,
            )
        super().check(config)

    def check_data(self, data: Data, config: JobConfig) -> None:
        if config.loss == "bce":
            check_labels(data, config, f"{self.what} on bce")

    # --- training ---

    def network(self, rng: torch.Generator) -> torch.nn.Sequential:
        """The Sequential, each Linear drawn as its ``reset_parameters`` draws it, from ``rng``."""
        modules: list[torch.nn.Module] = []
        for i, (_, out, fan_in) in enumerate(self.layers):
            linear: torch.nn.Linear = torch.nn.utils.skip_init(torch.nn.Linear, fan_in, out)  # type: ignore[no-untyped-call]
            torch.nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=rng)
            bound = 1 / math.sqrt(fan_in)
            torch.nn.init.uniform_(linear.bias, -bound, bound, generator=rng)
            modules.append(linear)
            if i < len(self.layers) - 1:
                modules.append(getattr(torch.nn, TORCH_NAMES[self.activation])())
        return torch.nn.Sequential(*modules)

    def build(self, mode: Mode, X: Tensor, rng: torch.Generator) -> Built:
        net = self.network(rng)
        params: list[Tensor] = list(net.parameters())
        slots = [(k, j) for k, p in enumerate(params) for j in range(p.numel())]
        return Built(net, params, X, read_flat, slots)

    def terms(self, config: JobConfig) -> Callable[[Tensor, Tensor], Tensor]:
        if config.loss == "bce":
            return lambda z, y: torch.nn.functional.binary_cross_entropy_with_logits(
                z, y.expand_as(z), reduction="none"
            )
        f = pointwise(config)
        return lambda out, y: f(out - y)

    # --- its code ---

    def code(self, mode: Mode) -> ModelCode:
        act = TORCH_NAMES[self.activation]
        lines = []
        for i, (_, out, fan_in) in enumerate(self.layers):
            lines.append(f"    torch.nn.Linear({fan_in}, {out}),")
            if i < len(self.layers) - 1:
                lines.append(f"    torch.nn.{act}(),")
        layers = "\n".join(lines)
        shape = "-".join(map(str, self.widths))
        block = (
            f"# model: a {shape} network, nn.Linear layers with {act} between them; each layer's\n"
            "# own init (reset_parameters) draws its start, layer by layer\n"
            f"model = torch.nn.Sequential(\n{layers}\n)\n"
        )
        if mode != "minibatch":
            block += "forward = model\n"
        report = "*torch.nn.utils.parameters_to_vector(model.parameters()).tolist()"
        return ModelCode(
            block,
            "model.parameters()",
            [],
            manual_update="""    # step: gradient descent by hand, p <- p - lr * d loss/d p for every weight and bias
    for p in model.parameters():
        p.data = p.data - lr * p.grad.data
    # zero_grad: forget the gradients, or the next backward would add to them
    for p in model.parameters():
        p.grad = None""",
            report=report,
        )

    def criterion_code(self, config: JobConfig) -> str:
        if config.loss == "bce":
            return "torch.nn.functional.binary_cross_entropy_with_logits(yhat, y)  # mean BCE, σ inside"
        return super().criterion_code(config)

    # --- the landscape (float64, many θ at once) ---

    def unpack(self, theta: Tensor) -> list[tuple[Tensor, Tensor]]:
        """Each layer's (weight [G, out, in], bias [G, out]) from the rows of θ [G, P]."""
        out, at, G = [], 0, theta.shape[0]
        for _, o, k in self.layers:
            W = theta[:, at : at + o * k].reshape(G, o, k)
            at += o * k
            out.append((W, theta[:, at : at + o]))
            at += o
        return out

    def outputs(self, theta: Tensor, x: Tensor) -> Tensor:
        """The network at every θ row at once, one batched matrix product per layer: [G, n]."""
        act = ACTIVATIONS[self.activation]
        layers = self.unpack(theta)
        h = x.view(1, -1, 1).expand(theta.shape[0], -1, 1)  # [G, n, 1]
        for i, (W, b) in enumerate(layers):
            h = torch.baddbmm(b.unsqueeze(1), h, W.transpose(1, 2))  # [G, n, out]
            if i < len(layers) - 1:
                h = act(h)
        return h[:, :, 0]

    def losses_at(
        self, data: Data, config: JobConfig, theta: Tensor, stop: threading.Event | None = None
    ) -> Tensor:
        """The loss at every row of θ, a block of rows at a time (each holds rows × points × the
        widest layer), over the same points as any model's (a sample for very large grids)."""
        x, y = raw(data)
        n, cells = len(x), theta.shape[0]
        k = sample_size(n, cells)
        if k < n:
            idx = torch.linspace(0, n - 1, k, dtype=torch.float64).round().long()
            x, y = x[idx], y[idx]
        terms = self.terms(config)
        rows = max(1, CHUNK_WORK // (k * max(self.widths)))
        parts = []
        for i in range(0, cells, rows):
            if stop is not None and stop.is_set():
                raise Stopped
            out = self.outputs(theta[i : i + rows], x)
            parts.append(terms(out, y.view(1, -1)).mean(dim=1))
        return finish(config.loss, torch.cat(parts), n)

    def points_summed(self, data: Data, config: JobConfig, cells: int) -> int:
        return sample_size(data.n, cells)

    def minimum(self, data: Data, config: JobConfig) -> Optimum:
        return Optimum(
            None,
            None,
            "none",
            "a network's loss has many minima (swap two hidden units: the same loss) and no "
            "formula finds one; the path shows where this run goes",
        )
