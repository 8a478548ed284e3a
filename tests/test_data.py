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


def test_uploads_standardize_in_float64_so_unix_timestamps_stay_distinct():
    from gdviz.config import Upload
    from gdviz.store.memory.uploads import MemoryUploads
    from gdviz.uploads import parse_csv

    gen = torch.Generator().manual_seed(0)
    t = 1_700_000_000 + 60 * torch.arange(100, dtype=torch.float64)  # a reading every minute
    y = 0.5 * (t - t[0]) / 60 + torch.randn(100, generator=gen, dtype=torch.float64) * 2
    rows = "".join(f"{a:.0f},{b!r}\n" for a, b in zip(t.tolist(), y.tolist(), strict=True))
    table = parse_csv(f"time,reading\n{rows}".encode(), "log.csv", 1000)
    uploads = MemoryUploads()
    uploads.add(table)
    config = JobConfig(standardize=True, dataset=Upload(kind="upload", id=table.id))
    data = load(config, make_rng(0), uploads)
    assert data.x.dtype == torch.float32
    assert len(set(data.x.view(-1).tolist())) == 100
    w, _ = Stats.of(data).least_squares()  # of z-scores: the correlation
    exact = float(torch.corrcoef(torch.stack([t, y]))[0, 1])
    assert w <= 1.0 and w == pytest.approx(exact, abs=1e-6)


def test_an_upload_with_values_too_large_to_square_is_refused_not_a_500():
    from gdviz.store.memory.uploads import MemoryUploads
    from gdviz.uploads import parse_csv

    table = parse_csv(b"a,b\n1e300,1\n-1e300,2\n5,3\n", "huge.csv", 1000)
    uploads = MemoryUploads()
    uploads.add(table)
    config = JobConfig.model_validate({"dataset": {"kind": "upload", "id": table.id}})
    with pytest.raises(ConfigError, match="rescale") as refused:
        load(config, make_rng(0), uploads)
    assert refused.value.loc == ("dataset",)


def test_standardize_keeps_the_raw_scale_so_a_fit_can_be_given_in_raw_units():
    raw = load(JobConfig(dataset=Builtin(kind="builtin", name="cars")), make_rng(0))
    z = load(JobConfig(standardize=True, dataset=Builtin(kind="builtin", name="cars")), make_rng(0))
    assert raw.scale is None and z.scale is not None
    w_z, b_z = Stats.of(z).least_squares()
    s = z.scale
    slope = w_z * s["y_std"] / s["x_std"]
    intercept = s["y_mean"] + s["y_std"] * b_z - slope * s["x_mean"]
    w, b = Stats.of(raw).least_squares()  # cars: dist = 3.932·speed − 17.58
    assert (slope, intercept) == (pytest.approx(w, rel=1e-5), pytest.approx(b, rel=1e-5))
    assert (round(w, 3), round(b, 2)) == (3.932, -17.58)
