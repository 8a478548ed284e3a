"""The network (gdviz.models.mlp) against a torch loop written here from the job's data and start:
one flat parameter vector, the layers written out with torch.nn.functional, torch's own optimizers
and DataLoader. Then what it refuses, its names, and its events beyond 64 parameters."""

import itertools
import math

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from gdviz.config import ConfigError, JobConfig
from gdviz.models import check, definition, load
from gdviz.train import Training, make_rng

SINE = {"kind": "synthetic", "curve": "sine", "n": 40, "x_start": -3, "x_stop": 3, "noise": 0.1}
LABELS = {"kind": "synthetic", "labels": True, "noise": 2.0, "n": 40}
OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {}),
    "momentum": (torch.optim.SGD, {"momentum": 0.9}),
    "adam": (torch.optim.Adam, {"betas": (0.9, 0.999)}),
    "rmsprop": (torch.optim.RMSprop, {"alpha": 0.99}),
}


def job(**fields) -> tuple[Training, torch.Tensor, list[dict]]:
    config = JobConfig.model_validate(fields)
    check(config)
    rng = make_rng(config.seed)
    training = Training(config, load(config, rng), rng)
    state = rng.get_state()
    return training, state, [r for kind, r in training if kind == "epoch"]


def forward(theta: torch.Tensor, x: torch.Tensor, widths: list[int], act: str) -> torch.Tensor:
    """The network from the flat θ: each layer's weight (row-major) then its bias."""
    h, at = x.view(-1, 1), 0
    for i, (k, o) in enumerate(itertools.pairwise(widths)):
        W = theta[at : at + o * k].view(o, k)
        b = theta[at + o * k : at + o * k + o]
        at += o * k + o
        h = torch.nn.functional.linear(h, W, b)
        if i < len(widths) - 2:
            h = torch.tanh(h) if act == "tanh" else torch.relu(h)
    return h.view(-1)


def loss_of(name: str, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if name == "bce":
        return torch.nn.functional.binary_cross_entropy_with_logits(out, y)
    r = out - y
    return {
        "mse": lambda: torch.mean(r**2),
        "huber": lambda: torch.mean(torch.where(r.abs() <= 1, 0.5 * r**2, r.abs() - 0.5)),
    }[name]()


def reference(training: Training, state: torch.Tensor) -> list[tuple[float, list[float]]]:
    config = training.config
    widths = [1, *config.model.hidden, 1]  # type: ignore[union-attr]
    act = config.model.activation  # type: ignore[union-attr]
    X, Y = training.data.x.view(-1), training.data.y.view(-1)
    theta = torch.tensor(training.start_params, requires_grad=True)
    optimizer = None
    if config.mode != "manual":
        cls, kwargs = OPTIMIZERS[config.optimizer]
        optimizer = cls([theta], lr=config.lr, **kwargs)
    torch.set_rng_state(state)
    loader = DataLoader(TensorDataset(X, Y), batch_size=config.batch_size, shuffle=config.shuffle)
    batches = loader if config.minibatch else [(X, Y)]
    history = []
    for _ in range(config.epochs):
        total = 0.0
        for xx, yy in batches:
            loss = loss_of(config.loss, forward(theta, xx, widths, act), yy)
            loss.backward()
            total += loss.item() * len(yy)
            if optimizer is None:
                theta.data = theta.data - config.lr * theta.grad.data
                theta.grad = None
            else:
                optimizer.step()
                optimizer.zero_grad()
        history.append((total / len(X), theta.tolist()))
    return history


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


CASES = [
    ("manual", "sgd", "mse", [8], "tanh", 0.1, SINE),
    ("sgd", "momentum", "mse", [6, 5], "relu", 0.05, SINE),
    ("sgd", "adam", "huber", [4, 3, 2], "tanh", 0.02, SINE),
    ("minibatch", "rmsprop", "mse", [5], "relu", 0.01, SINE),
    ("minibatch", "sgd", "bce", [4], "tanh", 0.3, LABELS),
]


@pytest.mark.parametrize(("mode", "optimizer", "loss", "hidden", "act", "lr", "data"), CASES)
def test_every_epoch_equals_a_torch_loop(mode, optimizer, loss, hidden, act, lr, data):
    model = {"kind": "mlp", "hidden": hidden, "activation": act}
    fields = {"mode": mode, "optimizer": optimizer, "loss": loss, "lr": lr, "dataset": data}
    training, state, records = job(model=model, **fields, epochs=20, batch_size=8)
    expected = reference(training, state)
    assert len(records) == len(expected) == 20
    for record, (value, theta) in zip(records, expected, strict=True):
        assert close(record["loss"], value), (record["epoch"], record["loss"], value)
        assert all(map(close, record["params"], theta)), record["epoch"]
    assert records[-1]["loss"] < records[0]["loss"]  # it learns


def test_the_start_is_torchs_own_init_of_the_sequential():
    training, _, _ = job(model={"kind": "mlp", "hidden": [3]}, dataset=SINE, epochs=1)
    torch.manual_seed(training.config.seed)
    torch.randn(40)  # the data's noise: the job's first draw
    net = torch.nn.Sequential(torch.nn.Linear(1, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    flat = torch.nn.utils.parameters_to_vector(net.parameters()).tolist()
    assert training.start_params == pytest.approx(flat, abs=0)
    names = dict(zip(training.names, training.start_params, strict=True))
    assert names["0.weight[2,0]"] == net[0].weight[2, 0].item()
    assert names["2.weight[0,1]"] == net[2].weight[0, 1].item()
    assert names["2.bias[0]"] == net[2].bias[0].item()
    assert len(training.names) == 3 + 3 + 3 + 1


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"mode": "design"}, ("mode",)),
        ({"mode": "linear"}, ("mode",)),
        ({"init_params": [0.0, 1.0]}, ("init_params",)),
        ({"init": {"w": 1, "b": 0}}, ("init",)),
        ({"loss": "bce", "dataset": SINE}, ("dataset", "labels")),
        ({"model": {"kind": "mlp", "hidden": [64, 64]}, "trace_state": True}, ("trace_state",)),
    ],
)
def test_what_a_network_refuses_names_the_field(fields, loc):
    config = JobConfig.model_validate({"model": {"kind": "mlp"}, **fields})
    with pytest.raises(ConfigError) as caught:
        check(config)
        load(config, make_rng(config.seed))
    assert caught.value.loc == loc


@pytest.mark.parametrize("hidden", [[0], [65], [], [4, 4, 4, 4]])
def test_its_shape_is_bounded(hidden):
    with pytest.raises(ValueError):
        JobConfig.model_validate({"model": {"kind": "mlp", "hidden": hidden}})


def test_beyond_64_parameters_events_carry_them_every_strideth_epoch():
    model = {"kind": "mlp", "hidden": [16, 8]}  # 32 + 136 + 9 = 177 parameters
    training, _, records = job(model=model, dataset=SINE, epochs=250, lr=0.01)
    assert definition(training.config.model).size == 177
    stride = training.params_stride
    assert stride == math.ceil(250 / 100) == 3
    carried = [r["epoch"] for r in records if "params" in r]
    assert carried == [*range(3, 250, 3), 250]
    assert all("grads" in r for r in records if "params" in r)
