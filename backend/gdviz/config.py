"""The job config: every knob of a training run, with its bounds."""

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.config import JsonDict

Mode = Literal["manual", "sgd", "minibatch", "design", "linear"]
Optimizer = Literal["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"]
Loss = Literal["mse", "sse", "rmse", "euclidean", "mae", "huber", "bce"]
Curve = Literal["line", "parabola", "sine"]

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
# 'manual' is the lesson's hand-written update, plain gradient descent; every other mode uses torch.optim.
MODE_OPTIMIZERS: dict[Mode, tuple[Optimizer, ...]] = {
    mode: ("sgd",) if mode == "manual" else OPTIMIZERS for mode in get_args(Mode)
}
MAX_DEGREE = 9
MAX_EPOCHS = 20_000
MAX_POINTS = 1_000_000
MAX_SEED = 2**53 - 1
MAX_INLINE_POINTS = 10_000
MAX_VALUE = (
    1e12  # a data value's size: room for Unix timestamps, while squares and sums stay finite
)

Finite = Annotated[float, Field(allow_inf_nan=False)]


def form(
    group: str,
    order: int,
    *,
    widget: str | None = None,
    shown_when: dict[str, list[str]] | None = None,
) -> JsonDict:
    """Where the page's settings form shows a field (``form`` in its JSON schema: GET /api/schema).

    ``group``: its fieldset, legend ``group.<group>`` in the page's catalogues (groups come in the
    order of their first field); ``order``: its place among all the form's fields; ``widget`` where
    the type does not say it ("log-slider"; "file"; "select": choices the page fetches);
    ``shown_when`` {field: values}: shown, and sent in a job, only while each field has one of its
    values. An optimizer's knob shows with its optimizer (OPTIMIZER_KNOBS), a data set's fields with
    their kind. The label is ``field.<name>`` in frontend/js/i18n/en.js and ko.js. A field without
    ``form`` is not in the form (it is still in the page's URL and its jobs).
    """
    spec: JsonDict = {"group": group, "order": order}
    if widget:
        spec["widget"] = widget
    if shown_when:
        spec["shown_when"] = {k: list(v) for k, v in shown_when.items()}
    return {"form": spec}


class Strict(BaseModel):
    """Unknown fields refused, and no coercion: ``true`` is not a number, ``"0.1"`` is not one
    either (an int is still a float)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Synthetic(Strict):
    """The lesson's generator: y = true_w·x + true_b + noise·ε, ε ~ N(0, 1)."""

    kind: Literal["synthetic"] = "synthetic"
    x_start: Finite = Field(
        -3.0, ge=-1e6, le=1e6, description="first x", json_schema_extra=form("data", 250)
    )
    x_stop: Finite = Field(
        3.0,
        ge=-1e6,
        le=1e6,
        description="x stops before this (arange) or at it (linspace)",
        json_schema_extra=form("data", 260),
    )
    x_step: Finite = Field(
        0.3,
        gt=0,
        le=1e6,
        description="spacing of x = arange(x_start, x_stop, x_step)",
        json_schema_extra=form("data", 270),
    )
    n: int | None = Field(
        None,
        ge=2,
        le=MAX_POINTS,
        description="if set, x = linspace(x_start, x_stop, n)",
        json_schema_extra=form("data", 280),
    )
    true_w: Finite = Field(
        2.0,
        ge=-1e6,
        le=1e6,
        description="the slope the data is drawn from",
        json_schema_extra=form("data", 220),
    )
    true_b: Finite = Field(
        -1.0,
        ge=-1e6,
        le=1e6,
        description="the intercept the data is drawn from",
        json_schema_extra=form("data", 230),
    )
    noise: Finite = Field(
        1.0,
        ge=0,
        le=1e6,
        description="standard deviation of ε",
        json_schema_extra=form("data", 240),
    )
    curve: Curve = Field(
        "line",
        description="f in y = true_w·f(x) + true_b + noise·ε: x, x² or sin(x)",
        json_schema_extra=form("data", 244),
    )
    labels: bool = Field(
        False,
        description="y = 1 where true_w·f(x) + true_b + noise·ε > 0, else 0 (logistic)",
        json_schema_extra=form("data", 246),
    )


