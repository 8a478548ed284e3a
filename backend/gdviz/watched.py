"""A watched run: a student's own training loop (``gdviz.watch``), whose epochs come over HTTP
(``POST /api/runs/{id}/events``) instead of from gdviz's trainer.

For everyone who watches it, it is a job like any other: the same ``meta``, ``epoch`` and ``done``
events in the same ``EventLog``, the same summary, surface, page, share link and rooms. Its model is
one of gdviz's (the lesson's line by default), so with the data sent its landscape is exact. What it
is not: gdviz cannot change or script a loop it did not write.

The checks of a batch (``records``) are pure, so every store applies them the same way.
"""

import math
import threading
import time
import uuid
from collections.abc import Callable
from typing import Annotated, Literal

import torch
from pydantic import Field

from . import models
from .config import (
    MAX_DEGREE,
    MAX_EPOCHS,
    ConfigError,
    Finite,
    JobConfig,
    Line,
    Loss,
    ModelSpec,
    Points,
    PointValue,
    Strict,
)
from .data import Data
from .events import EventLog, dumps
from .job import JobEnded
from .models import ModelDef
from .models.landscape import landscape
from .payloads import (
    Curvature,
    Done,
    Finished,
    JobState,
    LeastSquares,
    Meta,
    Minimum,
    Point,
    Points as PointsOf,
    Record,
    Status,
)

MAX_BATCH = 1000  # epochs in one POST: a fast loop's 10,000 epochs a second at 10 POSTs
MAX_PARAMS = MAX_DEGREE + 1  # the largest model gdviz draws: a polynomial of degree 9
POSTS_PER_S = 30  # batches one run may send a second (the client sends at most 20)
FINISHED = ("completed", "cancelled", "diverged", "failed")
NOT_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

Name = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f]+$")]
# a diverging loop's last values are finite but huge: they are drawn as the divergence they are
Value = float | Literal["NaN", "Infinity", "-Infinity"]


class RunPoints(Strict):
    """The loop's data (x, y): the fit view, least squares and the exact landscape."""

    x: list[PointValue] = Field(min_length=2, max_length=10_000, fail_fast=True)
    y: list[PointValue] = Field(min_length=2, max_length=10_000, fail_fast=True)


class RunSpec(Strict):
    """A watched run as ``POST /api/runs`` makes it."""

    name: Name = Field("my loop", description="what the page calls it")
    param_names: list[Name] = Field(
        min_length=1,
        max_length=MAX_PARAMS,
        description="the loop's parameters, in the order of each event's params",
    )
    params: list[Finite] = Field(
        min_length=1, max_length=MAX_PARAMS, description="their values before training"
    )
    points: RunPoints | None = Field(None, description="the data the loop trains on")
    model: ModelSpec = Field(
        default_factory=Line,
        description="what the parameters are: the lesson's line ŷ = w·x + b (2 parameters), "
        "logistic, or a polynomial (degree + 1 parameters)",
    )
    loss: Loss | None = Field(None, description="the loop's criterion (mse; bce for logistic)")
    lr: Finite | None = Field(None, gt=0, le=1e6, description="its learning rate, if one")
    epochs: int = Field(100, ge=1, le=MAX_EPOCHS, description="how many epochs it will run")


class RunEvent(Strict):
    """One epoch of the loop: its loss (before this epoch's update) and the parameters now."""

    epoch: int = Field(ge=1, le=MAX_EPOCHS, description="from 1, increasing")
    loss: Value = Field(description="a number, or NaN / Infinity / -Infinity as text")
    params: list[Value] = Field(min_length=1, max_length=MAX_PARAMS)
    grads: list[Finite] | None = Field(None, min_length=1, max_length=MAX_PARAMS)
    lr: list[Finite] | None = Field(
        None, min_length=1, max_length=16, description="each param group's lr"
    )
    step: int | None = Field(None, ge=0, le=10**9, description="the loop's own step count")


class RunBatch(Strict):
    events: list[RunEvent] = Field(min_length=1, max_length=MAX_BATCH)


class RunEnd(Strict):
    status: Literal["completed", "failed"] = "completed"
    reason: str | None = Field(None, max_length=500, description="why it failed")


class RunError(Exception):
    """A batch or an end refused: ``status`` 409 (the run has ended), 422 (``loc``), 429."""

    def __init__(
        self, status: int, msg: str, loc: tuple[str | int, ...] = (), reason: str | None = None
    ) -> None:
        super().__init__(msg)
        self.status, self.msg, self.loc, self.reason = status, msg, loc, reason


def config_of(spec: RunSpec) -> JobConfig:
    """The job config a watched run is shown with: its model, loss, lr, epochs and data."""
    fields: dict[str, object] = {"model": spec.model, "epochs": spec.epochs, "mode": "manual"}
    if spec.loss is not None:
        fields["loss"] = spec.loss
    if spec.lr is not None and spec.lr <= 100:
        fields["lr"] = spec.lr
    if spec.points is not None:
        fields["dataset"] = Points(kind="points", x=spec.points.x, y=spec.points.y)
    return JobConfig.model_validate(fields, strict=False)


