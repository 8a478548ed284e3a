import pytest
import torch

from gdviz.config import JobConfig, Synthetic
from gdviz.data import load
from gdviz.surface import (
    Stats,
    WindowError,
    default_window,
    loss_at,
    loss_grid,
    loss_minimum,
    r_squared,
    window,
)
from gdviz.train import make_rng


def brute_force(data, loss, w, b, delta=1.0):
    """Every grid cell against every point, the naive way."""
    W, B = torch.meshgrid(w, b, indexing="xy")
    r = W[..., None] * data.x.double().view(-1) + B[..., None] - data.y.double().view(-1)
    if loss == "mse":
        return (r**2).mean(-1)
    if loss == "mae":
        return r.abs().mean(-1)
    return torch.where(r.abs() <= delta, 0.5 * r**2, delta * (r.abs() - 0.5 * delta)).mean(-1)


@pytest.fixture(scope="module")
def data():
    config = JobConfig(dataset=Synthetic(n=3000, noise=2.0))
    return load(config, make_rng(5))


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_grid_equals_brute_force(data, loss):
    w = torch.linspace(-3, 5, 17, dtype=torch.float64)
    b = torch.linspace(-4, 2, 11, dtype=torch.float64)
    grid = loss_grid(data, Stats.of(data), loss, 1.0, w, b)
    assert grid.shape == (11, 17)  # rows follow b, columns follow w
    assert torch.allclose(grid, brute_force(data, loss, w, b), rtol=1e-9, atol=1e-9)


def test_grid_minimum_is_least_squares(data):
    stats = Stats.of(data)
    w_ls, b_ls = stats.least_squares()
    around = loss_grid(
        data,
        stats,
        "mse",
        1.0,
        torch.tensor([w_ls - 1e-3, w_ls, w_ls + 1e-3]),
        torch.tensor([b_ls - 1e-3, b_ls, b_ls + 1e-3]),
    )
    assert around.argmin().item() == 4  # the centre cell


def test_default_window_holds_both_points():
    window = default_window((2.0, -1.0), (-0.5, 0.7))
    assert window["w_min"] < -0.5 < 2.0 < window["w_max"]
    assert window["b_min"] < -1.0 < 0.7 < window["b_max"]


def test_window_takes_all_four_bounds_or_none():
    ls, start = (2.0, -1.0), (0.0, 0.0)
    assert window(None, None, None, None, ls, start) == default_window(ls, start)
    assert window(-1, 3, -2, 2, ls, start) == {"w_min": -1, "w_max": 3, "b_min": -2, "b_max": 2}
    for bounds, field in [
        ((-1, None, -2, 2), "w_max"),
        ((None, None, None, 2), "w_min"),
        ((3, -1, -2, 2), "w_max"),
        ((-1, 3, 2, 2), "b_max"),
    ]:
        with pytest.raises(WindowError) as refused:
            window(*bounds, ls, start)
        assert refused.value.field == field


@pytest.fixture(scope="module")
def million():
    return load(JobConfig(dataset=Synthetic(n=1_000_000, noise=2.0)), make_rng(5))


def test_mae_on_a_million_points_at_resolution_200_is_bounded_and_close(million):
    import time

    stats = Stats.of(million)
    w = torch.linspace(-3, 5, 200, dtype=torch.float64)
    b = torch.linspace(-4, 2, 200, dtype=torch.float64)
    t0 = time.process_time()
    grid = loss_grid(million, stats, "mae", 1.0, w, b)
    assert time.process_time() - t0 < 10  # all 10⁶ points: some 160 s of CPU
    exact = brute_force(million, "mae", w[::90], b[::90])  # 9 cells, every point
    assert torch.allclose(grid[::90, ::90], exact, rtol=0.02)


def test_a_stopped_grid_ends_between_chunks(million):
    import threading
    import time

    from gdviz.surface import Stopped

    stop = threading.Event()
    stop.set()
    w = torch.linspace(-3, 5, 20, dtype=torch.float64)  # 400 cells: every point is summed
    stats = Stats.of(million)
    t0 = time.process_time()
    with pytest.raises(Stopped):
        loss_grid(million, stats, "huber", 1.0, w, w, stop=stop)
    assert time.process_time() - t0 < 1.0  # the whole grid: some 4 s


def test_the_surface_of_a_million_points_answers_quickly_and_says_it_sampled(client):
    body = {"loss": "mae", "epochs": 1, "dataset": {"kind": "synthetic", "n": 1_000_000}}
    job_id = client.post("/api/jobs", json=body).json()["id"]
    r = client.get(f"/api/jobs/{job_id}/surface", params={"resolution": 200}, timeout=20)
    assert r.status_code == 200
    surface = r.json()
    assert (
        surface["points"] == 2500 and "2,500 evenly spaced points of 1,000,000" in surface["note"]
    )
    assert len(surface["loss"]) == 200
    small = client.post("/api/jobs", json={"loss": "mae", "epochs": 1}).json()["id"]
    exact = client.get(f"/api/jobs/{small}/surface").json()
    assert exact["points"] == 20 and exact["note"] is None


def best_line_through_two_points(data):
    """The least-absolute-deviations line by brute force: it passes through two of the points."""
    x, y = data.x.double().view(-1), data.y.double().view(-1)
    i, j = torch.triu_indices(len(x), len(x), 1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    w = (y[j] - y[i]) / (x[j] - x[i])
    b = y[i] - w * x[i]
    loss = (w[:, None] * x + b[:, None] - y).abs().mean(-1)
    return float(loss.min())


@pytest.mark.parametrize("name", ["anscombe1", "anscombe3", "cars", "faithful"])
def test_mae_minimum_is_the_best_line_through_two_points(name):
    data = load(JobConfig(dataset={"kind": "builtin", "name": name}), make_rng(0))
    stats = Stats.of(data)
    w, b = loss_minimum(data, stats, "mae", 1.0)
    assert loss_at(data, stats, "mae", 1.0, w, b) == pytest.approx(
        best_line_through_two_points(data), rel=1e-7
    )


@pytest.mark.parametrize("delta", [0.5, 1.0, 3.0])
def test_huber_minimum_is_where_torch_finds_it(delta):
    data = load(JobConfig(dataset={"kind": "builtin", "name": "anscombe3"}), make_rng(0))
    w, b = loss_minimum(data, Stats.of(data), "huber", delta)
    p = torch.tensor([0.0, 0.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([p], max_iter=500, tolerance_grad=1e-14, tolerance_change=1e-16)
    x, y = data.x.double().view(-1), data.y.double().view(-1)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.huber_loss(p[0] * x + p[1], y, delta=delta)
        loss.backward()
        return loss

    opt.step(closure)
    w_torch, b_torch = p.detach().tolist()
    assert (w, b) == (pytest.approx(w_torch, abs=1e-6), pytest.approx(b_torch, abs=1e-6))


def test_mse_minimum_is_least_squares_and_r2_is_the_squared_correlation(data):
    stats = Stats.of(data)
    assert loss_minimum(data, stats, "mse", 1.0) == stats.least_squares()
    r = torch.corrcoef(torch.stack([data.x.double().view(-1), data.y.double().view(-1)]))[0, 1]
    assert r_squared(stats) == pytest.approx(float(r) ** 2, rel=1e-9)