class Builtin(Strict):
    kind: Literal["builtin"]
    name: str = Field(
        max_length=64,
        description="a name from GET /api/datasets",
        json_schema_extra=form("data", 290, widget="select"),
    )


class Upload(Strict):
    kind: Literal["upload"]
    id: str = Field(
        max_length=64,
        description="the id answered by POST /api/datasets",
        json_schema_extra=form("data", 300, widget="file"),
    )
    x: str | None = Field(
        None,
        max_length=200,
        description="x column (default: first numeric)",
        json_schema_extra=form("data", 310, widget="select"),
    )
    y: str | None = Field(
        None,
        max_length=200,
        description="y column (default: second numeric)",
        json_schema_extra=form("data", 320, widget="select"),
    )


PointValue = Annotated[Finite, Field(ge=-MAX_VALUE, le=MAX_VALUE)]


class Points(Strict):
    """Points given inline: the page's own dragged data, or any small set."""

    kind: Literal["points"]
    # fail_fast: a list of 10,000 wrong values is refused at its first, not listed whole
    x: list[PointValue] = Field(
        min_length=2, max_length=MAX_INLINE_POINTS, fail_fast=True, description="x values"
    )
    y: list[PointValue] = Field(
        min_length=2, max_length=MAX_INLINE_POINTS, fail_fast=True, description="one per x"
    )


def kind_by_default(kind: str) -> BeforeValidator:
    """An object without a ``kind`` is of the schema's default kind (``{"n": 50}``: synthetic)."""

    def add(value: object) -> object:
        if isinstance(value, dict) and "kind" not in value:
            return {"kind": kind, **value}
        return value

    return BeforeValidator(add)


# (in the page's order: its data set menu lists the kinds as the schema does)
Dataset = Annotated[
    Synthetic | Builtin | Points | Upload,
    Field(discriminator="kind"),
    kind_by_default("synthetic"),
]


# Learning-rate schedulers: torch.optim.lr_scheduler's own names and arguments, stepped once per
# epoch after that epoch's updates.


class StepLR(Strict):
    name: Literal["StepLR"]
    step_size: int = Field(ge=1, le=MAX_EPOCHS, description="epochs between decays")
    gamma: Finite = Field(0.1, gt=0, le=10, description="factor at each decay")


class ExponentialLR(Strict):
    name: Literal["ExponentialLR"]
    gamma: Finite = Field(gt=0, le=10, description="factor every epoch")


class CosineAnnealingLR(Strict):
    name: Literal["CosineAnnealingLR"]
    T_max: int = Field(ge=1, le=MAX_EPOCHS, description="epochs of a half cosine")
    eta_min: Finite = Field(0.0, ge=0, le=100, description="the lowest rate")


class LinearLR(Strict):
    name: Literal["LinearLR"]
    start_factor: Finite = Field(1 / 3, gt=0, le=1, description="factor at the first epoch")
    end_factor: Finite = Field(1.0, ge=0, le=1, description="factor after total_iters epochs")
    total_iters: int = Field(5, ge=1, le=MAX_EPOCHS, description="epochs of the linear change")


class OneCycleLR(Strict):
    """total_steps is the run's epochs. cycle_momentum defaults to False here (torch: True), since
    plain SGD has no momentum to cycle."""

    name: Literal["OneCycleLR"]
    max_lr: Finite = Field(gt=0, le=100, description="the peak rate")
    pct_start: Finite = Field(0.3, gt=0, lt=1, description="share of the run spent rising")
    anneal_strategy: Literal["cos", "linear"] = Field("cos", description="shape of the curve")
    div_factor: Finite = Field(25.0, ge=1, le=1e6, description="initial rate = max_lr/div_factor")
    final_div_factor: Finite = Field(1e4, ge=1, le=1e12, description="last rate = initial/this")
    three_phase: bool = Field(False, description="a third phase annealing below the start")
    cycle_momentum: bool = Field(False, description="cycle momentum (or adam's beta1) inversely")


