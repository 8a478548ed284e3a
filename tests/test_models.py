"""Every model × mode × optimizer against a torch loop written here from the job's data and start
(the micrograd way): one parameter vector, the model's formula, torch's own optimizers and
DataLoader. Then the losses, the minima and the curvature."""

import itertools
import math

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from gdviz.config import MODE_OPTIMIZERS, JobConfig
from gdviz.models import definition, load
from gdviz.models.landscape import landscape
from gdviz.train import Training, make_rng
from seed_loops import SEED_LOOPS

MODELS = {
    "line": {},
    "logistic": {
        "model": {"kind": "logistic"},
        "dataset": {"kind": "synthetic", "labels": True, "noise": 2.0},
    },
    "poly": {
        "model": {"kind": "poly", "degree": 3},
        "standardize": True,
        "dataset": {"kind": "synthetic", "curve": "sine"},
    },
}
LR = {
    "sgd": 0.05,
    "momentum": 0.02,
    "nesterov": 0.02,
    "adam": 0.05,
    "rmsprop": 0.01,
    "adagrad": 0.2,
}
OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adam": (torch.optim.Adam, {"betas": (0.9, 0.999)}),
    "rmsprop": (torch.optim.RMSprop, {"alpha": 0.99}),
    "adagrad": (torch.optim.Adagrad, {}),
}
COMBINATIONS = [
    (model, mode, optimizer)
    for model in MODELS
    for mode, optimizers in MODE_OPTIMIZERS.items()
    for optimizer in optimizers
]


def job(**fields) -> tuple[Training, torch.Tensor, list[dict]]:
    """The training, the generator's state where its loop begins, and its epoch records."""
    config = JobConfig.model_validate(fields)
    rng = make_rng(config.seed)
    training = Training(config, load(config, rng), rng)
    state = rng.get_state()
    return training, state, [r for kind, r in training if kind == "epoch"]


