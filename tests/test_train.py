"""The engine against the lesson's own loops (tests/seed_loops.py), the micrograd way."""

import itertools

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from gdviz.config import JobConfig, StartPoint
from gdviz.models import load
from gdviz.surface import Stats
from gdviz.train import Training, loader_order, make_rng
from seed_loops import SEED_LOOPS, seed_data


def engine_history(**fields) -> tuple[Training, list[dict]]:
    config = JobConfig(**fields)
    rng = make_rng(config.seed)
    training = Training(config, load(config, rng), rng)
    return training, [record for kind, record in training if kind == "epoch"]


@pytest.mark.parametrize("mode", list(SEED_LOOPS))
def test_default_run_equals_the_seed_per_epoch(mode):
    expected = SEED_LOOPS[mode]()
    _, history = engine_history(mode=mode)
    assert len(history) == len(expected) == 100
    for epoch, (record, (loss, w, b)) in enumerate(zip(history, expected, strict=True), start=1):
        assert record["epoch"] == epoch
        assert record["loss"] == pytest.approx(loss, abs=1e-6)
        assert record["w"] == pytest.approx(w, abs=1e-6)
        assert record["b"] == pytest.approx(b, abs=1e-6)


def test_seed_data_is_the_lessons():
    X, Y = seed_data()
    config = JobConfig()
    data = load(config, make_rng(config.seed))
    assert torch.equal(data.x, X) and torch.equal(data.y, Y)


@pytest.mark.parametrize("mode", ["manual", "sgd"])
def test_full_batch_modes_reach_least_squares(mode):
    training, history = engine_history(mode=mode, epochs=300)
    w_ls, b_ls = Stats.of(training.data).least_squares()
    X = torch.concat([torch.ones_like(training.data.x), training.data.x], axis=1).double()
    beta = torch.linalg.lstsq(X, training.data.y.double()).solution  # an independent solver
    assert (b_ls, w_ls) == pytest.approx((beta[0].item(), beta[1].item()), abs=1e-9)
    assert history[-1]["w"] == pytest.approx(w_ls, abs=1e-5)
    assert history[-1]["b"] == pytest.approx(b_ls, abs=1e-5)


@pytest.mark.parametrize("shuffle", [True, False])
def test_loader_order_draws_like_dataloader(shuffle):
    n = 23
    torch.manual_seed(7)
    loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=4, shuffle=shuffle)
    expected = [torch.concat([batch for (batch,) in loader]) for _ in range(3)]
    after = torch.randn(3)  # the global stream must be left where the loader leaves it
    rng = make_rng(7)
    for order in expected:
        got = loader_order(n, shuffle, rng)
        assert torch.equal(order, torch.arange(n) if got is None else got)
    assert torch.equal(torch.randn(3, generator=rng), after)


def test_linear_init_equals_nn_linear_under_manual_seed():
    torch.manual_seed(11)
    reference = torch.nn.Linear(1, 1)
    training = Training(JobConfig(mode="linear"), load(JobConfig(), make_rng(0)), make_rng(11))
    assert training.start == {"w": reference.weight.item(), "b": reference.bias.item()}


@pytest.mark.parametrize("mode", list(SEED_LOOPS))
def test_init_overrides_the_start_and_keeps_the_shuffles(mode):
    training, history = engine_history(mode=mode, init=StartPoint(w=-4.0, b=3.0), epochs=5)
    assert training.start == {"w": -4.0, "b": 3.0}
    assert history[0]["loss"] > engine_history(mode=mode, epochs=5)[1][0]["loss"]


OPTIMIZERS = ["sgd", "momentum", "nesterov", "adam", "rmsprop", "adagrad"]
LOSSES = ["mse", "mae", "huber"]


@pytest.mark.parametrize(("optimizer", "loss"), list(itertools.product(OPTIMIZERS, LOSSES)))
def test_every_optimizer_and_loss_learns(optimizer, loss):
    _, history = engine_history(
        mode="minibatch", optimizer=optimizer, loss=loss, lr=0.05, epochs=150
    )
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    assert history[-1]["w"] == pytest.approx(2.0, abs=0.6)


def test_optimizer_is_the_torch_one():
    training, _ = engine_history(mode="linear", optimizer="adam", beta1=0.8, beta2=0.99, epochs=1)
    assert isinstance(training.optimizer, torch.optim.Adam)
    assert training.optimizer.defaults["betas"] == (0.8, 0.99)


def test_step_granularity_reports_every_update_and_same_epochs():
    _, by_epoch = engine_history(mode="minibatch", epochs=3)
    config = JobConfig(mode="minibatch", epochs=3, granularity="step")
    rng = make_rng(config.seed)
    records = list(Training(config, load(config, rng), rng))
    steps = [r for kind, r in records if kind == "step"]
    assert [r["step"] for r in steps] == list(range(1, 13))  # 20 points, batches of 5
    assert [r for kind, r in records if kind == "epoch"] == by_epoch
    assert steps[3]["w"] == by_epoch[0]["w"]


def test_step_thinning_keeps_every_kth_step():
    config = JobConfig(mode="minibatch", epochs=5, batch_size=1, granularity="step")
    rng = make_rng(config.seed)
    steps = [
        r["step"]
        for kind, r in Training(config, load(config, rng), rng, step_stride=7)
        if kind == "step"
    ]
    assert steps == list(range(7, 101, 7))


def test_gradients_are_those_of_the_update():
    training, history = engine_history(mode="manual", epochs=1)
    start, record = training.start, history[0]
    assert record["w"] == pytest.approx(start["w"] - 0.1 * record["grad_w"], abs=1e-6)
    assert record["b"] == pytest.approx(start["b"] - 0.1 * record["grad_b"], abs=1e-6)