class ReduceLROnPlateau(Strict):
    """Steps on the epoch's loss."""

    name: Literal["ReduceLROnPlateau"]
    factor: Finite = Field(0.1, gt=0, lt=1, description="factor when the loss stalls")
    patience: int = Field(10, ge=0, le=MAX_EPOCHS, description="epochs without improvement")
    threshold: Finite = Field(1e-4, ge=0, le=1, description="what counts as an improvement")
    threshold_mode: Literal["rel", "abs"] = Field("rel", description="threshold relative or not")
    cooldown: int = Field(0, ge=0, le=MAX_EPOCHS, description="epochs to wait after a decay")
    min_lr: Finite = Field(0.0, ge=0, le=100, description="the lowest rate")


Scheduler = Annotated[
    StepLR | ExponentialLR | CosineAnnealingLR | LinearLR | OneCycleLR | ReduceLROnPlateau,
    Field(discriminator="name"),
]


class Line(Strict):
    """ŷ = w·x + b: the lesson's model."""

    kind: Literal["line"] = "line"


class Logistic(Strict):
    """ŷ = σ(w·x + b), the probability that y = 1."""

    kind: Literal["logistic"]


class Poly(Strict):
    """ŷ = b0 + b1·x + … + b_degree·x^degree."""

    kind: Literal["poly"]
    degree: int = Field(
        2,
        ge=2,
        le=MAX_DEGREE,
        description="the highest power of x",
        json_schema_extra=form("method", 66, shown_when={"model": ["poly"]}),
    )


MAX_HIDDEN_LAYERS, MAX_UNITS = 3, 64
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]


class Mlp(Strict):
    """A small network: ``nn.Sequential`` of ``nn.Linear`` layers with an activation between them,
    from x to ŷ (or to the logit, with bce)."""

    kind: Literal["mlp"]
    hidden: list[Units] = Field(
        [16],
        min_length=1,
        max_length=MAX_HIDDEN_LAYERS,
        description="units in each hidden layer (1 to 3 layers of 1 to 64 units)",
        json_schema_extra=form("method", 67, shown_when={"model": ["mlp"]}),
    )
    activation: Literal["tanh", "relu"] = Field(
        "tanh",
        description="the nonlinearity after each hidden layer",
        json_schema_extra=form("method", 68, shown_when={"model": ["mlp"]}),
    )


ModelSpec = Annotated[
    Line | Logistic | Poly | Mlp, Field(discriminator="kind"), kind_by_default("line")
]


class StartPoint(Strict):
    w: Finite = Field(ge=-1e6, le=1e6, description="slope to start from")
    b: Finite = Field(ge=-1e6, le=1e6, description="intercept to start from")


