"""The playground's grid steps: 1 · convolution, 2 · ReLU, 3 · pooling, each with its own settings,
and the whole walk through the network (steps 4-7 are :mod:`ui.network_end`).

The numbers come from :mod:`crystal.playground.ops`; each step draws its grids with
:func:`ui.matrix_figures.heatmap` and walks through its windows with :func:`ui.conv_steps.walkthrough`.
Only the step on screen is traced, so a rerun costs a few small HTML grids whatever the grid size.
On a projector (1024×768, sidebar open) one convolution step (input, kernel, products, output and
its arithmetic) fits on one screen: the four grids share one row, each column as wide as its grid.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from crystal import numbers
from crystal.playground import ops, presets
from ui import conv_inputs, network_end, share, site
from ui.conv_steps import walkthrough
from ui.matrix_figures import heatmap
from ui.server import timing

POOL_INPUTS = ("The result above", presets.POOL_EXAMPLE.name)
POOL_MODES = {"max": "Max", "avg": "Average"}
STRIDE = share.whole_number("stride", "conv_stride", 1, 4, 1)
PADDING = share.whole_number("padding", "conv_padding", 0, 3, 1)
WINDOW = share.whole_number("window", "conv_pool_size", 1, 4, 2)
POOL_STRIDE = share.whole_number("pool_stride", "conv_pool_stride", 1, 4, 2)
SETTINGS = [
    *conv_inputs.SETTINGS,
    STRIDE,
    PADDING,
    share.seed("step", "conv_walk_start", share.reads_whole_number(1, 10_000)),
    share.switch("relu", "conv_relu", True),
    share.choice("pool_input", "conv_pool_input", list(POOL_INPUTS)),
    share.choice("pooling", "conv_pool_mode", list(POOL_MODES)),
    WINDOW,
    POOL_STRIDE,
    share.seed("pool_step", "pool_walk_start", share.reads_whole_number(1, 10_000)),
    *network_end.SETTINGS,
]
"""Everything a teacher sets up on the playground, as a share link carries it."""


def shared_now() -> dict[str, str]:
    """The playground's settings as the share link and the address bar write them now."""
    steps = {"step": st.session_state.get("conv_walk_shared"), "pool_step": st.session_state.get("pool_walk_shared")}
    return share.current(SETTINGS, {**conv_inputs.shared_grids(), **{k: str(v) for k, v in steps.items() if v}})


@st.fragment
def through_the_network(image: np.ndarray, kernel: np.ndarray) -> None:
    """Steps 1 to 7, each with its own settings. Streamlit reruns only this part when one of them
    changes, so the picture and kernel editors above are not rebuilt after every click."""
    rerun_timing = timing.fragment_started(site.PLAYGROUND.timing)
    pooled = pooling_step(relu_step(convolution_step(image, kernel)))
    scores = network_end.dense_step(network_end.dropout_step(network_end.flatten_step(pooled)), pooled.shape)
    if scores is not None:
        network_end.softmax_step(scores)
    share.keep_in_address(shared_now())
    timing.page_done(rerun_timing)


def dims(grid: np.ndarray) -> str:
    return numbers.dims(grid.shape)


