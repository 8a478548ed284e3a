"""The payloads of a job's events (meta, epoch, step, done), as the stream and the summary carry them."""

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

# an epoch, step or change event as the engine yields it: numbers, and tuples of them (params, grads)
Record = dict[str, float | int | tuple[float, ...]]
Status = Literal["queued", "running", "completed", "cancelled", "diverged", "failed"]
Finished = Literal["completed", "cancelled", "diverged", "failed"]


class Epoch(TypedDict):
    """After an epoch: its loss (the lesson's per-epoch loss), the parameters after it and the
    last update's gradients, in ``meta.param_names`` order; (w, b) by name too where the model
    has them."""

    epoch: int  # from 1
    loss: float
    # every epoch up to 64 parameters; beyond, every meta.params_stride-th epoch and the last
    params: NotRequired[list[float]]
    grads: NotRequired[list[float]]  # a watched loop's: when it sent them
    w: NotRequired[float]
    b: NotRequired[float]
    grad_w: NotRequired[float]
    grad_b: NotRequired[float]
    lr: NotRequired[float]  # the rate used in this epoch (a watched loop's: when it sent it)
    # with trace_state: step_<name> and the optimizer's state per parameter (see docs/api.md)


class Change(TypedDict):
    """A live change, sent just before the first epoch that uses it: that epoch, and the values."""

    epoch: int
    lr: NotRequired[float]
    momentum: NotRequired[float]
    beta1: NotRequired[float]
    beta2: NotRequired[float]
    alpha: NotRequired[float]


class Curvature(TypedDict):
    """The loss's Hessian in the parameters on the data as trained, and what it says about the
    step size."""

    hessian: list[list[float]]
    eigenvalues: list[float]  # ascending, one per parameter: [λ_min, λ_max] for (w, b)
    eigenvectors: list[list[float]]  # a direction (in param_names order) per eigenvalue
    condition_number: float | None
    max_stable_lr: float  # 2 / λ_max: full-batch gradient descent converges below it
    at: Literal["everywhere", "minimum"]  # a quadratic's Hessian is constant; else the minimum's


class Step(Epoch):
    """After one update (granularity "step"): the mini-batch's loss and the values after it."""

    step: int  # from 1, over the whole run


class Point(TypedDict):
    w: float
    b: float


class LeastSquares(TypedDict):
    """The least-squares fit (a model whose output is ŷ): the run's loss there."""

    w: NotRequired[float]  # where the model has (w, b)
    b: NotRequired[float]
    params: list[float]
    loss: float
    r2: float | None  # 1 − SSE/SST; None when every y is the same


class Minimum(TypedDict):
    """Where the run's own loss is lowest (least squares for the squared errors; MAE, Huber and
    logistic regression differ), or null params and the reason why there is no such point."""

    w: NotRequired[float | None]
    b: NotRequired[float | None]
    params: list[float] | None
    loss: float | None
    loss_name: str
    method: str  # how it was found: "closed form", "Newton's method", …
    reason: str | None  # why there is no minimum (separable classes), else null


class Scale(TypedDict):
    """A standardized data set's raw means and population stds: z = (v − mean) / std."""

    x_mean: float
    x_std: float
    y_mean: float
    y_std: float


class Points(TypedDict):
    x: list[float]
    y: list[float]


class DatasetInfo(TypedDict):
    name: str
    x_label: str
    y_label: str
    dropped_rows: int
    scale: Scale | None  # standardized only


class Watched(TypedDict):
    """A watched run's own: what its loop calls it and its parameters (``gdviz.watch``)."""

    name: str
    param_names: list[str]


class Meta(TypedDict):
    """The first event: the run's config, its data (at most 2,000 points) and where it starts."""

    id: str
    config: dict[str, Any]  # JobConfig.model_dump()
    n: int
    points: Points
    param_names: list[str]  # the order of params, grads, start_params
    start_params: list[float]
    least_squares: LeastSquares | None  # None for logistic regression
    minimum: Minimum
    start: Point | dict[str, float]  # (w, b) where the model has them, else {}
    total_epochs: int
    steps_per_epoch: int
    step_stride: int
    params_stride: int  # epoch events carry params every this many epochs (1 up to 64 params)
    dataset: DatasetInfo
    curvature: Curvature | None  # None for MAE, Huber, or without a minimum
    watched: NotRequired[Watched]  # a student's own loop, not a gdviz run (POST /api/runs)


class Done(TypedDict):
    """The last event: how the run ended, and the last sent epoch's values (loss None if none was)."""

    status: Finished
    epochs: int
    loss: float | None
    params: NotRequired[list[float] | None]
    w: NotRequired[float | None]  # where the model has (w, b)
    b: NotRequired[float | None]
    reason: str | None
    diverged_at: NotRequired[int]


class JobState(TypedDict):
    """A job as ``GET /api/jobs/{id}`` tells it (``history`` left out where not asked for)."""

    id: str
    status: Status
    config: dict[str, Any]  # JobConfig.model_dump()
    meta: Meta
    done: Done | None
    epochs_done: int
    elapsed_s: float | None  # since it started training, on the server's clock
    history: NotRequired[list[Record]]  # its epoch events