def check_spec(spec: RunSpec) -> ModelDef:
    """Its model, or ``ConfigError`` naming the field that does not fit it."""
    definition = models.definition(spec.model)
    if len(set(spec.param_names)) != len(spec.param_names):
        raise ConfigError(("param_names",), "must be distinct names", "distinctNames")
    if len(spec.params) != len(spec.param_names):
        raise ConfigError(
            ("params",),
            f"needs one value per name: {len(spec.param_names)}, has {len(spec.params)}",
            "valuePerName",
        )
    if len(spec.params) != definition.size:
        raise ConfigError(
            ("param_names",),
            f"{definition.what} has {definition.size} parameters ({', '.join(definition.names)}), "
            f"these are {len(spec.params)}: say which model they are (model)",
            "paramCount",
            size=definition.size,
        )
    if spec.points is not None and len(spec.points.x) != len(spec.points.y):
        raise ConfigError(("points", "y"), "needs one value per x", "valuePerX")
    return definition


def value(v: float | str) -> float:
    return NOT_FINITE[v] if isinstance(v, str) else float(v)


def records(
    events: list[RunEvent], size: int, last: int, kept: int, model: ModelDef
) -> tuple[list[Record], Done | None]:
    """The epoch records of a batch sent after epoch ``last`` (``kept`` epochs so far), and the
    run's ``done`` if an epoch diverged (the records stop before it). ``RunError`` 422 naming the
    first field that does not fit."""
    if kept + len(events) > MAX_EPOCHS:
        raise RunError(
            422,
            f"a run has at most {MAX_EPOCHS:,} epochs; {kept:,} are sent",
            ("events",),
            "runEpochs",
        )
    out: list[Record] = []
    for i, event in enumerate(events):
        if event.epoch <= last:
            raise RunError(
                422,
                f"must be after epoch {last}: epochs come in order",
                ("events", i, "epoch"),
                "epochOrder",
            )
        last = event.epoch
        for field in ("params", "grads"):
            values = getattr(event, field)
            if values is not None and len(values) != size:
                raise RunError(
                    422,
                    f"needs {size} values, one per parameter; has {len(values)}",
                    ("events", i, field),
                    "valuePerParam",
                )
        loss, params = value(event.loss), tuple(map(value, event.params))
        if not (math.isfinite(loss) and all(map(math.isfinite, params))):
            what = "loss" if not math.isfinite(loss) else "a parameter"
            kind = "NaN" if math.isnan(loss) or any(map(math.isnan, params)) else "infinite"
            done: Done = {
                "status": "diverged",
                "epochs": kept + len(out),
                "loss": None,  # the last kept epoch's: ``ended`` says
                "reason": f"{what} became {kind} at epoch {event.epoch}",
                "diverged_at": event.epoch,
            }
            return out, done
        record: Record = {"epoch": event.epoch, "loss": loss, "params": params}
        record.update(model.point(params))  # type: ignore[arg-type]
        if event.grads is not None:
            grads = tuple(event.grads)
            record["grads"] = grads
            if model.wb:
                record["grad_w"], record["grad_b"] = grads
        if event.lr is not None:
            record["lr"] = event.lr[0]
            if len(event.lr) > 1:
                record["lrs"] = tuple(event.lr)
        if event.step is not None:
            record["loop_step"] = event.step
        out.append(record)
    return out, None


def ended(done: Done, last: Record | None, kept: int, start: list[float], model: ModelDef) -> Done:
    """``done`` with the run's last epoch's values (its start's, without one)."""
    params = list(start) if last is None else list(last["params"])  # type: ignore[arg-type]
    done["loss"] = None if last is None else last["loss"]  # type: ignore[typeddict-item]
    done["epochs"] = kept
    done["params"] = params
    done.update(model.point(params))  # type: ignore[typeddict-item]
    return done


