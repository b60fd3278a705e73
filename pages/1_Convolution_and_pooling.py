"""Convolution & pooling playground: draw or type a small picture and watch a kernel slide over it.

The numbers come from :mod:`crystal.playground.ops` and :mod:`crystal.playground.classify`; this page only gathers the
inputs and shows each stage (convolution, ReLU, pooling, then flatten, dropout, dense and softmax)
one step at a time. Only the step on screen is traced, so a rerun costs a few small HTML heatmaps
whatever the grid size.
"""

import numpy as np
import streamlit as st

from crystal import numbers
from crystal.playground import ops, presets
from ui.conv_inputs import choose_kernel, choose_picture
from ui.conv_steps import walkthrough
from ui.matrix_figures import heatmap
from ui.navigation import sidebar_navigation
from ui.network_end import dense_step, dropout_step, flatten_step, softmax_step
from ui.server import timing

st.set_page_config(page_title="Convolution & pooling", page_icon="🧮", layout="wide")
run_timing = timing.page_started("playground")
sidebar_navigation()

POOL_INPUTS = ("The result above", presets.POOL_EXAMPLE.name)


def chart(grid_html: str) -> None:
    st.html(grid_html)


def dims(grid: np.ndarray) -> str:
    return numbers.dims(grid.shape)


st.title("🧮 Convolution & pooling playground")
st.markdown(
    """
A **convolution** slides a small grid of weights, the **kernel**, over a picture. At each place it
multiplies every number under it by the matching weight and adds the products up: that sum is one
cell of the output, the *feature map*, which is big wherever the picture looks like the kernel.
**ReLU** then replaces negative numbers by 0, and **pooling** shrinks the map by keeping only the
largest (or the average) number of each small block. Then the network's end: the pooled grid is
**flattened** into a list, a **dense** layer weighs it into a score for *crystal* and one for *no
crystal*, and **softmax** turns the scores into chances (**dropout** switches entries off while the
network trains). Change anything below and step through it.
"""
)

picture_column, kernel_column = st.columns([3, 2], gap="large")
with picture_column:
    st.subheader("The picture")
    image = choose_picture()
with kernel_column:
    st.subheader("The kernel")
    kernel = choose_kernel()
if image is None or kernel is None:
    st.stop()


