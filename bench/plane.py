"""Benchmark 8: a 61×61 loss plane (``?plane=pca``) for a 1-64-64-1 network (4,353 parameters) on
1,000 points, computed batched over all grid points at once (``gdviz.models.plane``), against a loop
of single evaluations of the same points (the network's parameters set, one forward, one loss: the
way a loss-landscape script usually does it). Both in float64, in one run, on the same plane; the
median and the spread over repeats. Goal: ≥ 20× faster. The same for the lab's 1-16-1 network on 100
points, where a loop's cost is mostly Python's."""

import statistics
import time

import torch

from common import Figure
from gdviz.config import JobConfig
from gdviz.models import definition, load
from gdviz.models.plane import pca_directions, plane_grid
from gdviz.train import Training, make_rng

GOAL = 20.0
RES = 61
REPEATS = 3


def trained_path(config: JobConfig) -> tuple[torch.Tensor, object]:
    rng = make_rng(config.seed)
    data = load(config, rng)
    training = Training(config, data, rng)
    path = [training.start_params] + [r["params"] for k, r in training if k == "epoch"]  # type: ignore[index]
    return torch.tensor(path, dtype=torch.float64), data


def loop(config: JobConfig, data, path: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """The loss at each row of θ, one ``nn.Sequential`` forward at a time (float64)."""
    model = definition(config.model)
    net = model.network(make_rng(0)).double()  # type: ignore[attr-defined]
    x, y = data.x.double(), data.y.double()
    out = torch.empty(theta.shape[0], dtype=torch.float64)
    with torch.no_grad():
        for i in range(theta.shape[0]):
            torch.nn.utils.vector_to_parameters(theta[i], net.parameters())
            out[i] = torch.mean((net(x) - y) ** 2)
    return out


def grid_points(path: torch.Tensor, plane) -> torch.Tensor:
    """The plane's grid as parameter vectors, rebuilt from its axes (as ``plane_grid`` builds it)."""
    directions, _ = pca_directions(path)
    a = torch.tensor(plane.a, dtype=torch.float64)
    b = torch.tensor(plane.b, dtype=torch.float64)
    A, B = torch.meshgrid(a, b, indexing="xy")
    return path[-1] + A.reshape(-1, 1) * directions[:, 0] + B.reshape(-1, 1) * directions[:, 1]


def case(hidden: list[int], n: int, epochs: int, repeats: int) -> dict:
    config = JobConfig.model_validate(
        {
            "model": {"kind": "mlp", "hidden": hidden},
            "optimizer": "adam",
            "lr": 0.01,
            "epochs": epochs,
            "dataset": {"kind": "synthetic", "curve": "sine", "n": n, "x_start": -3, "x_stop": 3},
        }
    )
    path, data = trained_path(config)
    model = definition(config.model)
    batched, looped = [], []
    for _ in range(repeats):  # interleaved: the machine's load falls on both alike
        t0 = time.perf_counter()
        plane = plane_grid(model, data, config, path, "pca", RES)
        batched.append(time.perf_counter() - t0)
        theta = grid_points(path, plane)
        t0 = time.perf_counter()
        values = loop(config, data, path, theta)
        looped.append(time.perf_counter() - t0)
    z = torch.tensor(plane.z, dtype=torch.float64).view(-1)
    agree = torch.allclose(values, z, rtol=1e-9, atol=1e-12)
    return {
        "size": model.size,
        "batched": batched,
        "looped": looped,
        "agree": agree,
        "speedup": statistics.median(looped) / statistics.median(batched),
    }


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def measure() -> list[Figure]:
    figures = []
    for name, hidden, n, epochs, repeats in (
        ("1-64-64-1, n=1000", [64, 64], 1000, 40, REPEATS),
        ("1-16-1, n=100", [16], 100, 100, 2 * REPEATS + 1),
    ):
        found = case(hidden, n, epochs, repeats)
        figures.append(
            Figure(
                f"8 plane {RES}×{RES}, {name}",
                f"≥ {GOAL:.0f}× faster than a loop",
                f"{found['speedup']:.1f}×: batched {spread(found['batched'])}, loop "
                f"{spread(found['looped'])}, "
                + ("values agree" if found["agree"] else "VALUES DIFFER"),
                found["speedup"] >= GOAL and found["agree"],
                note=f"{found['size']:,} parameters, float64, {torch.get_num_threads()} threads, "
                f"median of {repeats}",
            )
        )
    return figures


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
