"""What every benchmark shares: imports from tests/, timing, and one row of the result table."""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(
    0, str(ROOT / "tests")
)  # seed_loops (the lesson's own code), support (a real server)


@dataclass
class Figure:
    name: str
    goal: str
    measured: str
    passed: bool
    note: str = ""

    def row(self) -> tuple[str, str, str, str]:
        return self.name, self.goal, self.measured, "pass" if self.passed else "FAIL"


def cpu_seconds(fn: Callable[[], object]) -> float:
    """CPU time of this process (all its threads) spent in ``fn``.

    CPU time rather than wall time: on a shared 2-core machine other processes steal wall time
    unevenly, while the work done here is what the ratio is about.
    """
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def cpu_ratio(
    subject: Callable[[], object], baseline: Callable[[], object], rounds: int, warm_up: bool = True
) -> tuple[float, float, float]:
    """min(subject) / min(baseline) over ``rounds`` alternating runs: the least disturbed run of each.

    Returns (ratio, subject seconds, baseline seconds).
    """
    if warm_up:  # imports, allocator, torch's first-call costs
        subject(), baseline()
    s_times, b_times = [], []
    for i in range(rounds):
        if i % 2:
            b_times.append(cpu_seconds(baseline))
            s_times.append(cpu_seconds(subject))
        else:
            s_times.append(cpu_seconds(subject))
            b_times.append(cpu_seconds(baseline))
    s, b = min(s_times), min(b_times)
    return s / b, s, b


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0 … 100), nearest-rank."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def print_table(figures: list[Figure]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="gdviz benchmarks")
    for column in ("figure", "goal", "measured", "result"):
        table.add_column(column)
    for f in figures:
        table.add_row(*f.row(), style=None if f.passed else "bold red")
    Console().print(table)
    for f in figures:
        if f.note:
            print(f"- {f.name}: {f.note}")
