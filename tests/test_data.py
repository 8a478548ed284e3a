import pytest
import torch

from gdviz.config import Builtin, ConfigError, JobConfig, Synthetic
from gdviz.data import catalog, load
from gdviz.surface import Stats
from gdviz.train import make_rng


def test_builtins_load_with_source_and_licence():
    assert len(catalog()) >= 3
    for name, entry in catalog().items():
        data = load(JobConfig(dataset=Builtin(kind="builtin", name=name)), make_rng(0))
        assert data.n >= 10 and data.x.dtype == torch.float32
        assert entry["source"] and entry["licence"]


def test_anscombe_line_is_the_famous_one():
    data = load(JobConfig(dataset=Builtin(kind="builtin", name="anscombe1")), make_rng(0))
    w, b = Stats.of(data).least_squares()
    assert (w, b) == pytest.approx((0.5, 3.0), abs=2e-3)


def test_synthetic_knobs():
    data = load(JobConfig(dataset=Synthetic(n=500, true_w=-3, true_b=4, noise=0.01)), make_rng(1))
    assert data.n == 500
    assert Stats.of(data).least_squares() == pytest.approx((-3, 4), abs=0.01)


def test_standardize_gives_z_scores():
    data = load(JobConfig(standardize=True), make_rng(2021))
    for v in (data.x, data.y):
        assert v.mean().item() == pytest.approx(0, abs=1e-6)
        assert v.std(unbiased=False).item() == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize(
    ("config", "field"),
    [
        (JobConfig(mode="minibatch", batch_size=21), "batch_size"),
        (JobConfig(dataset=Builtin(kind="builtin", name="boston")), "name"),
        (JobConfig(dataset=Synthetic(x_start=1, x_stop=1)), "dataset"),
    ],
)
def test_data_dependent_checks_name_the_field(config, field):
    with pytest.raises(ConfigError) as err:
        load(config, make_rng(0))
    assert field in err.value.loc
