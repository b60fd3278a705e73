"""The playground's two inputs, the picture and the kernel: presets, typed cells or a drawing.

Each picker returns a float grid, or ``None`` when there is none yet. While a class types live, a
cell that is not a number yet must not blank the steps below: the error is shown above, and the
picker hands back the last good grid (the steps say it is the last good one). Editor keys are built
from the preset, size, seed and starting cells, so a new choice starts a fresh table instead of
carrying old edits over. The widgets take their values from session state (seeded from a shared
link by :func:`ui.share.open_shared`), and what the pickers show is written back for the link by
:func:`shared_grids`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from crystal.playground import presets
from crystal.playground.matrix_input import grid_from_text, grid_to_text
from crystal.vision.images import photo_id
from ui import share
from ui.drawing_pad import drawn_grid
from ui.matrix_editor import COLUMN_WIDTH, matrix_editor

LEARNED_KEY = "learned_kernels"  # name -> 3x3 kernel, put here by the kernel-learning page (ui.learn)
LARGEST_GRID, LARGEST_KERNEL = 28, 7
SOURCES = ("Preset", "Type your own", "Draw")
OWN_KERNEL = presets.OWN_KERNEL_NAME
CELL_PIXELS = COLUMN_WIDTH  # a table's column; its row numbers take about one more
SIDE_BY_SIDE_PIXELS = 530  # two columns' room on a 1024-pixel screen with the sidebar open
DRAWING_PAD_PIXELS = 280


def _kernel_name(name: str) -> str:
    """A kernel's name as a link writes it: a learned kernel travels as your own, with its cells."""
    return name if name in presets.KERNEL_NAMES else OWN_KERNEL


def _grid_text(text: str, side: int, what: str) -> str:
    grid = grid_from_text(text, max_side=side, what=what)
    if what == "kernel" and grid.shape[0] != grid.shape[1]:
        raise ValueError("the kernel is not square")
    return text


RANDOM_SIZE = share.whole_number("size", "conv_random_size", 3, LARGEST_GRID, 6)
ROWS = share.whole_number("rows", "conv_rows", 1, LARGEST_GRID, 5)
COLUMNS = share.whole_number("cols", "conv_cols", 1, LARGEST_GRID, 5)
DRAWN_GRID = share.whole_number("grid", "conv_grid", 5, LARGEST_GRID, 10)
KERNEL_SIZE = share.whole_number("ksize", "conv_kernel_size", 1, LARGEST_KERNEL, 3)
SOURCE = share.choice("picture", "conv_source", list(SOURCES))
PRESET = share.choice("preset", "conv_image_preset", list(presets.IMAGE_NAMES))
KERNEL = share.Setting(
    "kernel", "conv_kernel", presets.KERNEL_NAMES[0], _kernel_name, share.reads_choice(list(presets.KERNEL_NAMES))
)
SETTINGS = [
    SOURCE,
    PRESET,
    RANDOM_SIZE,
    share.whole_number("seed", "conv_random_seed", 0, 10**9, 0),
    ROWS,
    COLUMNS,
    share.seed("cells", "conv_typed_start", lambda text: _grid_text(text, LARGEST_GRID, "picture")),
    DRAWN_GRID,
    KERNEL,
    KERNEL_SIZE,
    share.seed("kcells", "conv_kernel_start", lambda text: _grid_text(text, LARGEST_KERNEL, "kernel")),
]
"""What the inputs share: the source and its settings, and typed (or drawn, or edited) cells."""


def input_columns() -> tuple:
    """Where the picture and the kernel go: side by side, each as wide as its table, when both tables
    fit on a 1024-pixel projector with the sidebar open; otherwise the picture above the kernel, so
    that no table is cut at its column's edge."""
    picture, kernel = (CELL_PIXELS * (columns + 1) for columns in (_picture_columns(), _kernel_columns()))
    if picture + kernel <= SIDE_BY_SIDE_PIXELS:
        return st.columns([picture, kernel], gap="medium")
    return st.container(), st.container()


