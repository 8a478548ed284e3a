"""GET /api/jobs/{id}/surface?plane=pca|random (gdviz.models.plane, gdviz.routes.plane): the loss
over a plane through the final parameters, checked against numpy's PCA of the path and a torch
forward written here; a path that lies in a plane is on it, with the grid's loss there."""

import httpx
import numpy as np
import pytest
import torch

from support import read_events

SINE = {"kind": "synthetic", "curve": "sine", "n": 60, "x_start": -3, "x_stop": 3, "noise": 0.1}
NETWORK = {
    "model": {"kind": "mlp", "hidden": [8], "activation": "tanh"},
    "optimizer": "adam",
    "lr": 0.03,
    "epochs": 80,
    "dataset": SINE,
}


def finished(client: httpx.Client, config: dict) -> tuple[str, dict]:
    r = client.post("/api/jobs", json=config)
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    read_events(client, job_id)  # to its end
    return job_id, client.get(f"/api/jobs/{job_id}").json()


@pytest.fixture(scope="module")
def network(server_url: str) -> dict:
    with httpx.Client(base_url=server_url, timeout=60) as client:
        job_id, job = finished(client, NETWORK)
        planes = {}
        for plane in ("pca", "random"):
            r = client.get(f"/api/jobs/{job_id}/surface", params={"plane": plane})
            assert r.status_code == 200, r.text
            planes[plane] = r.json()
        again = client.get(f"/api/jobs/{job_id}/surface", params={"plane": "random"}).json()
        query = {"plane": "random", "through": "start"}
        start = client.get(f"/api/jobs/{job_id}/surface", params=query).json()
    return {"id": job_id, "job": job, "planes": planes, "again": again, "start": start}


def path_of(job: dict) -> np.ndarray:
    return np.array([job["meta"]["start_params"], *(r["params"] for r in job["history"])])


def network_loss(theta: list[float], job: dict) -> float:
    """The mean squared error of the 1-8-1 tanh network at θ, on the job's points (float64)."""
    t = torch.tensor(theta, dtype=torch.float64)
    x = torch.tensor(job["meta"]["points"]["x"], dtype=torch.float64).view(-1, 1)
    y = torch.tensor(job["meta"]["points"]["y"], dtype=torch.float64)
    W1, b1, W2, b2 = t[:8].view(8, 1), t[8:16], t[16:24].view(1, 8), t[24:25]
    out = torch.nn.functional.linear(torch.tanh(torch.nn.functional.linear(x, W1, b1)), W2, b2)
    return float(torch.mean((out.view(-1) - y) ** 2))


@pytest.mark.parametrize("plane", ["pca", "random"])
def test_the_origin_is_the_final_parameters_and_its_loss(network, plane):
    answer, job = network["planes"][plane], network["job"]
    size = len(answer["a"])
    assert size == len(answer["b"]) == len(answer["z"]) == len(answer["z"][0]) == 41
    middle = size // 2
    assert answer["a"][middle] == answer["b"][middle] == 0.0
    assert answer["a"][0] == -answer["a"][-1] and answer["b"][0] == -answer["b"][-1]
    final = network_loss(job["done"]["params"], job)
    assert answer["origin_loss"] == pytest.approx(final, rel=1e-9)
    assert answer["z"][middle][middle] == answer["origin_loss"]
    assert answer["dims"] == 25 and answer["epoch"] == 80
    assert answer["path_epochs"] == list(range(81))
    assert answer["path"][-1] == [0.0, 0.0, 0.0]
    assert answer["origin"] == job["done"]["params"] and len(answer["directions"]) == 2
    d = np.array(answer["directions"]).T  # a page projects a path itself with these
    deltas = path_of(job) - np.array(answer["origin"])
    coords = np.linalg.lstsq(d, deltas.T, rcond=None)[0].T
    np.testing.assert_allclose(coords, np.array(answer["path"])[:, :2], atol=1e-9)
    assert min(min(row) for row in answer["z"]) <= final  # the grid is the loss, not a constant
    assert max(max(row) for row in answer["z"]) > 1.5 * final


def test_explained_and_off_plane_are_numpys_pca_of_the_path(network):
    answer, job = network["planes"]["pca"], network["job"]
    path = path_of(job)
    deltas = path - path[-1]
    centred = deltas - deltas.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    assert answer["explained"] == pytest.approx((s[:2] ** 2 / (s**2).sum()).tolist(), rel=1e-6)
    assert answer["explained"][0] > 0.5  # an optimisation path is mostly one direction
    basis = vt[:2].T
    off = np.linalg.norm(deltas - deltas @ basis @ basis.T, axis=1)
    got = np.array(answer["path"])
    np.testing.assert_allclose(got[:, 2], off, atol=1e-6)
    np.testing.assert_allclose(np.abs(got[:, :2]), np.abs(deltas @ basis), atol=1e-6)
    assert np.abs(got[:, 0]).max() < abs(answer["a"][-1]) < 1.3 * np.abs(got[:, 0]).max()


