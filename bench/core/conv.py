"""Speed of the convolution playground's numerics: conv2d itself and one step of the walk-through.

Baselines, measured in the same run: a pure-Python loop convolution, and tracing every step up
front. The page around them (a rerun after an edit, click to screen) is timed by the dev-only page
benchmark, ``python -m bench pages``.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.core.timing import Measurement, median_seconds
from crystal.playground import ops, presets


def run(repeats: int) -> Iterator[Measurement]:
    kernel = presets.KERNELS["Vertical edge (Sobel)"].values
    image = presets.random_image(28, seed=1)
    fast = median_seconds(lambda: ops.conv2d(image, kernel), repeats * 20)
    loop = median_seconds(lambda: loop_conv2d(image.tolist(), kernel.tolist()), repeats)
    yield Measurement(
        "conv2d 28×28 with a 3×3 kernel",
        fast,
        "s",
        baseline=loop,
        note=f"{fast * 1e6:.0f} µs; baseline: pure-Python loops",
    )
    one = median_seconds(lambda: ops.conv_step(image, kernel, 300), repeats * 20)
    every = median_seconds(lambda: list(ops.conv_trace(image, kernel)), repeats)
    yield Measurement(
        "one step of the 28×28 walk-through",
        one,
        "s",
        baseline=every,
        note=f"{one * 1e6:.0f} µs; baseline: tracing all 676 steps",
    )


def loop_conv2d(x: list[list[float]], kernel: list[list[float]]) -> list[list[float]]:
    """Textbook convolution (stride 1, no padding) in plain Python: the speed conv2d is compared with."""
    k_rows, k_cols = len(kernel), len(kernel[0])
    return [
        [
            sum(x[r + i][c + j] * kernel[i][j] for i in range(k_rows) for j in range(k_cols))
            for c in range(len(x[0]) - k_cols + 1)
        ]
        for r in range(len(x) - k_rows + 1)
    ]