class JobConfig(Strict):
    """A training run. Every field is optional; the defaults are the lesson's run."""

    mode: Mode = Field(
        "sgd",
        description="the lesson's way to fit: manual GD, torch.optim.SGD, mini-batches, design matrix, nn.Linear",
        json_schema_extra=form("method", 10),
    )
    optimizer: Optimizer = Field(
        "sgd", description="the torch.optim algorithm", json_schema_extra=form("method", 20)
    )
    momentum: Finite = Field(
        0.9,
        ge=0,
        lt=1,
        description="how much of the last update each update keeps",
        json_schema_extra=form("method", 30),
    )
    beta1: Finite = Field(
        0.9,
        ge=0,
        lt=1,
        description="decay of the running mean of gradients",
        json_schema_extra=form("method", 40),
    )
    beta2: Finite = Field(
        0.999,
        ge=0,
        lt=1,
        description="decay of the running mean of squared gradients",
        json_schema_extra=form("method", 50),
    )
    alpha: Finite = Field(
        0.99,
        gt=0,
        lt=1,
        description="smoothing constant of the running mean of squared gradients",
        json_schema_extra=form("method", 60),
    )
    model: ModelSpec = Field(
        default_factory=Line,
        description="what is fitted: the line (the lesson's), logistic regression, a polynomial, a small network",
        json_schema_extra=form("method", 65),
    )
    loss: Loss = Field(
        "mse",
        description="criterion: mean squared error (the lesson's; bce when the model is logistic), "
        "sum of squares, root mean square, Euclidean distance, mean absolute error, Huber, "
        "binary cross-entropy",
        json_schema_extra=form("method", 70),
    )
    huber_delta: Finite = Field(
        1.0,
        gt=0,
        le=1e6,
        description="Huber's threshold between squared and absolute",
        json_schema_extra=form("method", 80, shown_when={"loss": ["huber"]}),
    )
    lr: Finite = Field(
        0.1,
        gt=0,
        le=100,
        description="learning rate",
        json_schema_extra=form("training", 110, widget="log-slider"),
    )
    epochs: int = Field(
        100,
        ge=1,
        le=MAX_EPOCHS,
        description="passes over the data",
        json_schema_extra=form("training", 120),
    )
    batch_size: int = Field(
        5,
        ge=1,
        le=MAX_POINTS,
        description="mini-batch modes; at most n",
        json_schema_extra=form("training", 130, shown_when={"mode": list(MINIBATCH_MODES)}),
    )
    shuffle: bool = Field(
        True,
        description="DataLoader(shuffle=...) for the mini-batch modes",
        json_schema_extra=form("training", 140, shown_when={"mode": list(MINIBATCH_MODES)}),
    )
    seed: int = Field(
        2021,
        ge=0,
        le=MAX_SEED,
        description="one torch.manual_seed for data, init and shuffles",
        json_schema_extra=form("training", 160),
    )
    init: StartPoint | None = Field(
        None,
        description="start (w, b) instead of the random init",
        json_schema_extra=form("training", 170),
    )
    init_params: list[Annotated[Finite, Field(ge=-1e6, le=1e6)]] | None = Field(
        None,
        min_length=2,
        max_length=MAX_DEGREE + 1,
        description="start parameters in meta.param_names order (any model), instead of the random init",
    )
    granularity: Literal["epoch", "step"] = Field(
        "epoch",
        description="also stream every update ('step' events)",
        json_schema_extra=form("training", 150),
    )
    delay_ms: int = Field(0, ge=0, le=5000, description="pause after each epoch, to pace a demo")
    standardize: bool = Field(
        False,
        description="z-score x and y before training",
        json_schema_extra=form("data", 330),
    )
    scheduler: Scheduler | None = Field(
        None, description="change lr every epoch: torch.optim.lr_scheduler's name and arguments"
    )
    trace_state: bool = Field(
        False, description="epoch (and step) events carry the optimizer's state and the step taken"
    )
    dataset: Dataset = Field(
        default_factory=Synthetic,
        description="synthetic (the lesson's), builtin or upload",
        json_schema_extra=form("data", 210),
    )

    @model_validator(mode="after")
    def _logistic_loss(self) -> "JobConfig":
        """Logistic regression's own loss, binary cross-entropy, unless another one is asked for."""
        if isinstance(self.model, Logistic) and "loss" not in self.model_fields_set:
            self.loss = "bce"
        return self

    @property
    def minibatch(self) -> bool:
        return self.mode in MINIBATCH_MODES


class ConfigError(ValueError):
    """A value that passes its own bounds but not the run: reported as a 422 on ``loc``.

    ``reason`` and ``ctx`` name the refusal and its figures, so a page can say it in its own
    language (the error's ``ctx``, as pydantic gives a bound's)."""

    def __init__(
        self, loc: tuple[str, ...], msg: str, reason: str | None = None, **ctx: object
    ) -> None:
        super().__init__(f"{'.'.join(loc)}: {msg}")
        self.loc = loc
        self.msg = msg
        self.ctx = {"reason": reason, **ctx} if reason else None


