import time

import pytest
import torch

from gdviz.config import JobConfig, Synthetic
from gdviz.models import load
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


def finished_job(client, body: dict) -> tuple[str, dict]:
    job_id = client.post("/api/jobs", json=body).json()["id"]
    for _ in range(200):
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] == "completed":
            return job_id, job
        time.sleep(0.05)
    raise AssertionError(job["status"])


POLY = {"model": {"kind": "poly", "degree": 3}, "lr": 0.002, "epochs": 12}


def direct_mse(meta: dict, theta: list[float]) -> float:
    """The polynomial's MSE at θ, from the points as trained, the naive way."""
    x = torch.tensor(meta["points"]["x"], dtype=torch.float64)
    y = torch.tensor(meta["points"]["y"], dtype=torch.float64)
    yhat = sum(t * x**k for k, t in enumerate(theta))
    return float(((yhat - y) ** 2).mean())


def test_a_poly_slice_is_the_exact_loss_through_an_epochs_parameters(client):
    job_id, job = finished_job(client, POLY)
    meta, history = job["meta"], job["history"]
    r = client.get(f"/api/jobs/{job_id}/surface", params={"at_epoch": 5, "resolution": 9})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["slice"]["axes"] == ["b3", "b0"] and s["w"] is None and s["b"] is None
    at = history[4]["params"]
    assert s["slice"]["fixed"] == {"b1": at[1], "b2": at[2]} and s["slice"]["at_epoch"] == 5
    for i, j in [(0, 0), (3, 7), (8, 8)]:
        theta = [s["y"][i], at[1], at[2], s["x"][j]]
        assert s["loss"][i][j] == pytest.approx(direct_mse(meta, theta), rel=1e-9)
    lowest = s["slice"]["lowest"]
    assert lowest["loss"] <= min(min(row) for row in s["loss"]) + 1e-12
    assert lowest["loss"] == pytest.approx(direct_mse(meta, [lowest["y"], *at[1:3], lowest["x"]]))
    assert s["window"]["x_min"] < at[3] < s["window"]["x_max"]


def test_a_slice_over_chosen_axes_through_given_values(client):
    job_id, job = finished_job(client, POLY)
    params = {"x_param": "b1", "y_param": "b2", "at": "1,0,0,0.5", "resolution": 5}
    params |= {"x_min": -1, "x_max": 1, "y_min": -2, "y_max": 2}
    s = client.get(f"/api/jobs/{job_id}/surface", params=params).json()
    assert s["slice"] == {
        "axes": ["b1", "b2"],
        "fixed": {"b0": 1.0, "b3": 0.5},
        "at_epoch": None,
        "lowest": s["slice"]["lowest"],
    }
    assert s["x"][0] == -1 and s["y"][-1] == 2
    assert s["loss"][4][0] == pytest.approx(direct_mse(job["meta"], [1, -1, 2, 0.5]), rel=1e-9)


def test_a_logistic_surface_is_the_exact_cross_entropy_over_w_b(client):
    body = {
        "model": {"kind": "logistic"},
        "dataset": {"kind": "synthetic", "labels": True, "noise": 2},
    }
    job_id, job = finished_job(client, {**body, "epochs": 5})
    s = client.get(f"/api/jobs/{job_id}/surface", params={"resolution": 7}).json()
    assert s["slice"]["axes"] == ["w", "b"] and s["w"] == s["x"] and s["loss_name"] == "bce"
    assert s["least_squares"] is None and s["minimum"]["params"] is not None
    x = torch.tensor(job["meta"]["points"]["x"], dtype=torch.float64)
    y = torch.tensor(job["meta"]["points"]["y"], dtype=torch.float64)
    for i, j in [(0, 6), (3, 3)]:
        z = s["w"][j] * x + s["b"][i]
        bce = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
        assert s["loss"][i][j] == pytest.approx(float(bce), rel=1e-9)
    assert {"w_min", "b_max", "x_min", "y_max"} <= set(s["window"])


SURFACE_REFUSALS = [
    ({"x_param": "b7"}, "x_param"),
    ({"x_param": "b1", "y_param": "b1"}, "y_param"),
    ({"at_epoch": 13}, "at_epoch"),
    ({"at": "1,2"}, "at"),
    ({"at": "1,2,x,4"}, "at"),
    ({"at": "1,2,3,4", "at_epoch": 2}, "at"),
    ({"w_min": 0, "w_max": 1, "b_min": 0, "b_max": 1}, "w_min"),
    ({"x_min": 0, "x_max": 1}, "y_min"),
    ({"x_min": 1, "x_max": 0, "y_min": 0, "y_max": 1}, "x_max"),
    ({"at_epoch": -1}, "at_epoch"),
]


def test_bad_slices_are_422s_naming_the_query_parameter(client):
    job_id, _ = finished_job(client, POLY)
    for params, field in SURFACE_REFUSALS:
        r = client.get(f"/api/jobs/{job_id}/surface", params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["detail"][0]["loc"] == ["query", field], (params, r.text)
