"""Benchmark 3: a 200×200 MSE surface at n = 10⁶ from the sufficient statistics, against naive
broadcasting of every grid cell over every point. Goals: at least 100× faster, and flat in n."""

import time

import torch

from common import Figure
from gdviz.config import JobConfig
from gdviz.models import load
from gdviz.surface import Stats, loss_grid
from gdviz.train import make_rng

GOAL_SPEEDUP, GOAL_FLAT = 100.0, 1.5
RES = 200
NAIVE_CELLS = 10  # naive cells evaluated at once: 10 × 10⁶ float64 = 80 MB


def dataset(n: int):
    config = JobConfig(dataset={"kind": "synthetic", "n": n})
    return load(config, make_rng(config.seed))


def best_wall(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def naive_rows(data, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mean((w·x + b − y)²) cell by cell over all n points; rows follow b, columns follow w."""
    x, y = data.x.double().view(1, -1), data.y.double().view(1, -1)
    W, B = torch.meshgrid(w, b, indexing="xy")
    W, B = W.reshape(-1, 1), B.reshape(-1, 1)
    out = torch.empty(W.shape[0], dtype=torch.float64)
    for i in range(0, W.shape[0], NAIVE_CELLS):
        out[i : i + NAIVE_CELLS] = (
            (W[i : i + NAIVE_CELLS] * x + B[i : i + NAIVE_CELLS] - y) ** 2
        ).mean(dim=1)
    return out.view(len(b), len(w))


def measure(naive_b_rows: int = 1) -> list[Figure]:
    w = torch.linspace(0.0, 4.0, RES, dtype=torch.float64)
    b = torch.linspace(-3.0, 1.0, RES, dtype=torch.float64)
    fast = {}
    for n in (1_000, 1_000_000):
        data = dataset(n)
        stats = Stats.of(data)  # once per job, at creation
        fast[n] = best_wall(lambda d=data, s=stats: loss_grid(d, s, "mse", 1.0, w, b), repeat=30)
    big = data
    grid = loss_grid(big, stats, "mse", 1.0, w, b)
    # The naive way costs the same for every cell: time a full row of cells (×200) and scale.
    rows = b[:naive_b_rows]
    t_naive_rows = best_wall(lambda: naive_rows(big, w, rows), repeat=1)
    sample = naive_rows(big, w, rows)
    agree = torch.allclose(sample, grid[:naive_b_rows], rtol=1e-9, atol=1e-9)
    t_naive = t_naive_rows * RES / naive_b_rows
    speedup = t_naive / fast[1_000_000]
    flat = fast[1_000_000] / fast[1_000]
    return [
        Figure(
            "3 surface 200×200 MSE, n=1e6",
            f"≥ {GOAL_SPEEDUP:.0f}× faster than naive",
            f"{speedup:,.0f}× ({fast[1_000_000] * 1e3:.2f} ms vs ~{t_naive:,.0f} s naive), "
            + ("values agree" if agree else "VALUES DIFFER"),
            speedup >= GOAL_SPEEDUP and agree,
            note=f"naive timed on {naive_b_rows * RES} of {RES * RES} cells and scaled (its cost is the same "
            f"for every cell); Stats.of, once per job, takes {best_wall(lambda: Stats.of(big), 3) * 1e3:.0f} ms at n=1e6",
        ),
        Figure(
            "3 surface flat in n (1e6 vs 1e3)",
            f"≤ {GOAL_FLAT:.1f}×",
            f"{flat:.2f}× ({fast[1_000_000] * 1e3:.2f} vs {fast[1_000] * 1e3:.2f} ms)",
            flat <= GOAL_FLAT,
        ),
    ]


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
