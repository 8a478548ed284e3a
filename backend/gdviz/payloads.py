"""The payloads of a job's events (meta, epoch, step, done), as the stream and the summary carry them."""

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

Record = dict[str, float | int]  # an epoch, step or change event as the engine yields it
Status = Literal["queued", "running", "completed", "cancelled", "diverged", "failed"]
Finished = Literal["completed", "cancelled", "diverged", "failed"]


class Epoch(TypedDict):
    """After an epoch: its loss (the lesson's per-epoch loss), (w, b) after it, the last update's gradients."""

    epoch: int  # from 1
    loss: float
    w: float
    b: float
    grad_w: float
    grad_b: float
    lr: float  # the rate used in this epoch
    # with trace_state: step_w, step_b and the optimizer's state (see docs/api.md)


class Change(TypedDict):
    """A live change, sent just before the first epoch that uses it: that epoch, and the values."""

    epoch: int
    lr: NotRequired[float]
    momentum: NotRequired[float]
    beta1: NotRequired[float]
    beta2: NotRequired[float]
    alpha: NotRequired[float]


class Curvature(TypedDict):
    """The MSE's Hessian in (w, b) on the data as trained, and what it says about the step size."""

    hessian: list[list[float]]
    eigenvalues: list[float]  # [λ_min, λ_max]
    eigenvectors: list[list[float]]  # a (w, b) direction per eigenvalue
    condition_number: float | None
    max_stable_lr: float  # 2 / λ_max: full-batch gradient descent converges below it


class Step(Epoch):
    """After one update (granularity "step"): the mini-batch's loss and the values after it."""

    step: int  # from 1, over the whole run


class Point(TypedDict):
    w: float
    b: float


class LeastSquares(Point):
    loss: float
    r2: float | None  # 1 − SSE/SST; None when every y is the same


class Minimum(Point):
    """Where the run's own loss is lowest (least squares for MSE; MAE and Huber differ)."""

    loss: float
    loss_name: str


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


class Meta(TypedDict):
    """The first event: the run's config, its data (at most 2,000 points) and where it starts."""

    id: str
    config: dict[str, Any]  # JobConfig.model_dump()
    n: int
    points: Points
    least_squares: LeastSquares
    minimum: Minimum
    start: Point
    total_epochs: int
    steps_per_epoch: int
    step_stride: int
    dataset: DatasetInfo
    curvature: Curvature | None  # MSE only


class Done(TypedDict):
    """The last event: how the run ended, and the last sent epoch's values (loss None if none was)."""

    status: Finished
    epochs: int
    loss: float | None
    w: float
    b: float
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
