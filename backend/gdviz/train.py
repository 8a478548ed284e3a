"""The lesson's five ways to fit a model (y = w·x + b, and the models of ``gdviz.models``), as one
training loop that reports every update.

Every random draw goes through the job's own ``torch.Generator`` in the lesson's order — data,
parameters, then the loader's shuffle epoch by epoch — so a job gives the lesson's numbers exactly
and never depends on what other threads draw from torch's global generator.
"""

import math
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import torch
from torch import Tensor
from torch.optim.sgd import sgd as sgd_update

from .config import OPTIMIZER_KNOBS, JobConfig, OneCycleLR, Optimizer
from .data import Data
from .losses import LOSSES
from .models import Built, definition
from .models.base import Values
from .payloads import Point, Record


def make_rng(seed: int) -> torch.Generator:
    """What ``torch.manual_seed(seed)`` does to the global generator, for this job alone."""
    rng = torch.Generator()
    rng.manual_seed(seed)
    return rng


def build_criterion(config: JobConfig) -> Callable[[Tensor, Tensor], Tensor]:
    return definition(config.model).criterion(config)


TORCH_OPTIMIZERS: dict[Optimizer, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "momentum": torch.optim.SGD,
    "nesterov": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def optimizer_args(config: JobConfig) -> tuple[type[torch.optim.Optimizer], dict[str, Any]]:
    """The torch.optim class and its keyword arguments: lr and the knobs the optimizer reads."""
    name = config.optimizer
    kwargs: dict[str, Any] = {"lr": config.lr}
    knobs = OPTIMIZER_KNOBS[name]
    if "beta1" in knobs:
        kwargs["betas"] = (config.beta1, config.beta2)
    kwargs.update({k: getattr(config, k) for k in knobs if k not in ("beta1", "beta2")})
    if name == "nesterov":
        kwargs["nesterov"] = True
    return TORCH_OPTIMIZERS[name], kwargs


def build_optimizer(config: JobConfig, params: list[Tensor]) -> torch.optim.Optimizer:
    optimizer, kwargs = optimizer_args(config)
    return optimizer(params, **kwargs)


Scheduler = torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau


def build_scheduler(config: JobConfig, optimizer: torch.optim.Optimizer | None) -> Scheduler | None:
    """torch's own scheduler from the config's name and arguments (``check_config`` has refused a
    scheduler without an optimizer)."""
    spec = config.scheduler
    if spec is None or optimizer is None:
        return None
    args = spec.model_dump(exclude={"name"})
    if isinstance(spec, OneCycleLR):
        args["total_steps"] = config.epochs
    scheduler: Scheduler = getattr(torch.optim.lr_scheduler, spec.name)(optimizer, **args)
    return scheduler


# A live change's knob -> how it is written into the optimizer's param group
def _apply_knob(group: dict[str, Any], knob: str, value: float) -> None:
    if knob == "beta1":
        group["betas"] = (value, group["betas"][1])
    elif knob == "beta2":
        group["betas"] = (group["betas"][0], value)
    else:  # lr, momentum, alpha: the param group's own keys
        group[knob] = value


# The optimizer's per-parameter state that trace_state reports, under the record's key prefix
STATE_KEYS = {"momentum_buffer": "momentum", "square_avg": "square_avg", "sum": "sum"}


def loader_order(n: int, shuffle: bool, rng: torch.Generator) -> Tensor | None:
    """The indices one epoch of ``DataLoader(..., shuffle=shuffle)`` visits, drawn as it draws them."""
    torch.empty((), dtype=torch.int64).random_(generator=rng)  # the loader iterator's base seed
    if not shuffle:
        return None
    seed = int(torch.empty((), dtype=torch.int64).random_(generator=rng).item())  # RandomSampler's
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


ONE = torch.ones(())


def backward(loss: Tensor) -> None:
    """``loss.backward()`` through the same autograd engine, minus the Python that builds and checks
    a fresh gradient of 1 for every call (a sixth of a small epoch)."""
    torch.autograd.backward(loss, ONE)


TURN_STEPS = 64  # mini-batch steps between chances to hand the worker over (~2 ms at batch size 1)


class Training:
    """One run: ``start_params`` holds θ before training (``start`` too, as (w, b), for the models
    that have them); iterate for ``("step" | "epoch", record)``, and, within long mini-batch epochs,
    ``("turn", None)`` where the worker may switch jobs.

    A record holds the epoch, the loss, ``params`` and ``grads`` (lists in the model's names
    order) and the rate; for a model with (w, b), also ``w``, ``b``, ``grad_w`` and ``grad_b``."""

    def __init__(
        self, config: JobConfig, data: Data, rng: torch.Generator, step_stride: int = 1
    ) -> None:
        self.config = config
        self.definition = definition(config.model)
        self.names = self.definition.names
        self.wb = self.definition.wb
        self.n = data.n
        self.lr = config.lr  # manual mode's rate; an optimizer keeps its own in its param groups
        self.step_stride = step_stride  # report every k-th step (granularity "step")
        # a large model's records carry params and grads every k-th epoch (and at the last)
        self.params_stride = self.definition.params_stride(config.epochs)
        self.stop = threading.Event()
        self.epoch_started = 0
        self._changes: dict[int, dict[str, float]] = {}  # live changes by the epoch they start at
        self._changes_lock = threading.Lock()
        self.restore(data, rng)
        self.start_params = list(self.model.values())
        self.start = cast(Point | dict[str, float], self.definition.point(self.start_params))

    def restore(self, data: Data, rng: torch.Generator) -> None:
        """Build the model, the loss and the optimizer on ``data``, drawing from ``rng``: at the
        start, and again after ``release`` from the same data and a fresh generator of the seed."""
        config = self.config
        self.data, self.rng = data, rng
        self.model: Built = self.definition.build(config.mode, data.x, rng)
        if config.init is not None:
            self.definition.start(self.model, [config.init.w, config.init.b])
        elif config.init_params is not None:
            self.definition.start(self.model, config.init_params)
        self.criterion = build_criterion(config)
        self.loss_def = LOSSES[config.loss]
        self.optimizer = (
            None if config.mode == "manual" else build_optimizer(config, self.model.params)
        )
        self.scheduler = build_scheduler(config, self.optimizer)
        # torch.optim.SGD's update called directly (no hooks): a scheduler needs optimizer.step()
        self.fast_sgd = config.optimizer == "sgd" and self.scheduler is None
        self.released = False

    def release(self) -> None:
        """Let go of the data, the model's inputs and the optimizer's state (until ``restore``)."""
        if not self.released:
            self.released = True
            del self.data, self.model, self.criterion, self.optimizer, self.scheduler

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.n / self.config.batch_size) if self.config.minibatch else 1

    def change(self, values: dict[str, float], accept: Callable[[int], None] | None = None) -> int:
        """Use ``values`` (lr and the optimizer's knobs) from the next epoch on; returns that epoch.
        ``accept(epoch)`` is called first, before that epoch can begin: raising refuses the change."""
        with self._changes_lock:
            epoch = self.epoch_started + 1
            if accept is not None:
                accept(epoch)
            self.change_at(epoch, values)
            return epoch

    def change_at(self, epoch: int, values: dict[str, float]) -> None:
        """Use ``values`` from ``epoch`` on: a change made before, replayed."""
        self._changes.setdefault(epoch, {}).update(values)

    def _begin_epoch(self, epoch: int) -> dict[str, float] | None:
        """Mark ``epoch`` started and apply the changes due at it (returned, for the stream)."""
        with self._changes_lock:
            self.epoch_started = epoch
            due = self._changes.get(epoch)
        if due:
            for knob, value in due.items():
                if self.optimizer is None:
                    self.lr = value  # manual mode changes only lr
                else:
                    for group in self.optimizer.param_groups:
                        _apply_knob(group, knob, value)
        return due

    def current_lr(self) -> float:
        return self.lr if self.optimizer is None else self.optimizer.param_groups[0]["lr"]

    def _end_epoch(self, loss: float) -> None:
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(loss)
        elif self.scheduler is not None:
            self.scheduler.step()

    def _record(self, epoch: int, loss: float, grads: Values, lr: float) -> Record:
        stride = self.params_stride
        if stride > 1 and epoch % stride and epoch != self.config.epochs:
            return {"epoch": epoch, "loss": loss, "lr": lr}
        values = self.model.values()
        if self.wb:
            return {
                "epoch": epoch,
                "loss": loss,
                "w": values[0],
                "b": values[1],
                "grad_w": grads[0],
                "grad_b": grads[1],
                "lr": lr,
                "params": values,
                "grads": grads,
            }
        return {"epoch": epoch, "loss": loss, "lr": lr, "params": values, "grads": grads}

    def _state(self, before: Values, after: Values) -> Record:
        """What the optimizer holds after an update, and the step it took (trace_state): one key
        per parameter, ``step_w`` … (or ``step_b0`` …)."""
        names = self.names
        out: Record = {f"step_{k}": a - b for k, a, b in zip(names, after, before, strict=True)}
        if self.optimizer is None:
            return out
        params, read = self.model.params, self.model.read
        states = [self.optimizer.state.get(p, {}) for p in params]
        if not states[0]:
            return out
        if "exp_avg" in states[0]:  # adam: the bias-corrected moments its step divides
            beta1, beta2 = self.optimizer.param_groups[0]["betas"]
            t = float(states[0]["step"])
            m = read([s["exp_avg"] for s in states])
            v = read([s["exp_avg_sq"] for s in states])
            for i, axis in enumerate(names):
                out[f"m_hat_{axis}"] = m[i] / (1 - beta1**t)
                out[f"v_hat_sqrt_{axis}"] = math.sqrt(v[i] / (1 - beta2**t))
            return out
        for key, name in STATE_KEYS.items():
            if key in states[0] and states[0][key] is not None:
                value = read([s[key] for s in states])
                for i, axis in enumerate(names):
                    out[f"{name}_{axis}"] = value[i]
        return out

    def _grads(self) -> Values:
        return self.model.grads()

    def _update(self) -> None:
        if self.optimizer is None:  # the lesson's "학습(m1)": w.data = w.data - lr * w.grad.data
            lr = self.lr
            for p in self.model.params:
                # the same subtraction in place: the same bits, one tensor fewer
                p.data.sub_(lr * cast(Tensor, p.grad))
                p.grad = None
        elif self.fast_sgd:  # torch.optim.SGD's own update, without step()'s hooks and profiling
            params = self.model.params
            with torch.no_grad():
                sgd_update(
                    params,
                    cast(list[Tensor], [p.grad for p in params]),
                    [None] * len(params),
                    foreach=False,
                    lr=self.optimizer.param_groups[0]["lr"],
                    weight_decay=0.0,
                    momentum=0.0,
                    dampening=0.0,
                    nesterov=False,
                    maximize=False,
                )
            for p in params:
                p.grad = None
        else:  # "학습(m2)": my_optimizer.step(); my_optimizer.zero_grad()
            self.optimizer.step()
            self.optimizer.zero_grad()

    def __iter__(self) -> Iterator[tuple[str, Record | None]]:
        if self.config.minibatch:
            return self._minibatch()
        return self._full_batch()

    def _full_batch(self) -> Iterator[tuple[str, Record]]:
        X, Y = self.model.inputs, self.data.y
        want_steps = self.config.granularity == "step"
        trace = self.config.trace_state
        for epoch in range(1, self.config.epochs + 1):
            if self.stop.is_set():
                return
            if change := self._begin_epoch(epoch):
                yield "change", {"epoch": epoch, **change}
            lr = self.current_lr()
            before = self.model.values() if trace else ()
            Yhat = self.model.forward(X)  # forward
            loss = self.criterion(Yhat, Y)  # loss
            backward(loss)  # backward
            grads = self._grads()
            self._update()  # step, zero_grad
            loss_value = loss.item()
            self._end_epoch(loss_value)
            record = self._record(epoch, loss_value, grads, lr)
            if trace:
                record.update(self._state(before, cast(Values, record["params"])))
            if want_steps and epoch % self.step_stride == 0:
                yield "step", {"step": epoch, **record}
            yield "epoch", record

    def _minibatch(self) -> Iterator[tuple[str, Record | None]]:
        X, Y, n = self.model.inputs, self.data.y, self.data.n
        bs, stride = self.config.batch_size, self.step_stride
        want_steps = self.config.granularity == "step"
        trace = self.config.trace_state
        forward, criterion, stop = self.model.forward, self.criterion, self.stop
        term, total = self.loss_def.term, self.loss_def.total
        last = (n - 1) // bs  # the epoch's last batch
        step = 0
        for epoch in range(1, self.config.epochs + 1):
            if change := self._begin_epoch(epoch):
                yield "change", {"epoch": epoch, **change}
            lr = self.current_lr()
            epoch_start = self.model.values() if trace else ()
            order = loader_order(n, self.config.shuffle, self.rng)
            if order is not None:  # shuffle once per epoch: each DataLoader batch is then a slice
                X_epoch, Y_epoch = X[order], Y[order]
            else:
                X_epoch, Y_epoch = X, Y
            loss_sum = torch.zeros(())  # the lesson's float32 LOSS_sum, summed as it goes
            for i in range(last + 1):  # slices made one by one: 10⁶ views at once cost ~1 GB
                if stop.is_set():
                    return
                xx, yy = X_epoch[i * bs : (i + 1) * bs], Y_epoch[i * bs : (i + 1) * bs]
                yhat = forward(xx)
                loss = criterion(yhat, yy)
                backward(loss)
                loss_sum += term(loss.detach(), len(yy))  # LOSS_sum = LOSS_sum + loss * len(yy)
                loss_value = loss.item()
                step += 1
                report_step = want_steps and step % stride == 0
                if report_step or i == last:  # read gradients only where they are reported
                    grads = self._grads()
                before = self.model.values() if trace and report_step else epoch_start
                self._update()
                if report_step:
                    record = {"step": step, **self._record(epoch, loss_value, grads, lr)}
                    if trace:
                        record.update(self._state(before, cast(Values, record["params"])))
                    yield "step", record
                if step % TURN_STEPS == 0:
                    yield "turn", None  # a chance to hand the worker to another job mid-epoch
            epoch_loss = total(float(loss_sum), n)
            self._end_epoch(epoch_loss)
            record = self._record(epoch, epoch_loss, grads, lr)
            if trace:
                record.update(self._state(epoch_start, cast(Values, record["params"])))
            yield "epoch", record
