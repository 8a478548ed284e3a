"""A watched run's pure parts (watched.py): its spec checked against its model, a batch's checks
and records, its end; and a ``Watched`` on a memory log, as the stores hold it."""

import math

import pytest

from gdviz.config import ConfigError, Poly
from gdviz.models import LINE
from gdviz.store.memory.log import MemoryLog
from gdviz.watched import RunError, RunEvent, RunSpec, Watched, check_spec, ended, records


def ev(k: int, loss: float | str = 1.0, params=(0.5, 0.25), **more) -> RunEvent:
    return RunEvent(epoch=k, loss=loss, params=list(params), **more)


def test_a_spec_fits_its_model_or_names_the_field() -> None:
    assert check_spec(RunSpec(param_names=["w", "b"], params=[0, 0])) is LINE
    poly = RunSpec(param_names=["a", "b", "c"], params=[0, 0, 0], model=Poly(kind="poly", degree=2))
    assert check_spec(poly).names == ("b0", "b1", "b2")
    for spec, loc in (
        (RunSpec(param_names=["w", "w"], params=[0, 0]), ("param_names",)),
        (RunSpec(param_names=["w", "b"], params=[0]), ("params",)),
        (RunSpec(param_names=["a", "b", "c"], params=[0, 0, 0]), ("param_names",)),
    ):
        with pytest.raises(ConfigError) as refused:
            check_spec(spec)
        assert refused.value.loc == loc and refused.value.ctx


def test_records_carry_the_loops_numbers_and_stop_at_a_divergence() -> None:
    out, done = records([ev(1, grads=[2.0, 3.0], lr=[0.1, 0.2]), ev(3, step=7)], 2, 0, 0, LINE)
    assert done is None
    assert out[0] == {
        "epoch": 1,
        "loss": 1.0,
        "params": (0.5, 0.25),
        "w": 0.5,
        "b": 0.25,
        "grads": (2.0, 3.0),
        "grad_w": 2.0,
        "grad_b": 3.0,
        "lr": 0.1,
        "lrs": (0.1, 0.2),
    }
    assert out[1]["epoch"] == 3 and out[1]["loop_step"] == 7
    out, done = records([ev(4), ev(5, params=(math.inf, 0)), ev(6)], 2, 3, 2, LINE)
    assert [r["epoch"] for r in out] == [4]
    assert done is not None and done["diverged_at"] == 5
    assert done["reason"] == "a parameter became infinite at epoch 5"


@pytest.mark.parametrize(
    ("events", "last", "loc"),
    [
        ([ev(2)], 2, ("events", 0, "epoch")),
        ([ev(3), ev(3)], 0, ("events", 1, "epoch")),
        ([ev(1, params=(1.0,))], 0, ("events", 0, "params")),
        ([ev(1, grads=[1.0, 2.0, 3.0])], 0, ("events", 0, "grads")),
    ],
)
def test_a_batch_that_does_not_fit_names_its_field(events, last, loc) -> None:
    with pytest.raises(RunError) as refused:
        records(events, 2, last, 0, LINE)
    assert refused.value.status == 422 and refused.value.loc == loc and refused.value.reason


def test_ended_holds_the_last_epochs_values_or_the_start() -> None:
    done = ended(
        {"status": "completed", "epochs": 0, "loss": None, "reason": None}, None, 0, [1, 2], LINE
    )
    assert done["params"] == [1, 2] and done["loss"] is None and (done["w"], done["b"]) == (1, 2)
    last = {"epoch": 9, "loss": 0.5, "params": (3.0, 4.0)}
    done = ended(
        {"status": "failed", "epochs": 0, "loss": None, "reason": "x"}, last, 9, [1, 2], LINE
    )
    assert done["epochs"] == 9 and done["loss"] == 0.5 and done["params"] == [3.0, 4.0]


def test_a_watched_run_on_a_log() -> None:
    log = MemoryLog()
    spec = RunSpec(
        param_names=["w", "b"], params=[0.0, 0.0], points={"x": [0, 1, 2], "y": [1, 3, 5]}
    )
    run = Watched(spec, log)
    assert run.meta["least_squares"]["params"] == pytest.approx([2.0, 1.0])
    assert run.add([ev(1), ev(2)]) == (2, "running")
    run.end("completed")
    assert [e for e, _ in log.events] == ["meta", "epoch", "epoch", "done"]
    with pytest.raises(RunError) as refused:
        run.add([ev(3)])
    assert refused.value.status == 409
    with pytest.raises(RunError):
        run.end("failed", "again")
    assert run.summary()["done"]["epochs"] == 2
