"""The rules across a job config's fields, held against what the engine actually does."""

import pytest

from gdviz.config import (
    MODE_OPTIMIZERS,
    OPTIMIZER_KNOBS,
    OPTIMIZERS,
    ConfigError,
    JobConfig,
    check_config,
)
from gdviz.models import load
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
