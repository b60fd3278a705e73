"""Moments when the whole machine stood still, seen from a process outside the server.

A load run on a shared virtual machine now and then freezes for up to a second or two: every thread
of every process, a tiny one that only sleeps included, wakes that much late. Such a freeze lands
on every rerun under way and says nothing about the app. :func:`watch` starts such a tiny process
(``python -m bench.stalls FILE``): it sleeps :data:`TICK` seconds at a time, at the highest CPU
priority it is allowed, and writes a line to ``FILE`` for each wake later than :data:`STALL`
seconds. :func:`read` gives those moments back, so the load benchmark can show the reruns that
no freeze touched beside all of them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TICK, STALL = 0.02, 0.25
Stall = tuple[float, float]  # (from, to), in seconds since the epoch


def main(log: str) -> None:
    # the highest priority allowed: real time where permitted, so the browsers' load never delays it
    with contextlib.suppress(PermissionError, AttributeError):
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
    with open(log, "a", encoding="utf-8") as file:
        last = time.time()
        while True:
            time.sleep(TICK)
            now = time.time()
            if now - last - TICK > STALL:
                file.write(f"{last + TICK:.3f}\t{now:.3f}\n")
                file.flush()
            last = now


@contextmanager
def watch(log: Path) -> Iterator[None]:
    """The watching process runs as long as the block, writing to ``log``. Start it before anything
    lowers this process's priority: it inherits that."""
    watcher = subprocess.Popen([sys.executable, "-m", "bench.stalls", str(log)], cwd=Path(__file__).parents[1])
    try:
        yield
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


def read(log: Path, since: float = 0) -> list[Stall]:
    """The stalls ``log`` holds that ended after ``since``."""
    stalls = []
    for line in log.read_text().splitlines() if log.exists() else []:
        start, end = map(float, line.split("\t"))
        if end > since:
            stalls.append((start, end))
    return stalls


def touched(start: float, seconds: float, stalls: list[Stall]) -> bool:
    """Whether the span from ``start`` for ``seconds`` overlaps one of ``stalls``.

    >>> touched(10.0, 0.5, [(10.4, 11.0)]), touched(10.0, 0.5, [(11.0, 12.0)])
    (True, False)
    """
    return any(begin < start + seconds and start < end for begin, end in stalls)


if __name__ == "__main__":
    main(sys.argv[1])