def check_config(config: JobConfig) -> None:
    """The checks across fields; those that need the data live in ``models.load``, and the model's
    own (its losses, its start) in its definition (``models.check`` runs both)."""
    allowed = MODE_OPTIMIZERS[config.mode]
    if config.optimizer not in allowed:
        raise ConfigError(
            ("optimizer",),
            f"mode '{config.mode}' allows only {' '.join(map(repr, allowed))}; "
            f"use mode 'sgd' or a mini-batch mode for '{config.optimizer}'",
            "optimizerMode",
            mode=config.mode,
            optimizer=config.optimizer,
        )
    if config.optimizer == "nesterov" and config.momentum == 0:
        raise ConfigError(("momentum",), "must be greater than 0 for nesterov", "nesterovMomentum")
    ds = config.dataset
    if isinstance(ds, Synthetic):
        if ds.x_stop <= ds.x_start:
            raise ConfigError(
                ("dataset", "x_stop"),
                f"must be greater than x_start ({ds.x_start})",
                "xOrder",
                x_start=ds.x_start,
            )
        if ds.n is None and (ds.x_stop - ds.x_start) / ds.x_step > MAX_POINTS:
            raise ConfigError(
                ("dataset", "x_step"),
                f"too small: more than {MAX_POINTS} points",
                "tooManyPoints",
                max=MAX_POINTS,
            )
    if isinstance(ds, Points) and len(ds.x) != len(ds.y):
        raise ConfigError(
            ("dataset", "y"),
            f"has {len(ds.y)} values but x has {len(ds.x)}: give one y per x",
            "lengths",
            x=len(ds.x),
            y=len(ds.y),
        )
    if config.scheduler is not None:
        if config.mode == "manual":
            raise ConfigError(
                ("scheduler",),
                "mode 'manual' updates w by hand with a fixed lr; use mode 'sgd' for a scheduler",
            )
        sched = config.scheduler
        if (
            isinstance(sched, OneCycleLR)
            and sched.cycle_momentum
            and config.optimizer
            in (
                "sgd",
                "adagrad",
            )
        ):
            raise ConfigError(
                ("scheduler", "cycle_momentum"),
                f"optimizer '{config.optimizer}' has no momentum to cycle; use momentum or adam",
                "cycleMomentum",
                optimizer=config.optimizer,
            )


LIVE_KNOBS = ("lr", "momentum", "beta1", "beta2", "alpha")


class JobChange(Strict):
    """A change to a running job, from its next epoch on: lr and the optimizer's own knobs."""

    lr: Finite | None = Field(None, gt=0, le=100, description="learning rate")
    momentum: Finite | None = Field(None, ge=0, lt=1, description="momentum and nesterov")
    beta1: Finite | None = Field(None, ge=0, lt=1, description="adam's first-moment decay")
    beta2: Finite | None = Field(None, ge=0, lt=1, description="adam's second-moment decay")
    alpha: Finite | None = Field(None, gt=0, lt=1, description="rmsprop smoothing constant")


def check_change(config: JobConfig, change: JobChange) -> dict[str, float]:
    """The change's values, if this job's optimizer takes them."""
    values = change.model_dump(exclude_none=True)
    if not values:
        raise ConfigError(("lr",), f"give at least one of {', '.join(LIVE_KNOBS)}")
    takes: tuple[str, ...] = ("lr", *OPTIMIZER_KNOBS[config.optimizer])
    for knob in values:
        if knob not in takes:
            raise ConfigError(
                (knob,), f"optimizer '{config.optimizer}' takes only {', '.join(takes)}"
            )
    if "lr" in values and config.scheduler is not None:
        raise ConfigError(("lr",), f"this run's lr follows its {config.scheduler.name} scheduler")
    if config.optimizer == "nesterov" and values.get("momentum") == 0:
        raise ConfigError(("momentum",), "must be greater than 0 for nesterov")
    return values
