"""The memory a finished job holds while it is kept (an hour, up to GDVIZ_MAX_JOBS of them): its
records and wire form as it ended, against the wire form alone once compacted (``MemoryJob.compact``).
Jobs like the soak's largest: 2,000 epochs of mini-batches, a step event for each of 5,000 steps.
Not in ``make bench``: ``python bench/kept_jobs.py``."""

import gc
import statistics
import tracemalloc

import torch

from gdviz.config import JobConfig
from gdviz.job import Job
from gdviz.store.memory.jobs import MemoryJob
from gdviz.store.memory.log import MemoryLog

CONFIG = JobConfig(epochs=2000, mode="minibatch", batch_size=5, granularity="step")
JOBS = 5


def held_mb(compact: bool) -> float:
    """The memory JOBS finished jobs hold (MB per job), streamed once (their wire form built)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    handles = []
    for seed in range(JOBS):
        job = Job(CONFIG.model_copy(update={"seed": seed}), MemoryLog(), max_step_events=5000)
        job.run()
        handle = MemoryJob(job)
        handle.log.wire(0)  # a client watched it
        if compact:
            handle.compact()
        handles.append(handle)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert all(h.summary()["epochs_done"] == 2000 for h in handles)
    return held / JOBS / 1e6


def main(rounds: int = 3) -> None:
    torch.set_num_threads(1)
    held_mb(False)  # warm: the first jobs' imports and caches are not a job's
    kept, compacted = [], []
    for _ in range(rounds):
        kept.append(held_mb(False))
        compacted.append(held_mb(True))
    ratios = [c / k for c, k in zip(compacted, kept, strict=True)]
    print(
        f"kept as ended: {statistics.median(kept):.2f} MB per job ({min(kept):.2f}–{max(kept):.2f})"
    )
    print(
        f"compacted: {statistics.median(compacted):.2f} MB per job "
        f"({min(compacted):.2f}–{max(compacted):.2f}); ratio {statistics.median(ratios):.2f} "
        f"({min(ratios):.2f}–{max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
