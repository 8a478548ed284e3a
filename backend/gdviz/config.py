"""The job config: every knob of a training run, with its bounds."""

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["manual", "sgd", "minibatch", "design", "linear"]
Optimizer = Literal["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"]
Loss = Literal["mse", "mae", "huber"]

Knob = Literal["momentum", "beta1", "beta2", "alpha"]

MINIBATCH_MODES = ("minibatch", "design", "linear")
OPTIMIZERS: tuple[Optimizer, ...] = get_args(Optimizer)
# The fields each optimizer reads; the page, the CLI's help and the generated script follow this.
# rmsprop takes no momentum here: the engine builds torch's RMSprop without it.
OPTIMIZER_KNOBS: dict[Optimizer, tuple[Knob, ...]] = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "adam": ("beta1", "beta2"),
    "rmsprop": ("alpha",),
    "adagrad": (),
}
# 'manual' is the seed's hand-written update, plain gradient descent; every other mode uses torch.optim.
MODE_OPTIMIZERS: dict[Mode, tuple[Optimizer, ...]] = {
    mode: ("sgd",) if mode == "manual" else OPTIMIZERS for mode in get_args(Mode)
}
MAX_EPOCHS = 20_000
MAX_POINTS = 1_000_000
MAX_SEED = 2**53 - 1

Finite = Annotated[float, Field(allow_inf_nan=False)]


class Strict(BaseModel):
    """Unknown fields refused, and no coercion: ``true`` is not a number, ``"0.1"`` is not one
    either (an int is still a float)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Synthetic(Strict):
    """The seed's generator: y = true_w·x + true_b + noise·ε, ε ~ N(0, 1)."""

    kind: Literal["synthetic"] = "synthetic"
    x_start: Finite = Field(-3.0, ge=-1e6, le=1e6, description="first x")
    x_stop: Finite = Field(
        3.0, ge=-1e6, le=1e6, description="x stops before this (arange) or at it (linspace)"
    )
    x_step: Finite = Field(
        0.3, gt=0, le=1e6, description="spacing of x = arange(x_start, x_stop, x_step)"
    )
    n: int | None = Field(
        None, ge=2, le=MAX_POINTS, description="if set, x = linspace(x_start, x_stop, n)"
    )
    true_w: Finite = Field(2.0, ge=-1e6, le=1e6, description="the slope the data is drawn from")
    true_b: Finite = Field(
        -1.0, ge=-1e6, le=1e6, description="the intercept the data is drawn from"
    )
    noise: Finite = Field(1.0, ge=0, le=1e6, description="standard deviation of ε")


class Builtin(Strict):
    kind: Literal["builtin"]
    name: str = Field(max_length=64, description="a name from GET /api/datasets")


class Upload(Strict):
    kind: Literal["upload"]
    id: str = Field(max_length=64, description="the id answered by POST /api/datasets")
    x: str | None = Field(None, max_length=200, description="x column (default: first numeric)")
    y: str | None = Field(None, max_length=200, description="y column (default: second numeric)")


Dataset = Annotated[Synthetic | Builtin | Upload, Field(discriminator="kind")]


class StartPoint(Strict):
    w: Finite = Field(ge=-1e6, le=1e6, description="slope to start from")
    b: Finite = Field(ge=-1e6, le=1e6, description="intercept to start from")


class JobConfig(Strict):
    """A training run. Every field is optional; the defaults are the seed's run."""

    mode: Mode = Field(
        "sgd",
        description="the seed's way to fit: manual GD, torch.optim.SGD, mini-batches, design matrix, nn.Linear",
    )
    optimizer: Optimizer = Field("sgd", description="the torch.optim algorithm")
    momentum: Finite = Field(
        0.9, ge=0, lt=1, description="how much of the last update each update keeps"
    )
    beta1: Finite = Field(0.9, ge=0, lt=1, description="decay of the running mean of gradients")
    beta2: Finite = Field(
        0.999, ge=0, lt=1, description="decay of the running mean of squared gradients"
    )
    alpha: Finite = Field(
        0.99, gt=0, lt=1, description="smoothing constant of the running mean of squared gradients"
    )
    loss: Loss = Field(
        "mse", description="criterion: mean squared error (the seed's), mean absolute error, Huber"
    )
    huber_delta: Finite = Field(
        1.0, gt=0, le=1e6, description="Huber's threshold between squared and absolute"
    )
    lr: Finite = Field(0.1, gt=0, le=100, description="learning rate")
    epochs: int = Field(100, ge=1, le=MAX_EPOCHS, description="passes over the data")
    batch_size: int = Field(5, ge=1, le=MAX_POINTS, description="mini-batch modes; at most n")
    shuffle: bool = Field(True, description="DataLoader(shuffle=...) for the mini-batch modes")
    seed: int = Field(
        2021, ge=0, le=MAX_SEED, description="one torch.manual_seed for data, init and shuffles"
    )
    init: StartPoint | None = Field(None, description="start (w, b) instead of the random init")
    granularity: Literal["epoch", "step"] = Field(
        "epoch", description="also stream every update ('step' events)"
    )
    delay_ms: int = Field(0, ge=0, le=5000, description="pause after each epoch, to pace a demo")
    standardize: bool = Field(False, description="z-score x and y before training")
    dataset: Dataset = Field(
        default_factory=Synthetic, description="synthetic (the seed's), builtin or upload"
    )

    @property
    def minibatch(self) -> bool:
        return self.mode in MINIBATCH_MODES


class ConfigError(ValueError):
    """A value that passes its own bounds but not the run: reported as a 422 on ``loc``."""

    def __init__(self, loc: tuple[str, ...], msg: str) -> None:
        super().__init__(f"{'.'.join(loc)}: {msg}")
        self.loc = loc
        self.msg = msg


def check_config(config: JobConfig) -> None:
    """The checks across fields; those that need the data live in ``data.load``."""
    allowed = MODE_OPTIMIZERS[config.mode]
    if config.optimizer not in allowed:
        raise ConfigError(
            ("optimizer",),
            f"mode '{config.mode}' allows only {' '.join(map(repr, allowed))}; "
            f"use mode 'sgd' or a mini-batch mode for '{config.optimizer}'",
        )
    if config.optimizer == "nesterov" and config.momentum == 0:
        raise ConfigError(("momentum",), "must be greater than 0 for nesterov")
    ds = config.dataset
    if isinstance(ds, Synthetic):
        if ds.x_stop <= ds.x_start:
            raise ConfigError(("dataset", "x_stop"), f"must be greater than x_start ({ds.x_start})")
        if ds.n is None and (ds.x_stop - ds.x_start) / ds.x_step > MAX_POINTS:
            raise ConfigError(("dataset", "x_step"), f"too small: more than {MAX_POINTS} points")