class Watched:
    """A watched run in this process: the same face as a ``Job`` to stores and routes, fed by
    ``add`` and ``end`` instead of a trainer."""

    watched = True

    def __init__(self, spec: RunSpec, log: EventLog, id: str | None = None) -> None:
        """Check ``spec``, build its data and landscape, and append ``meta`` to ``log``."""
        self.definition: ModelDef = check_spec(spec)
        self.spec, self.config = spec, config_of(spec)
        models.check(self.config)
        self.id = id or uuid.uuid4().hex[:12]
        self.log = log
        self.created = self.last_post = time.monotonic()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.status: Status = "running"
        self.history: list[Record] = []
        self.changes: list[Record] = []
        self.done: Done | None = None
        self._lock = threading.Lock()
        self._posts: list[float] = []
        self._data: Data | None = None
        if spec.points is not None:
            self._data = models.load(self.config, torch.Generator())
        self.meta = self._meta()
        self.log.append("meta", dumps(self.meta))

    def _meta(self) -> Meta:
        spec, model, data = self.spec, self.definition, self._data
        start = list(spec.params)
        points: PointsOf = {"x": [], "y": []}
        least_squares: LeastSquares | None = None
        curvature: Curvature | None = None
        n = 0
        minimum: Minimum = {
            **model.point(None),  # type: ignore[typeddict-item]
            "params": None,
            "loss": None,
            "loss_name": self.config.loss,
            "method": "none",
            "reason": "the loop sent no data",
        }
        if data is not None:
            least_squares, minimum, curvature = landscape(model, data, self.config)
            points = {"x": data.x.view(-1).tolist(), "y": data.y.view(-1).tolist()}
            n = data.n
        return {
            "id": self.id,
            "config": self.config.model_dump(),
            "n": n,
            "points": points,
            "param_names": list(model.names),
            "start_params": start,
            "least_squares": least_squares,
            "minimum": minimum,
            "curvature": curvature,
            "start": model.point(start) if model.wb else {},  # type: ignore[typeddict-item]
            "total_epochs": spec.epochs,
            "steps_per_epoch": 1,
            "step_stride": 1,
            "params_stride": 1,  # a loop sends its parameters every epoch
            "dataset": {
                "name": spec.name if data is not None else "no data sent",
                "x_label": "x",
                "y_label": "y",
                "dropped_rows": 0,
                "scale": None,
            },
            "watched": {"name": spec.name, "param_names": list(spec.param_names)},
        }

    # --- the Setup a surface asks ---

    @property
    def data(self) -> Data:
        if self._data is None:
            raise ConfigError(("points",), "the loop sent no data: there is no landscape")
        return self._data

    @property
    def start(self) -> Point | dict[str, float]:
        return self.meta["start"]

    @property
    def start_params(self) -> list[float]:
        return list(self.spec.params)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    # --- what the loop sends ---

    def add(self, events: list[RunEvent]) -> tuple[int, Status]:
        """Append a batch's epochs (an epoch with a NaN or infinite value ends the run as
        diverged); the epochs kept, and its status. ``RunError`` for a batch refused."""
        with self._lock:
            self._refuse_when_ended()
            now = time.monotonic()
            self._posts = [t for t in self._posts if now - t < 1.0]
            if len(self._posts) >= POSTS_PER_S:
                raise RunError(429, f"at most {POSTS_PER_S} batches a second: send fewer, larger")
            self._posts.append(now)
            last = int(self.history[-1]["epoch"]) if self.history else 0  # type: ignore[arg-type]
            new, diverged = records(
                events, self.definition.size, last, len(self.history), self.definition
            )
            self.last_post = now
            if self.started_at is None:
                self.started_at = now
            for record in new:
                self.log.append("epoch", record)
                self.history.append(record)
            if diverged is not None:
                self._finish(diverged)
            return len(self.history), self.status

    def end(self, status: Finished, reason: str | None = None) -> None:
        """The loop ended (``failed``: with the exception's message); 409 if it had."""
        with self._lock:
            self._refuse_when_ended()
            self._finish(
                {"status": status, "epochs": len(self.history), "loss": None, "reason": reason}
            )

    def _refuse_when_ended(self) -> None:
        if self.finished:
            assert self.done is not None
            why = f": {self.done['reason']}" if self.done.get("reason") else ""
            raise RunError(409, f"run {self.id} has {self.status}{why}; it takes nothing more")

    def _finish(self, done: Done) -> None:
        """With ``_lock`` held."""
        last = self.history[-1] if self.history else None
        self.done = ended(done, last, len(self.history), self.spec.params, self.definition)
        self.log.append("done", dumps(self.done))
        self.status = done["status"]
        self.finished_at = time.monotonic()

    def expire(self, idle_s: float) -> None:
        """End a run whose loop has sent nothing for ``idle_s`` seconds (its process died)."""
        with self._lock:
            if not self.finished and time.monotonic() - self.last_post > idle_s:
                reason = f"its loop sent nothing for {idle_s:.0f} s"
                self._finish({"status": "failed", "epochs": 0, "loss": None, "reason": reason})

    # --- the Job's face ---

    def change(self, values: dict[str, float], keep: object = None) -> int:
        raise JobEnded(
            f"run {self.id} is a watched loop: gdviz cannot change a loop it did not write"
        )

    def cancel(self) -> None:
        """Stop watching: the run ends as cancelled, and the loop's further batches get 409."""
        with self._lock:
            if not self.finished:
                self._finish(
                    {
                        "status": "cancelled",
                        "epochs": 0,
                        "loss": None,
                        "reason": "cancelled from gdviz",
                    }
                )

    def let_go_of_history(self) -> None:
        """Kept: no worker ends a watched run, so its store never compacts it."""

    def summary(
        self, history: bool = True, records: Callable[[], list[Record]] | None = None
    ) -> JobState:
        """As a ``Job``'s (``records`` unused: a watched run keeps its own)."""
        elapsed = None
        if self.started_at is not None:
            elapsed = (self.finished_at or time.monotonic()) - self.started_at
        out: JobState = {
            "id": self.id,
            "status": self.status,
            "config": self.meta["config"],
            "meta": self.meta,
            "done": self.done,
            "epochs_done": len(self.history),
            "elapsed_s": elapsed,
        }
        if history:
            out["history"] = list(self.history)
        return out