def predict(kind: str, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The model's output written out: ŷ, or logistic regression's logit."""
    if kind == "poly":
        return sum(theta[k] * x**k for k in range(len(theta)))  # type: ignore[return-value]
    return theta[0] * x + theta[1]


def loss_of(name: str, kind: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if kind == "logistic":
        if name == "bce":
            p = torch.sigmoid(out)
            return -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))
        return torch.mean((torch.sigmoid(out) - y) ** 2)
    r = out - y
    return {
        "mse": lambda: torch.mean(r**2),
        "sse": lambda: torch.sum(r**2),
        "rmse": lambda: torch.sqrt(torch.mean(r**2)),
        "euclidean": lambda: torch.sqrt(torch.sum(r**2)),
        "mae": lambda: torch.mean(r.abs()),
        "huber": lambda: torch.mean(torch.where(r.abs() <= 1, 0.5 * r**2, r.abs() - 0.5)),
    }[name]()


def epoch_loss(name: str, batch_losses: list[tuple[float, int]], n: int) -> float:
    """The epoch's loss from its batches' (loss, size): the loss over all n points had no update
    happened within the epoch."""
    if name == "sse":
        return sum(v for v, _ in batch_losses)
    if name == "rmse":
        return math.sqrt(sum(v * v * m for v, m in batch_losses) / n)
    if name == "euclidean":
        return math.sqrt(sum(v * v for v, _ in batch_losses))
    return sum(v * m for v, m in batch_losses) / n


def reference(training: Training, state: torch.Tensor) -> list[tuple[float, list[float]]]:
    """(loss, θ) per epoch: the lesson's loop on the job's data and start."""
    config = training.config
    kind, name = config.model.kind, config.loss
    X, Y = training.data.x.view(-1), training.data.y.view(-1)
    theta = torch.tensor(training.start_params, requires_grad=True)
    optimizer = None
    if config.mode != "manual":
        cls, kwargs = OPTIMIZERS[config.optimizer]
        optimizer = cls([theta], lr=config.lr, **kwargs)
    torch.set_rng_state(state)  # the shuffles: the job's generator where its loop begins
    loader = DataLoader(TensorDataset(X, Y), batch_size=config.batch_size, shuffle=config.shuffle)
    batches = loader if config.minibatch else [(X, Y)]
    history = []
    for _ in range(config.epochs):
        losses = []
        for xx, yy in batches:
            loss = loss_of(name, kind, predict(kind, theta, xx), yy)
            loss.backward()
            losses.append((loss.item(), len(yy)))
            if optimizer is None:
                theta.data = theta.data - config.lr * theta.grad.data
                theta.grad = None
            else:
                optimizer.step()
                optimizer.zero_grad()
        history.append((epoch_loss(name, losses, len(X)), theta.tolist()))
    return history


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def assert_same(records: list[dict], expected: list[tuple[float, list[float]]]) -> None:
    assert len(records) == len(expected)
    for record, (loss, theta) in zip(records, expected, strict=True):
        assert close(record["loss"], loss), (record["epoch"], record["loss"], loss)
        assert all(map(close, record["params"], theta)), (record["epoch"], record, theta)


@pytest.mark.parametrize(("model", "mode", "optimizer"), COMBINATIONS)
def test_every_combination_equals_a_torch_loop(model, mode, optimizer):
    fields = {**MODELS[model], "mode": mode, "optimizer": optimizer, "lr": LR[optimizer]}
    training, state, records = job(**fields, epochs=25)
    assert_same(records, reference(training, state))


LOSS_CASES = [
    ("line", "sse", "sgd", 0.005),
    ("line", "sse", "minibatch", 0.005),
    ("line", "rmse", "manual", 0.1),
    ("line", "rmse", "design", 0.05),
    ("line", "euclidean", "sgd", 0.05),
    ("line", "euclidean", "linear", 0.05),
    ("line", "mae", "minibatch", 0.05),
    ("line", "huber", "sgd", 0.1),
    ("poly", "sse", "design", 0.001),
    ("poly", "rmse", "minibatch", 0.02),
    ("poly", "euclidean", "manual", 0.01),
    ("poly", "huber", "linear", 0.05),
    ("logistic", "mse", "sgd", 0.5),
    ("logistic", "mse", "minibatch", 0.5),
    ("logistic", "bce", "manual", 0.5),
]


@pytest.mark.parametrize(("model", "loss", "mode", "lr"), LOSS_CASES)
def test_every_loss_equals_a_torch_loop(model, loss, mode, lr):
    fields = {**MODELS[model], "loss": loss, "mode": mode, "lr": lr}
    training, state, records = job(**fields, epochs=25)
    assert_same(records, reference(training, state))


@pytest.mark.parametrize("mode", list(SEED_LOOPS))
def test_the_lessons_run_is_bit_for_bit(mode):
    """{} (and each mode's default) gives the lesson's own numbers exactly, not only to 1e-6."""
    _, _, records = job(mode=mode)
    expected = SEED_LOOPS[mode]()
    assert [(r["loss"], r["w"], r["b"]) for r in records] == expected
    assert all(r["params"] == (r["w"], r["b"]) for r in records)


def test_init_params_start_any_model_where_asked():
    for model, fields in MODELS.items():
        size = len(definition(JobConfig.model_validate(fields).model).names)
        start = [0.5 - k for k in range(size)]
        for mode in MODE_OPTIMIZERS:
            training, _, _ = job(**fields, mode=mode, init_params=start, epochs=1)
            assert training.start_params == start, (model, mode)


def test_the_same_minimum_under_every_squared_loss_with_its_own_curvature():
    """sse, rmse and euclidean share mse's minimum; their gradients scale differently, and so
    does the largest lr that converges (2/λ_max)."""
    found = {}
    for loss in ("mse", "sse", "rmse", "euclidean"):
        config = JobConfig(loss=loss)
        data = load(config, make_rng(config.seed))
        _, minimum, curvature = landscape(definition(config.model), data, config)
        found[loss] = (minimum["params"], curvature["max_stable_lr"], curvature["at"])
    n = 20
    for loss in ("sse", "rmse", "euclidean"):
        assert found[loss][0] == pytest.approx(found["mse"][0], abs=1e-9)
    assert found["sse"][1] == pytest.approx(found["mse"][1] / n, rel=1e-9)
    assert found["sse"][2] == "everywhere" and found["rmse"][2] == "minimum"
    mse_min = JobConfig().model_copy(update={"loss": "mse"})
    data = load(mse_min, make_rng(2021))
    rmse = math.sqrt(definition(mse_min.model).minimum(data, mse_min).loss)
    assert found["rmse"][1] == pytest.approx(found["mse"][1] * 2 * rmse, rel=1e-6)
    assert found["euclidean"][1] == pytest.approx(
        found["mse"][1] * 2 * rmse * math.sqrt(n) / n, rel=1e-6
    )


def test_the_lr_that_suits_mse_diverges_under_sse():
    lr = 0.2  # below mse's 2/λ_max (~0.3 here), twenty times above sse's
    _, _, mse = job(lr=lr, epochs=200)
    _, _, sse = job(lr=lr, loss="sse", epochs=200)
    assert mse[-1]["loss"] < 1
    assert len(sse) < 200 or not math.isfinite(sse[-1]["loss"]) or sse[-1]["loss"] > 1e6


def bce_gradient(x: torch.Tensor, y: torch.Tensor, theta: list[float]) -> torch.Tensor:
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(t[0] * x + t[1], y)
    return torch.autograd.grad(loss, t)[0]


@pytest.mark.parametrize(
    "dataset",
    [
        {"kind": "synthetic", "labels": True, "noise": 2.0},
        {"kind": "builtin", "name": "default"},
        {"kind": "synthetic", "labels": True, "curve": "sine", "n": 500},
    ],
)
def test_the_logistic_minimum_has_a_zero_gradient(dataset):
    config = JobConfig.model_validate(
        {"model": {"kind": "logistic"}, "dataset": dataset, "standardize": True}
    )
    data = load(config, make_rng(config.seed))
    least_squares, minimum, curvature = landscape(definition(config.model), data, config)
    assert least_squares is None and minimum["reason"] is None
    x, y = data.x.double().view(-1), data.y.double().view(-1)
    assert bce_gradient(x, y, minimum["params"]).abs().max() < 1e-9
    lbfgs = torch.zeros(2, dtype=torch.float64, requires_grad=True)  # an independent solver
    solver = torch.optim.LBFGS(
        [lbfgs],
        lr=1,
        max_iter=1000,
        tolerance_grad=1e-13,
        tolerance_change=0,
        line_search_fn="strong_wolfe",
    )

    def closure():
        solver.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(lbfgs[0] * x + lbfgs[1], y)
        loss.backward()
        return loss

    solver.step(closure)
    assert minimum["params"] == pytest.approx(lbfgs.tolist(), abs=1e-5)
    assert curvature["at"] == "minimum" and curvature["max_stable_lr"] > 0


def test_separable_labels_have_no_minimum_and_say_why():
    fields = {
        "model": {"kind": "logistic"},
        "dataset": {"kind": "synthetic", "labels": True, "noise": 0},
    }
    config = JobConfig.model_validate(fields)
    data = load(config, make_rng(config.seed))
    _, minimum, curvature = landscape(definition(config.model), data, config)
    assert minimum["params"] is None and minimum["w"] is None and curvature is None
    assert "separated at x = 0.45" in minimum["reason"] and "walks off" in minimum["reason"]
    _, _, records = job(**fields, epochs=300, lr=1.0)
    ws = [r["w"] for r in records]
    assert all(b > a for a, b in itertools.pairwise(ws[10:]))  # w grows without end


def test_the_logistic_mse_minimum_is_a_local_minimum():
    config = JobConfig.model_validate({**MODELS["logistic"], "loss": "mse"})
    data = load(config, make_rng(config.seed))
    model = definition(config.model)
    _, minimum, _ = landscape(model, data, config)
    t = torch.tensor(minimum["params"], dtype=torch.float64, requires_grad=True)
    x, y = data.x.double().view(-1), data.y.double().view(-1)
    loss = torch.mean((torch.sigmoid(t[0] * x + t[1]) - y) ** 2)
    assert torch.autograd.grad(loss, t)[0].abs().max() < 1e-7
    assert minimum["method"].startswith("Newton")


def test_the_poly_least_squares_solves_the_normal_equations():
    config = JobConfig.model_validate({**MODELS["poly"], "model": {"kind": "poly", "degree": 5}})
    data = load(config, make_rng(config.seed))
    least_squares, minimum, curvature = landscape(definition(config.model), data, config)
    x, y = data.x.double().view(-1), data.y.double().view(-1)
    V = x.view(-1, 1) ** torch.arange(6, dtype=torch.float64)
    theta = torch.tensor(least_squares["params"], dtype=torch.float64)
    assert (V.T @ (V @ theta - y)).abs().max() < 1e-9  # the gradient of the SSE vanishes
    assert minimum["params"] == least_squares["params"] and 0 < least_squares["r2"] < 1
    hessian = torch.tensor(curvature["hessian"], dtype=torch.float64)
    assert torch.allclose(hessian, 2 * V.T @ V / len(x), rtol=1e-6)
    assert curvature["at"] == "everywhere" and len(curvature["eigenvalues"]) == 6


def test_trace_state_names_each_coefficient():
    fields = {**MODELS["poly"], "mode": "minibatch", "optimizer": "momentum", "lr": 0.02}
    training, _, records = job(**fields, trace_state=True, epochs=3)
    before = training.start_params
    for record in records:
        after = record["params"]
        for k, name in enumerate(training.names):
            assert record[f"step_{name}"] == pytest.approx(after[k] - before[k], abs=1e-7)
            assert f"momentum_{name}" in record
        before = after
