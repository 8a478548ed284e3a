"""The rules across a job config's fields, held against what the engine actually does."""

import pytest
from pydantic import ValidationError

from gdviz.config import (
    MODE_OPTIMIZERS,
    OPTIMIZER_KNOBS,
    OPTIMIZERS,
    ConfigError,
    JobConfig,
    Synthetic,
    check_config,
)
from gdviz.data import load
from gdviz.train import Training, make_rng

KNOB_VALUES = {
    "momentum": (0.5, 0.9),
    "beta1": (0.5, 0.9),
    "beta2": (0.9, 0.999),
    "alpha": (0.5, 0.99),
}


def history(**fields) -> list[tuple[float, float]]:
    config = JobConfig(mode="sgd", epochs=5, **fields)
    rng = make_rng(config.seed)
    return [
        (r["w"], r["b"]) for kind, r in Training(config, load(config, rng), rng) if kind == "epoch"
    ]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_an_optimizer_reads_exactly_its_knobs(optimizer):
    """A knob the map offers changes the run; one it does not offer changes nothing (so the page
    and the CLI never offer a knob the engine ignores, as they did rmsprop's momentum)."""
    for knob, (a, b) in KNOB_VALUES.items():
        differs = history(optimizer=optimizer, **{knob: a}) != history(
            optimizer=optimizer, **{knob: b}
        )
        assert differs == (knob in OPTIMIZER_KNOBS[optimizer]), (optimizer, knob)


def test_rmsprop_offers_no_momentum():
    assert OPTIMIZER_KNOBS["rmsprop"] == ("alpha",)


@pytest.mark.parametrize("mode", list(MODE_OPTIMIZERS))
def test_a_mode_allows_exactly_its_optimizers(mode):
    for optimizer in OPTIMIZERS:
        config = JobConfig(mode=mode, optimizer=optimizer)
        if optimizer in MODE_OPTIMIZERS[mode]:
            check_config(config)
        else:
            with pytest.raises(ConfigError) as refused:
                check_config(config)
            assert refused.value.loc == ("optimizer",)
            assert f"mode '{mode}' allows only 'sgd'" in refused.value.msg


def test_a_data_set_without_a_kind_is_the_default_synthetic_one():
    """The schema's default kind is synthetic: `{"n": 50}` alone is that set with 50 points."""
    config = JobConfig.model_validate({"dataset": {"n": 50}})
    assert isinstance(config.dataset, Synthetic) and config.dataset.n == 50
    with pytest.raises(ValidationError):
        JobConfig.model_validate({"dataset": {"name": "anscombe1"}})  # a synthetic set has no name


def test_a_long_list_of_wrong_points_is_refused_at_its_first():
    points = {"kind": "points", "x": ["a"] * 10_000, "y": ["b"] * 10_000}
    with pytest.raises(ValidationError) as refused:
        JobConfig.model_validate({"dataset": points})
    assert refused.value.error_count() <= 2  # one per list, not 20,000
