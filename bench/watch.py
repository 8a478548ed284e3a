"""Benchmark: ``gdviz.watch`` on the lesson's own loop. The lesson's manual gradient descent on
(w, b), 10,000 epochs, run without watching and with ``run.log`` once an epoch, alternately, in
one run: against a real ``gdviz serve``, and with gdviz in the loop's own process
(``server=None``). Goal: at most 1.10× — the median of the rounds' ratios of the CPU time of the
loop's process (its sender thread, and an embedded server, included), their spread stated; the
wall clock too, which on a shared machine other processes disturb. The time ``done`` then takes
to send what is still queued is stated (the sender sends at most 10 batches of 1,000 a second)."""

import statistics
import tempfile
import time
from pathlib import Path

import torch

import gdviz
from common import Figure
from support import running_server

GOAL = 1.10
EPOCHS = 10_000
ROUNDS = 11


def lesson_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The lesson's X, Y and its starting w, b."""
    torch.manual_seed(2021)
    X = torch.arange(-5, 5, 0.1).view(-1, 1)
    Y = 2 * X - 1 + 0.4 * torch.randn(X.size())
    w = torch.tensor(-10.0, requires_grad=True)
    b = torch.tensor(-20.0, requires_grad=True)
    return X, Y, w, b


def lesson(X, Y, w, b, log=None, epochs: int = EPOCHS, lr: float = 0.01) -> tuple[float, float]:
    """The lesson's loop, ``log(loss=...)`` once an epoch when watched: (wall, CPU) seconds, the
    CPU time this process's (all its threads: the sender's, an embedded server's too)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        loss = torch.mean((w * X + b - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if log is not None:
            log(loss=loss.item())
        w.grad.zero_()
        b.grad.zero_()
    return time.perf_counter() - t0, time.process_time() - c0


def plain_round() -> tuple[float, float]:
    return lesson(*lesson_data())


def watched_round(server: str | None) -> tuple[float, float, float]:
    """(wall, CPU) seconds of the loop with watching, and then ``done``'s wall seconds."""
    X, Y, w, b = lesson_data()
    run = gdviz.watch([w, b], x=X, y=Y, server=server, name="bench", epochs=EPOCHS)
    wall, cpu = lesson(X, Y, w, b, run.log)
    t0 = time.perf_counter()
    run.done()
    assert run.status == "completed", run.status
    return wall, cpu, time.perf_counter() - t0


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}× ({min(values):.3f}–{max(values):.3f}×)"


def rounds(server: str | None, where: str) -> Figure:
    watched_round(server)  # warm up: the first run, the connection, the server's first batches
    cpu_ratios, wall_ratios, flush, per_epoch = [], [], [], []
    for _ in range(ROUNDS):
        base_wall, base_cpu = plain_round()
        wall, cpu, done_s = watched_round(server)
        cpu_ratios.append(cpu / base_cpu)
        wall_ratios.append(wall / base_wall)
        flush.append(done_s)
        per_epoch.append((base_cpu / EPOCHS * 1e6, cpu / EPOCHS * 1e6))
    median = statistics.median(cpu_ratios)
    plain_us = statistics.median(p for p, _ in per_epoch)
    watched_us = statistics.median(w for _, w in per_epoch)
    measured = f"CPU {spread(cpu_ratios)}; {plain_us:.0f} → {watched_us:.0f} µs an epoch"
    note = (
        f"{ROUNDS} rounds of {EPOCHS:,} epochs, alternating with the plain loop; CPU "
        f"time of the loop's process (its sender thread{', and the server' if server is None else ''}"
        f" included); wall clock {spread(wall_ratios)} on this shared machine; done() then sent "
        f"what was still queued in {statistics.median(flush):.2f} s (median)"
    )
    name = f"watch: log() on the lesson's loop, {where}"
    return Figure(name, f"≤ {GOAL:.2f}×", measured, median <= GOAL, note)


def measure() -> list[Figure]:
    lesson(*lesson_data(), epochs=500)  # warm up torch
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "server.log") as server:
        served = rounds(server.url, "gdviz serve")
    return [served, rounds(None, "gdviz in the loop's process (server=None)")]


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
