"""The kernel-learning page's tiny CNN: how long a training step and an epoch take, and how many cores.

A step must answer within about a second on a 2-core server and leave a core for other visitors.
The baseline is the same step through ``model.fit`` on that one batch (Keras' whole training loop
set up for it), which is how one would write it without thinking about speed. Cores used is the
process's CPU time over the wall time, during the steps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from bench.core.timing import Measurement, median_seconds

STEP_GOAL = 1.0  # seconds


def run(repeats: int) -> Iterator[Measurement]:
    from crystal.learn.network import BATCH, Run

    run = Run(seed=0)
    pictures, labels = run.train[0][:BATCH], run.train[1][:BATCH]
    baseline = median_seconds(lambda: run.model.fit(pictures, labels, epochs=1, verbose=0), repeats)
    cpu, wall = time.process_time(), time.perf_counter()
    step = median_seconds(run.step, repeats * 10)
    cores = (time.process_time() - cpu) / (time.perf_counter() - wall)
    yield Measurement(
        "tiny CNN: one training step (32 pictures)",
        step,
        "s",
        baseline=baseline,
        note=f"goal < {STEP_GOAL:g} s; baseline: model.fit on the same batch; {cores:.1f} cores busy",
    )
    epoch = median_seconds(run.run_epoch, max(1, repeats // 2), warmup=0)
    yield Measurement(f"tiny CNN: one epoch ({run.steps_per_epoch} steps and the held-out check)", epoch, "s")
