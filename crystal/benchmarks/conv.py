"""Speed of the convolution playground: one page rerun after a cell edit, and conv2d itself.

A rerun is timed server-side with Streamlit's AppTest (edit one cell, run the page). Its baseline
is the naive way to build the same page: a pure-Python loop convolution, a trace of every step,
and the walk-through's figures for every step built up front. The baseline is timed as plain
function calls, without the page around it, so the ratio it gives is a lower bound.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import numpy as np

from crystal import ops, presets
from crystal.benchmarks.timing import Measurement, median_seconds

PAGE = Path(__file__).resolve().parents[2] / "pages" / "1_Convolution_and_pooling.py"


def run(repeats: int) -> Iterator[Measurement]:
    kernel = presets.KERNELS["Vertical edge (Sobel)"].values
    for label, image, setup, cells_key in (
        ("classic 5×5", presets.CLASSIC_IMAGE.values, _classic, "conv_image_cells_Classic 5×5 picture"),
        ("random 28×28", presets.random_image(28, seed=0), _random_28, "conv_image_cells_random_28_0"),
    ):
        rerun = _page_rerun(setup, cells_key, repeats)
        naive = median_seconds(lambda: _naive_page_work(image, kernel), max(1, repeats // 2), warmup=0)
        yield Measurement(f"page rerun after a cell edit, {label}", rerun, "s", baseline=naive,
                          note="baseline: loop conv + full trace + every step's figures")

    image = presets.random_image(28, seed=1)
    fast = median_seconds(lambda: ops.conv2d(image, kernel), repeats * 20)
    loop = median_seconds(lambda: loop_conv2d(image.tolist(), kernel.tolist()), repeats)
    yield Measurement("conv2d 28×28 with a 3×3 kernel", fast, "s", baseline=loop,
                      note=f"{fast * 1e6:.0f} µs; baseline: pure-Python loops")
    one = median_seconds(lambda: ops.conv_step(image, kernel, 300), repeats * 20)
    every = median_seconds(lambda: list(ops.conv_trace(image, kernel)), repeats)
    yield Measurement("one step of the 28×28 walk-through", one, "s", baseline=every,
                      note=f"{one * 1e6:.0f} µs; baseline: tracing all 676 steps")


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


def _naive_page_work(image: np.ndarray, kernel: np.ndarray) -> None:
    """What a rerun costs when every step is traced and drawn, whichever one is on screen."""
    from ui.matrix_figures import heatmap  # the page's own figure builder, so both sides draw alike

    output = np.array(loop_conv2d(image.tolist(), kernel.tolist()))
    for step in ops.conv_trace(image, kernel):
        heatmap(image, window=(step.rows, step.cols))
        heatmap(step.products)
        heatmap(ops.partial_output(output, step.index + 1))


def _page_rerun(setup, cells_key: str, repeats: int) -> float:
    """Median time of ``AppTest.run()`` after changing one input cell (a new value each time)."""
    from streamlit.testing.v1 import AppTest  # only the benchmark needs Streamlit here

    page = AppTest.from_file(str(PAGE), default_timeout=120)
    page.session_state["conv_kernel"] = "Vertical edge (Sobel)"
    setup(page)
    page.run()
    values = count(2)

    def edit_and_rerun() -> None:
        edit = {"edited_rows": {0: {"1": str(next(values))}}, "added_rows": [], "deleted_rows": []}
        page.session_state[cells_key] = edit
        page.run()
        if page.exception or page.error:
            raise RuntimeError(f"the page failed during the benchmark: {page.exception or page.error}")

    return median_seconds(edit_and_rerun, repeats)


def _classic(page) -> None:
    page.session_state["conv_image_preset"] = presets.CLASSIC_IMAGE.name


def _random_28(page) -> None:
    page.session_state["conv_image_preset"] = presets.RANDOM_NAME
    page.session_state["conv_random_size"] = 28
