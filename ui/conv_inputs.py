"""The playground's two inputs, the picture and the kernel: presets, typed cells or a drawing.

Each picker returns a float grid, or ``None`` once it has told the user what is missing or wrong,
so the page simply stops there. Editor keys are built from the preset, size and seed, so a new
choice starts a fresh table instead of carrying old edits over.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from crystal.playground import presets
from crystal.playground.matrix_input import drawing_to_grid
from ui.matrix_editor import matrix_editor

LEARNED_KEY = "learned_kernels"  # name -> 3x3 kernel, put here by the kernel-learning page (ui.learn)

LARGEST_GRID = 28
SOURCES = ("Preset", "Type your own", "Draw")


def choose_picture() -> np.ndarray | None:
    """Where the picture comes from, then that source's own controls."""
    source = st.radio("Where the picture comes from", SOURCES, key="conv_source", horizontal=True)
    return {"Preset": _picture_from_preset, "Type your own": _picture_typed, "Draw": _picture_drawn}[source]()


def choose_kernel() -> np.ndarray | None:
    """Kernel preset (or "your own" of a chosen size) in an editable table; ``None`` after an error."""
    learned = st.session_state.get(LEARNED_KEY, {})  # sent here from the kernel-learning page
    name = st.selectbox(
        "Kernel",
        [*presets.KERNEL_NAMES, *learned],
        key="conv_kernel",
        help="The small grid of weights that slides over the picture.",
    )
    if name in learned:
        st.caption("A kernel the tiny CNN learned by itself, from random numbers (page *Kernels that learn*).")
        start, cells_key = learned[name], f"conv_kernel_cells_{name}"
    elif name == presets.OWN_KERNEL_NAME:
        size = st.slider("Kernel size", 1, 7, 3, key="conv_kernel_size")
        st.caption(presets.OWN_KERNEL_DESCRIPTION)
        start, cells_key = presets.identity_kernel(size), f"conv_kernel_cells_own_{size}"
    else:
        st.caption(presets.KERNELS[name].description)
        start, cells_key = presets.KERNELS[name].values, f"conv_kernel_cells_{name}"
    return _grid_or_error(
        matrix_editor(
            start, key=cells_key, what="kernel", help="Type a weight; negative numbers and fractions like 1/9 are fine."
        )
    )


def _grid_or_error(result: np.ndarray | str) -> np.ndarray | None:
    if isinstance(result, str):
        st.error(result)
        return None
    return result


def _picture_from_preset() -> np.ndarray | None:
    name = st.selectbox("Preset picture", presets.IMAGE_NAMES, key="conv_image_preset")
    if name == presets.RANDOM_NAME:
        st.caption(presets.RANDOM_DESCRIPTION)
        size_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
        size = size_column.slider("Size", 3, LARGEST_GRID, 6, key="conv_random_size")
        if button_column.button("New numbers", key="conv_random_new"):
            st.session_state.conv_random_seed = st.session_state.get("conv_random_seed", 0) + 1
        seed = st.session_state.get("conv_random_seed", 0)
        start, cells_key = presets.random_image(size, seed), f"conv_image_cells_random_{size}_{seed}"
    else:
        st.caption(presets.IMAGES[name].description)
        start, cells_key = presets.IMAGES[name].values, f"conv_image_cells_{name}"
    return _grid_or_error(matrix_editor(start, key=cells_key, what="input", help="Click a cell to change it."))


def _picture_typed() -> np.ndarray | None:
    rows_column, cols_column = st.columns(2)
    rows = rows_column.number_input("Rows", 1, LARGEST_GRID, 5, key="conv_rows")
    cols = cols_column.number_input("Columns", 1, LARGEST_GRID, 5, key="conv_cols")
    st.caption("Every cell starts at 0: click one and type a number (like 2, −1.5 or 1/9).")
    start = np.zeros((rows, cols))
    return _grid_or_error(
        matrix_editor(
            start,
            key=f"conv_image_cells_typed_{rows}x{cols}",
            what="input",
            help="Type a number; decimals and fractions like 1/9 are fine.",
        )
    )


def _picture_drawn() -> np.ndarray | None:
    from streamlit_drawable_canvas import st_canvas  # the drawing component loads only when asked for

    n = st.slider(
        "Grid size (cells per side)",
        5,
        LARGEST_GRID,
        10,
        key="conv_grid",
        help="The drawing is cut into this many rows and columns; each cell gets the share of it "
        "covered by ink, from 0 (paper) to 1 (fully inked).",
    )
    drawing = st_canvas(
        stroke_width=24,
        stroke_color="#000",
        background_color="#fff",
        height=280,
        width=280,
        drawing_mode="freedraw",
        key="conv_canvas",
        return_image_data=True,
    )
    grid = None if drawing.image_data is None else drawing_to_grid(drawing.image_data, n)
    if grid is None or not grid.any():
        st.info(
            "Draw something on the white square with the mouse (a digit works well), and it becomes "
            f"a {n}×{n} grid of numbers below."
        )
        return None
    return grid
