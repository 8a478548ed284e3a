"""All eight benchmarks, one table: ``python bench/run.py`` (or ``make bench``)."""

import platform
import sys
import time
from pathlib import Path

import big_minibatch
import browser
import classroom
import engine_overhead
import first_event
import plane
import streams
import surface
import torch
import watch

from common import print_table


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {torch.get_num_threads()} torch threads, "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )


def main() -> int:
    print(machine(), flush=True)
    figures = []
    for module in (
        engine_overhead,
        big_minibatch,
        surface,
        plane,
        classroom,
        first_event,
        browser,
        streams,
        watch,  # last: its embedded gdviz lives on, idle, until the process exits
    ):
        t0 = time.perf_counter()
        print(f"running {module.__name__} …", flush=True)
        figures += module.measure()
        print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
    print_table(figures)
    return 0 if all(f.passed for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
