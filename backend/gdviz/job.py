"""A training job: its setup (data, training, statistics, meta) and its run, which writes every
event to an ``EventLog``.

The same ``Job`` trains in memory and on Redis: the store hands it the log its events go to, and
its workers (``gdviz.workers``) give it turns. Streams read the log, each from its own position:
a slow or late watcher never slows the training, and resuming from an event id is trivial.
"""

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import torch

from . import models
from .config import Builtin, ConfigError, JobConfig, Points, Synthetic
from .data import Data
from .events import EventLog, dumps, finite
from .models import ModelDef
from .models.landscape import landscape
from .payloads import Done, Finished, JobState, Meta, Point, Record, Status
from .train import Training, make_rng
from .uploads import UploadStore

log = logging.getLogger("gdviz.jobs")

MAX_META_POINTS = 2000
KEPT_POINTS = 10_000  # a finished job keeps data this small; larger is made again when asked for
FINISHED = ("completed", "cancelled", "diverged", "failed")


class JobEnded(RuntimeError):
    """A change asked of a job that has ended (409)."""


class Job:
    def __init__(
        self,
        config: JobConfig,
        log: EventLog,
        *,
        max_step_events: int,
        uploads: UploadStore | None = None,
        id: str | None = None,
    ) -> None:
        """Build the data and the training, and append ``meta`` to ``log``, where every event
        goes. ``uploads``: where an uploaded data set is found; ``id`` names a job made before
        (to train it again)."""
        models.check(config)
        self.id = id or uuid.uuid4().hex[:12]
        self.config = config
        self.uploads = uploads
        self.created = time.monotonic()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.status: Status = "queued"
        self.history: list[Record] = []  # epoch records (an ended job may let go of them)
        self._epochs_let_go: int | None = None  # how many it let go of
        self.changes: list[
            Record
        ] = []  # live changes as applied: {"epoch": first epoch, knob: value}
        self.log = log  # meta, epoch, step, change, done
        self.replayed_epochs = 0  # epochs already written by an earlier run: trained without delay
        self.done: Done | None = None
        self._lock = threading.RLock()  # re-entered: cancel() finishes the job under it
        self._records: Iterator[tuple[str, Record | None]] | None = None  # once started
        self._in_turn = False  # a worker is running it right now
        self.not_before = 0.0  # a paced job sleeps (off the workers) until this monotonic time

        data, rng = self._load()
        self._data: Data | None = data
        steps = config.epochs * (math.ceil(data.n / config.batch_size) if config.minibatch else 1)
        self.training = Training(
            config, data, rng, step_stride=max(1, math.ceil(steps / max_step_events))
        )
        self.meta = self._meta()
        self.log.append("meta", dumps(self.meta))
        self._let_go()  # until it starts: a queued job holds its meta, not its data

    def _load(self) -> tuple[Data, torch.Generator]:
        rng = make_rng(self.config.seed)  # the lesson's torch.manual_seed, for this job alone
        return models.load(self.config, rng, self.uploads), rng

    def _let_go(self) -> None:
        """Free the training's state; data beyond ``KEPT_POINTS`` too (``data`` makes it again)."""
        if self._data is not None and self._data.n > KEPT_POINTS:
            self.training.release()
            self._data = None

    def _meta(self) -> Meta:
        d, config = self.data, self.config
        x, y = d.x.view(-1), d.y.view(-1)
        if d.n > MAX_META_POINTS:
            idx = torch.linspace(0, d.n - 1, MAX_META_POINTS).long()
            x, y = x[idx], y[idx]
        least_squares, minimum, curvature = landscape(self.training.definition, d, config)
        return {
            "id": self.id,
            "config": config.model_dump(),
            "n": d.n,
            "points": {"x": x.tolist(), "y": y.tolist()},
            "param_names": list(self.training.names),
            "start_params": self.training.start_params,
            "least_squares": least_squares,
            "minimum": minimum,
            "curvature": curvature,
            "start": self.training.start,
            "total_epochs": config.epochs,
            "steps_per_epoch": self.training.steps_per_epoch,
            "step_stride": self.training.step_stride,
            "dataset": {
                "name": d.name,
                "x_label": d.x_label,
                "y_label": d.y_label,
                "dropped_rows": d.dropped_rows,
                "scale": d.scale,
            },
        }

    @property
    def data(self) -> Data:
        """The job's data; once a job with many points has ended, made again from its seed or its
        upload (``ConfigError`` if that upload has gone)."""
        data = self._data
        if data is None:
            data = models.load(self.config, make_rng(self.config.seed), self.uploads)
        return data

    @property
    def start(self) -> Point | dict[str, float]:
        """(w, b) before training, where the model has them."""
        return self.training.start

    @property
    def start_params(self) -> list[float]:
        """Every parameter before training, in ``definition.names`` order."""
        return self.training.start_params

    @property
    def definition(self) -> ModelDef:
        return self.training.definition

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def begun(self) -> bool:
        """A worker has given it a turn and it has not finished."""
        return self._records is not None

    def _begin(self) -> bool:
        with self._lock:
            if self.status != "queued":
                return False
            self.status = "running"
            self.started_at = time.monotonic()
            return True

    def _finish(
        self, status: Finished, reason: str | None = None, diverged_at: int | None = None
    ) -> None:
        with self._lock:
            if self.finished:
                return
            last = self.history[-1] if self.history else None
            params = self.training.start_params if last is None else last["params"]
            done: Done = {
                "status": status,
                "epochs": len(self.history),
                "loss": None if last is None else last["loss"],  # type: ignore[typeddict-item]
                "params": list(params),  # type: ignore[arg-type]
                "reason": reason,
            }
            done.update(self.training.definition.point(params))  # type: ignore[typeddict-item, arg-type]
            if diverged_at is not None:
                done["diverged_at"] = diverged_at
            self.done = done
            self.log.append("done", dumps(done))
            self.status = status
            self.finished_at = time.monotonic()
            self._records = None  # the training's state (a shuffled copy of the data) goes now
            self.training.release()
            self._let_go()

    def run(self, budget_s: float | None = None) -> bool:
        """Train in the calling (worker) thread, publishing every record: to the end, or, given a
        budget, for about that long (at least one epoch or ``TURN_STEPS`` mini-batch steps).
        A paced job (``delay_ms``) given a budget returns after each epoch with ``not_before`` set:
        it waits off the worker. True once the job has finished."""
        with self._lock:
            if self.finished:
                return True
            self._in_turn = True
        finished = True
        try:
            finished = self._run(budget_s)
        finally:
            with self._lock:
                self._in_turn = False
                if not finished and self.training.stop.is_set():  # cancelled during this turn
                    self._finish("cancelled")
                    finished = True
        return finished

    def _run(self, budget_s: float | None) -> bool:
        if self._records is None:
            if not self._begin():
                return True
            if self.training.released:
                try:
                    self._data, rng = self._load()
                except ConfigError as exc:  # its upload has gone meanwhile
                    self._finish("failed", str(exc))
                    return True
                self.training.restore(self._data, rng)
            self._records = iter(self.training)
        deadline = None if budget_s is None else time.monotonic() + budget_s
        delay = self.config.delay_ms / 1000
        stop, append, replayed = self.training.stop, self.log.append, self.replayed_epochs
        try:
            # the hot loop: every line here costs a few % of a small epoch
            for kind, record in self._records:
                if record is None:  # a turn within a long epoch
                    if deadline is not None and time.monotonic() >= deadline:
                        return False
                    continue
                if not finite(record):
                    what = "NaN" if math.isnan(record["loss"]) else "infinite"  # type: ignore[arg-type]
                    epoch = int(record["epoch"])  # type: ignore[arg-type]
                    self._finish(
                        "diverged", f"loss became {what} at epoch {epoch}", diverged_at=epoch
                    )
                    return True
                append(kind, record)  # a record: written as JSON only when streamed
                if kind == "epoch":
                    self.history.append(record)
                    paced = delay and record["epoch"] > replayed  # type: ignore[operator]
                    if paced and deadline is not None:
                        self.not_before = time.monotonic() + delay
                        return False
                    if paced and stop.wait(delay):
                        break
                    if deadline is not None and time.monotonic() >= deadline:
                        return False
                elif kind == "change":
                    self.changes.append(record)
        except (
            Exception
        ) as exc:  # a bug, not bad input: report it on the stream, keep the server up
            log.exception("job %s failed", self.id)
            self._finish("failed", f"{type(exc).__name__}: {exc}")
            return True
        self._finish("cancelled" if stop.is_set() else "completed")
        return True

    def change(self, values: dict[str, float], keep: Callable[[int], None] | None = None) -> int:
        """Apply ``values`` from the next epoch on; returns that epoch. Raises ``JobEnded`` when
        the job has no epoch left to change. ``keep(epoch)`` keeps the change elsewhere before
        that epoch can begin (a shared store, for a process that takes the job over)."""

        def accept(epoch: int) -> None:
            if epoch > self.config.epochs:
                raise JobEnded(f"job {self.id} has trained its last epoch: nothing left to change")
            if keep is not None:
                keep(epoch)

        with self._lock:
            if self.finished:
                raise JobEnded(f"job {self.id} has {self.status}: there is no epoch left to change")
            return self.training.change(values, accept)

    def cancel(self) -> None:
        """Stop the job: at once if no worker is running it (queued, or between turns), else at
        the worker's next step."""
        self.training.stop.set()
        with self._lock:
            if not self._in_turn and not self.finished:  # no worker can start a turn meanwhile
                queued = self.status == "queued"
                self._finish("cancelled", "cancelled before it started" if queued else None)

    def let_go_of_history(self) -> None:
        """An ended job forgets its epoch records: its log keeps them, from which ``summary``'s
        ``records`` reads them again."""
        with self._lock:
            if self.finished and self._epochs_let_go is None:
                self._epochs_let_go, self.history = len(self.history), []

    def summary(
        self, history: bool = True, records: Callable[[], list[Record]] | None = None
    ) -> JobState:
        """``records``: the epoch records again, once the job has let go of them."""
        with self._lock:
            let_go = self._epochs_let_go
            kept = list(self.history) if history and let_go is None else None
            epochs = len(self.history) if let_go is None else let_go
        elapsed = None
        if self.started_at is not None:
            elapsed = (self.finished_at or time.monotonic()) - self.started_at
        out: JobState = {
            "id": self.id,
            "status": self.status,
            "config": self.config.model_dump(),
            "meta": self.meta,
            "done": self.done,
            "epochs_done": epochs,
            "elapsed_s": elapsed,
        }
        if history:
            out["history"] = kept if kept is not None else records() if records else []
        return out


def quick_to_build(config: JobConfig) -> bool:
    """A job whose data is quick to build: a built-in dataset or at most 10,000 synthetic points."""
    ds = config.dataset
    if isinstance(ds, Builtin | Points):
        return True
    return isinstance(ds, Synthetic) and (ds.n or (ds.x_stop - ds.x_start) / ds.x_step) <= 10_000