def _picture_columns() -> int:
    """How many columns the picture about to be shown has, from its widgets' values."""
    state = st.session_state
    source = state.get(SOURCE.key, SOURCE.default)
    if source == "Type your own":
        return state.get(COLUMNS.key, COLUMNS.default)
    if source == "Draw":
        return DRAWING_PAD_PIXELS // CELL_PIXELS  # the pad, whatever its grid
    name = state.get(PRESET.key, PRESET.default)
    if name == presets.RANDOM_NAME:
        return state.get(RANDOM_SIZE.key, RANDOM_SIZE.default)
    return presets.IMAGES[name].values.shape[1]


def _kernel_columns() -> int:
    """How many columns the kernel about to be shown has, from its widgets' values."""
    name = st.session_state.get(KERNEL.key, KERNEL.default)
    if name in presets.KERNELS:
        return presets.KERNELS[name].values.shape[1]
    if name == OWN_KERNEL:
        return st.session_state.get(KERNEL_SIZE.key, KERNEL_SIZE.default)
    return 3  # a learned kernel


def choose_picture() -> np.ndarray | None:
    """Where the picture comes from, then that source's own controls."""
    shared = st.session_state.pop("conv_typed_start", None)
    if shared:  # a shared link's typed, drawn or edited cells: a typed picture that starts from them
        st.session_state["conv_typed_cells"] = grid_from_text(shared, max_side=LARGEST_GRID)
        st.session_state[SOURCE.key] = "Type your own"
        st.session_state[ROWS.key], st.session_state[COLUMNS.key] = st.session_state["conv_typed_cells"].shape
    source = st.radio("Where the picture comes from", SOURCES, key=SOURCE.key, horizontal=True)
    return {"Preset": _picture_from_preset, "Type your own": _picture_typed, "Draw": _picture_drawn}[source]()


def choose_kernel() -> np.ndarray | None:
    """Kernel preset (or "your own" of a chosen size) in an editable table; the last good one while
    a cell is not a number."""
    learned = st.session_state.get(LEARNED_KEY, {})  # sent here from the kernel-learning page
    shared = st.session_state.pop("conv_kernel_start", None)
    if shared:  # a shared link's typed or edited kernel: your own kernel, starting from it
        st.session_state["conv_kernel_cells"] = grid_from_text(shared, max_side=LARGEST_KERNEL)
        st.session_state[KERNEL.key] = OWN_KERNEL
        st.session_state[KERNEL_SIZE.key] = st.session_state["conv_kernel_cells"].shape[0]
    name = st.selectbox(
        "Kernel",
        [*presets.KERNEL_NAMES, *learned],
        key=KERNEL.key,
        help="The small grid of weights that slides over the picture.",
    )
    if name in learned:
        st.caption("A kernel the tiny CNN learned by itself, from random numbers (page *Kernels that learn*).")
        start, cells_key = learned[name], f"conv_kernel_cells_{name}"
    elif name == OWN_KERNEL:
        size = KERNEL_SIZE.widget(st.slider, "Kernel size")
        st.caption(presets.OWN_KERNEL_DESCRIPTION)
        start = _starting(presets.identity_kernel(size), "conv_kernel_cells")
        cells_key = f"conv_kernel_cells_own_{size}_{_digest(start)}"
    else:
        st.caption(presets.KERNELS[name].description)
        start, cells_key = presets.KERNELS[name].values, f"conv_kernel_cells_{name}"
    edited = matrix_editor(
        start, key=cells_key, what="kernel", help="Type a weight; negative numbers and fractions like 1/9 are fine."
    )
    kernel = _last_good(edited, "kernel")
    st.session_state["conv_shared_kernel"] = (
        None if kernel is None or _is_preset(name, kernel) else grid_to_text(kernel)
    )
    return kernel


