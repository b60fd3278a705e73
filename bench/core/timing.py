"""Small helpers every benchmark section shares: a median timer and a printable measurement."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """One printed figure. ``baseline`` (same unit, same run) turns it into a speed-up ratio."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    note: str = ""

    def row(self) -> str:
        ratio = ""
        if self.baseline and self.value > 0:  # no ratio to a zero (or missing) baseline
            times, word = (
                (self.baseline / self.value, "better")
                if self.baseline >= self.value
                else (self.value / self.baseline, "worse")
            )
            ratio = f"  ({times:.1f}x {word} than baseline {_fmt(self.baseline, self.unit)})"
        note = f"  [{self.note}]" if self.note else ""
        return f"{self.name:<48} {_fmt(self.value, self.unit):>12}{ratio}{note}"


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:.1f} µs"
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "bytes":
        return f"{value / 1024:.0f} KiB" if value < 1024**2 else f"{value / 1024**2:.2f} MiB"
    return f"{value:g} {unit}"


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()``; medians shrug off the odd slow run on a shared 2-core box."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