def test_the_random_plane_is_filter_normalised_from_the_seed(network):
    random, job = network["planes"]["random"], network["job"]
    assert random["explained"] is None
    assert network["again"] == random  # the same seed: the same plane (and from the cache)
    path = np.array(random["path"])
    assert (path[:, 2] >= 0).all() and path[0, 2] > 0  # the start is off a random plane
    # nothing else moves the start onto the origin: its distance is the whole move's at most
    whole = np.linalg.norm(path_of(job)[0] - path_of(job)[-1])
    assert path[0, 2] <= whole + 1e-9


def test_a_random_plane_through_the_start_stays_put_while_the_path_grows(network):
    start, job = network["start"], network["job"]
    assert start["through"] == "start" and network["planes"]["random"]["through"] == "final"
    assert start["origin"] == job["meta"]["start_params"]
    assert start["path"][0] == [0.0, 0.0, 0.0]
    assert start["origin_loss"] == pytest.approx(
        network_loss(job["meta"]["start_params"], job), rel=1e-9
    )
    assert start["path"][-1][2] > 0  # the end is off a random plane through the start
    size = len(start["a"])
    assert start["z"][size // 2][size // 2] == start["origin_loss"]


def test_a_path_in_a_plane_is_on_it_with_the_grids_loss(client):
    """Gradient descent on a quadratic from θ* + e₁ + e₂ (two eigenvectors of its Hessian) stays
    in the plane they span: off_plane ≈ 0, and the grid's loss (between its nodes) is the loss."""
    base = {
        "model": {"kind": "poly", "degree": 2},
        "mode": "manual",
        "dataset": {
            "kind": "synthetic",
            "curve": "parabola",
            "n": 30,
            "x_start": -1.5,
            "x_stop": 1.5,
        },
    }
    meta = client.post("/api/jobs", json={**base, "epochs": 1}).json()
    job = client.get(f"/api/jobs/{meta['id']}").json()["meta"]
    low = np.array(job["minimum"]["params"])
    vectors = np.array(job["curvature"]["eigenvectors"])  # ascending eigenvalues
    start = (low + 0.8 * vectors[1] + 0.5 * vectors[2]).tolist()
    lr = 0.5 * job["curvature"]["max_stable_lr"]
    job_id, done = finished(client, {**base, "init_params": start, "lr": lr, "epochs": 40})
    r = client.get(f"/api/jobs/{job_id}/surface", params={"plane": "pca", "resolution": 199})
    assert r.status_code == 200, r.text
    answer = r.json()
    path = np.array(answer["path"])
    assert path[:, 2].max() < 1e-5  # float32 training: the plane up to its rounding
    assert answer["explained"][0] + answer["explained"][1] == pytest.approx(1.0, abs=1e-9)
    a, b, z = np.array(answer["a"]), np.array(answer["b"]), np.array(answer["z"])
    x = np.array(done["meta"]["points"]["x"])
    y = np.array(done["meta"]["points"]["y"])
    params = path_of(done)
    for t in (0, 5, 20):
        pa, pb = path[t, 0], path[t, 1]
        i, j = np.searchsorted(a, pa) - 1, np.searchsorted(b, pb) - 1
        u, v = (pa - a[i]) / (a[i + 1] - a[i]), (pb - b[j]) / (b[j + 1] - b[j])
        grid = (1 - u) * (1 - v) * z[j, i] + u * (1 - v) * z[j, i + 1]
        grid += (1 - u) * v * z[j + 1, i] + u * v * z[j + 1, i + 1]
        c = params[t]
        loss = np.mean((c[0] + c[1] * x + c[2] * x**2 - y) ** 2)
        assert grid == pytest.approx(loss, rel=1e-3), t


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"plane": "tsne"}, "plane"),
        ({"plane": ""}, "plane"),
        ({"plane": "pca", "resolution": 40}, "resolution"),
        ({"plane": "random", "resolution": 3}, "resolution"),
        ({"plane": "random", "through": "middle"}, "through"),
        ({"through": "start"}, "through"),
    ],
)
def test_bad_plane_queries_are_422_naming_the_field(network, client, query, field):
    r = client.get(f"/api/jobs/{network['id']}/surface", params=query)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", field]


def test_a_two_parameter_model_keeps_its_exact_surface(client):
    job_id = client.post("/api/jobs", json={"epochs": 2}).json()["id"]
    r = client.get(f"/api/jobs/{job_id}/surface", params={"plane": "pca"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "plane"]
    assert "w, b" in r.json()["detail"][0]["msg"]
    r = client.get(f"/api/jobs/{job_id}/surface")
    assert r.status_code == 200 and len(r.json()["w"]) == 80