def convolution_step(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    st.header("1 · Convolution")
    stride_column, padding_column = st.columns(2)
    stride = STRIDE.widget(
        stride_column.number_input,
        "Stride",
        help="How many cells the kernel moves at each step. 2 skips every other place and halves the output.",
    )
    padding = PADDING.widget(
        padding_column.number_input,
        "Zero padding",
        help="Rings of zeros added around the picture, so the kernel can "
        "also sit on the edges. Padding 1 with a 3×3 kernel keeps the size unchanged.",
    )
    try:
        feature_map = ops.conv2d(image, kernel, stride=stride, padding=padding)
    except ValueError as err:
        st.error(str(err))
        st.stop()
    padded = ops.pad(image, padding)
    st.markdown(
        f"A {dims(image)} picture{f' padded to {dims(padded)}' if padding else ''} and a {dims(kernel)} kernel "
        f"with stride {stride} give a **{dims(feature_map)}** feature map. "
        "Output size = (n + 2·padding − k) / stride + 1, rounded down:"
    )
    st.code(
        f"rows:    {ops.size_formula(image.shape[0], kernel.shape[0], stride, padding)}\n"
        f"columns: {ops.size_formula(image.shape[1], kernel.shape[1], stride, padding)}",
        language=None,
    )
    inner = (slice(padding, padding + image.shape[0]), slice(padding, padding + image.shape[1]))

    def show(index: int) -> None:
        step = ops.conv_step(image, kernel, index, stride=stride, padding=padding)
        cell = (slice(step.out_row, step.out_row + 1), slice(step.out_col, step.out_col + 1))
        columns = _grid_columns(padded.shape[1], kernel.shape[1], kernel.shape[1], feature_map.shape[1])
        columns[0].html(
            heatmap(
                padded, title=f"Input {dims(padded)}", window=(step.rows, step.cols), outline=inner if padding else None
            )
        )
        columns[1].html(heatmap(kernel, title=f"Kernel {dims(kernel)}"))
        columns[2].html(heatmap(step.products, title="Products"))
        output = ops.partial_output(feature_map, index + 1)
        columns[3].html(
            heatmap(
                output,
                title=f"Output {dims(feature_map)}",
                window=cell,
                value_range=(feature_map.min(), feature_map.max()),
            )
        )
        st.markdown(
            f"**Step {index + 1}:** the orange window multiplies cell by cell with the kernel (*Products*); they "
            f"add up to output row {step.out_row + 1}, column {step.out_col + 1}."
        )
        st.code(step.equation(), language=None, wrap_lines=True)

    walkthrough(
        feature_map.size,
        key="conv_walk",
        label="Convolution step",
        show=show,
        help="Move the kernel to any position; the last step shows the whole output.",
    )
    return feature_map


def _grid_columns(*widths: int) -> list:
    """Columns side by side, each as wide as its grid, so every grid's cells are the same size; grids
    of more than 12 columns get two rows of columns instead."""
    if max(widths) <= 12:
        return st.columns([max(w, 2) for w in widths], gap="small")
    top, bottom = st.columns(2), st.columns([1, 1, 2])
    return [top[0], bottom[0], bottom[1], top[1]]


def relu_step(feature_map: np.ndarray) -> np.ndarray:
    st.header("2 · ReLU")
    if not st.toggle("Apply ReLU", key="conv_relu", help="ReLU keeps positive numbers and turns negative ones into 0."):
        st.caption("ReLU is switched off: pooling works on the feature map as it is.")
        return feature_map
    activated = ops.relu(feature_map)
    negatives = int((feature_map < 0).sum())
    st.markdown(
        f"y = max(0, x): **{negatives}** negative cell{'s' if negatives != 1 else ''} became 0; everything "
        "else passes unchanged."
    )
    before, after = st.columns(2)
    before.html(heatmap(feature_map, title="Feature map"))
    after.html(heatmap(activated, title="After ReLU"))
    return activated


def pooling_step(activated: np.ndarray) -> np.ndarray:
    st.header("3 · Pooling")
    input_column, mode_column, size_column, stride_column = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
    pool_input = input_column.radio(
        "What to pool",
        POOL_INPUTS,
        key="conv_pool_input",
        horizontal=True,
        help="The classic 4×4 example is the grid used in the well-known explanation of max pooling.",
    )
    mode = mode_column.radio(
        "Pooling type",
        list(POOL_MODES),
        key="conv_pool_mode",
        horizontal=True,
        format_func=POOL_MODES.get,
        help="Max keeps the strongest response in each block; average smooths them.",
    )
    size = WINDOW.widget(
        size_column.number_input,
        "Pooling window",
        help="The side of each block that becomes one number.",
    )
    stride = POOL_STRIDE.widget(
        stride_column.number_input,
        "Pooling stride",
        help="How far the pooling window moves; equal to the window for no overlap.",
    )
    grid = activated if pool_input == POOL_INPUTS[0] else presets.POOL_EXAMPLE.values
    try:
        pooled = ops.pool2d(grid, size=size, stride=stride, mode=mode)
    except ValueError as err:
        st.error(str(err))
        st.stop()
    st.markdown(
        f"{POOL_MODES[mode]} pooling with a {size}×{size} window and stride {stride} turns the {dims(grid)} "
        f"grid into **{dims(pooled)}**. Windows that would stick out of the grid are skipped."
    )
    st.code(
        f"rows:    {ops.size_formula(grid.shape[0], size, stride, None)}\n"
        f"columns: {ops.size_formula(grid.shape[1], size, stride, None)}",
        language=None,
    )

    def show(index: int) -> None:
        step = ops.pool_step(grid, index, size=size, stride=stride, mode=mode)
        cell = (slice(step.out_row, step.out_row + 1), slice(step.out_col, step.out_col + 1))
        left, right = _grid_columns(grid.shape[1], pooled.shape[1])[:2] if max(grid.shape) <= 12 else st.columns(2)
        left.html(heatmap(grid, title=f"Pooling input {dims(grid)}", window=(step.rows, step.cols)))
        right.html(
            heatmap(
                ops.partial_output(pooled, index + 1),
                title=f"Pooled {dims(pooled)}",
                window=cell,
                value_range=(pooled.min(), pooled.max()),
            )
        )
        st.code(step.equation(), language=None, wrap_lines=True)

    walkthrough(
        pooled.size,
        key="pool_walk",
        label="Pooling step",
        show=show,
        help="Move the pooling window; the last step shows the whole pooled grid.",
    )
    return pooled