def convolution_step(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    st.header("1 · Convolution")
    stride_column, padding_column = st.columns(2)
    stride = stride_column.number_input(
        "Stride",
        1,
        4,
        1,
        key="conv_stride",
        help="How many cells the kernel moves at each step. 2 skips every other place and halves the output.",
    )
    padding = padding_column.number_input(
        "Zero padding",
        0,
        3,
        1,
        key="conv_padding",
        help="Rings of zeros added around the picture, so the kernel can also sit "
        "on the edges. Padding 1 with a 3×3 kernel keeps the size unchanged.",
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

    def show_conv_step(index: int) -> None:
        step = ops.conv_step(image, kernel, index, stride=stride, padding=padding)
        cell = (slice(step.out_row, step.out_row + 1), slice(step.out_col, step.out_col + 1))
        if max(padded.shape) > 12:  # big grids get half the width each, kernel and products go below
            top, bottom = st.columns(2), st.columns([1, 1, 2])
            columns = (top[0], bottom[0], bottom[1], top[1])
        else:
            columns = st.columns([2, 1, 1, 2])
        with columns[0]:
            chart(
                heatmap(
                    padded,
                    title=f"Input {dims(padded)}",
                    window=(step.rows, step.cols),
                    outline=inner if padding else None,
                )
            )
        with columns[1]:
            chart(heatmap(kernel, title=f"Kernel {dims(kernel)}"))
        with columns[2]:
            chart(heatmap(step.products, title="Window × kernel"))
        with columns[3]:
            chart(
                heatmap(
                    ops.partial_output(feature_map, index + 1),
                    title=f"Output {dims(feature_map)}",
                    window=cell,
                    value_range=(feature_map.min(), feature_map.max()),
                )
            )
        st.markdown(
            f"**Step {index + 1}:** the orange window multiplies cell by cell with the kernel; the "
            f"products add up to output row {step.out_row + 1}, column {step.out_col + 1}."
        )
        st.code(step.equation(), language=None, wrap_lines=True)

    walkthrough(
        feature_map.size,
        key="conv_walk",
        label="Convolution step",
        show=show_conv_step,
        help="Move the kernel to any position; the last step shows the whole output.",
    )
    return feature_map


def relu_step(feature_map: np.ndarray) -> np.ndarray:
    st.header("2 · ReLU")
    if not st.toggle(
        "Apply ReLU", value=True, key="conv_relu", help="ReLU keeps positive numbers and turns negative ones into 0."
    ):
        st.caption("ReLU is switched off: pooling works on the feature map as it is.")
        return feature_map
    activated = ops.relu(feature_map)
    negatives = int((feature_map < 0).sum())
    st.markdown(
        f"y = max(0, x): **{negatives}** negative cell{'s' if negatives != 1 else ''} "
        "became 0; everything else passes unchanged."
    )
    before, after = st.columns(2)
    with before:
        chart(heatmap(feature_map, title="Feature map"))
    with after:
        chart(heatmap(activated, title="After ReLU"))
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
    pool_mode = mode_column.radio(
        "Pooling type",
        ("max", "avg"),
        key="conv_pool_mode",
        horizontal=True,
        format_func={"max": "Max", "avg": "Average"}.get,
        help="Max keeps the strongest response in each block; average smooths them.",
    )
    pool_size = size_column.number_input(
        "Pooling window", 1, 4, 2, key="conv_pool_size", help="The side of each block that becomes one number."
    )
    pool_stride = stride_column.number_input(
        "Pooling stride",
        1,
        4,
        2,
        key="conv_pool_stride",
        help="How far the pooling window moves; equal to the window for no overlap.",
    )
    grid = activated if pool_input == POOL_INPUTS[0] else presets.POOL_EXAMPLE.values
    try:
        pooled = ops.pool2d(grid, size=pool_size, stride=pool_stride, mode=pool_mode)
    except ValueError as err:
        st.error(str(err))
        st.stop()
    st.markdown(
        f"{'Max' if pool_mode == 'max' else 'Average'} pooling with a {pool_size}×{pool_size} window and "
        f"stride {pool_stride} turns the {dims(grid)} grid into **{dims(pooled)}**. Windows that would "
        "stick out of the grid are skipped."
    )
    st.code(
        f"rows:    {ops.size_formula(grid.shape[0], pool_size, pool_stride, None)}\n"
        f"columns: {ops.size_formula(grid.shape[1], pool_size, pool_stride, None)}",
        language=None,
    )

    def show_pool_step(index: int) -> None:
        step = ops.pool_step(grid, index, size=pool_size, stride=pool_stride, mode=pool_mode)
        cell = (slice(step.out_row, step.out_row + 1), slice(step.out_col, step.out_col + 1))
        left, right = st.columns(2)
        with left:
            chart(heatmap(grid, title=f"Pooling input {dims(grid)}", window=(step.rows, step.cols)))
        with right:
            chart(
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
        show=show_pool_step,
        help="Move the pooling window; the last step shows the whole pooled grid.",
    )
    return pooled


@st.fragment
def through_the_network(image: np.ndarray, kernel: np.ndarray) -> None:
    """Steps 1 to 7, each with its own settings. Streamlit reruns only this part when one of them
    changes, so the picture and kernel editors above are not rebuilt after every click."""
    rerun_timing = timing.fragment_started("playground")
    pooled = pooling_step(relu_step(convolution_step(image, kernel)))
    scores = dense_step(dropout_step(flatten_step(pooled)), pooled.shape)  # 4-6: the end of the network
    if scores is None:
        st.stop()
    softmax_step(scores)
    timing.page_done(rerun_timing)


through_the_network(image, kernel)
timing.page_done(run_timing)