def shared_grids() -> dict[str, str]:
    """The typed, drawn or edited cells on screen, as a link carries them (none for a preset as it is)."""
    grids = {"cells": st.session_state.get("conv_shared_picture"), "kcells": st.session_state.get("conv_shared_kernel")}
    return {name: text for name, text in grids.items() if text}


def _last_good(result: np.ndarray | str, what: str) -> np.ndarray | None:
    """The grid, or after a bad cell the message and the last good grid (None if there is none)."""
    key = f"conv_last_good_{what}"
    if isinstance(result, str):
        kept = st.session_state.get(key)
        st.error(
            result + (f" Until it is fixed, the steps below show your last good {what}." if kept is not None else "")
        )
        return kept
    st.session_state[key] = result
    return result


def _is_preset(name: str, kernel: np.ndarray) -> bool:
    preset = presets.KERNELS.get(name)
    return preset is not None and preset.values.shape == kernel.shape and np.allclose(preset.values, kernel)


def _starting(blank: np.ndarray, key: str) -> np.ndarray:
    """The cells a shared link brought (kept under ``key``) when they have this size, else ``blank``."""
    shared = st.session_state.get(key)
    return shared if shared is not None and shared.shape == blank.shape else blank


def _digest(grid: np.ndarray) -> str:
    return photo_id(np.asarray(grid, float).tobytes())[:8]


def _shown_picture(picture: np.ndarray | None, preset: np.ndarray | None = None) -> np.ndarray | None:
    """Remember the picture on screen for the share link: its cells, unless it is the preset as it is."""
    same = picture is not None and preset is not None and preset.shape == picture.shape and np.allclose(preset, picture)
    st.session_state["conv_shared_picture"] = None if picture is None or same else grid_to_text(picture)
    return picture


def _picture_from_preset() -> np.ndarray | None:
    name = st.selectbox("Preset picture", presets.IMAGE_NAMES, key=PRESET.key)
    if name == presets.RANDOM_NAME:
        st.caption(presets.RANDOM_DESCRIPTION)
        size_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
        size = RANDOM_SIZE.widget(size_column.slider, "Size")
        if button_column.button("New numbers", key="conv_random_new"):
            st.session_state.conv_random_seed += 1
        seed = st.session_state.conv_random_seed
        start, cells_key = presets.random_image(size, seed), f"conv_image_cells_random_{size}_{seed}"
    else:
        st.caption(presets.IMAGES[name].description)
        start, cells_key = presets.IMAGES[name].values, f"conv_image_cells_{name}"
    picture = _last_good(
        matrix_editor(start, key=cells_key, what="input", help="Click a cell to change it."), "picture"
    )
    return _shown_picture(picture, start)


def _picture_typed() -> np.ndarray | None:
    rows_column, cols_column = st.columns(2)
    rows = ROWS.widget(rows_column.number_input, "Rows")
    cols = COLUMNS.widget(cols_column.number_input, "Columns")
    st.caption("Every cell starts at 0: click one and type a number (like 2, −1.5 or 1/9).")
    start = _starting(np.zeros((rows, cols)), "conv_typed_cells")
    edited = matrix_editor(
        start,
        key=f"conv_image_cells_typed_{rows}x{cols}_{_digest(start)}",
        what="input",
        help="Type a number; decimals and fractions like 1/9 are fine.",
    )
    return _shown_picture(_last_good(edited, "picture"))


def _picture_drawn() -> np.ndarray | None:
    n = DRAWN_GRID.widget(
        st.slider,
        "Grid size (cells per side)",
        help="The drawing is cut into this many rows and columns; each cell gets the share of it "
        "covered by ink, from 0 (paper) to 1 (fully inked).",
    )
    grid = drawn_grid("conv_canvas", n, size=DRAWING_PAD_PIXELS, stroke=24)
    if grid is None:
        st.info(
            "Draw something on the white square with the mouse (a digit works well), and it becomes "
            f"a {n}×{n} grid of numbers below."
        )
        return _shown_picture(None)
    return _shown_picture(grid)
