"""A square to draw on with the mouse or a finger, read back as a grid of ink shares.

The playground's picture and the kernel-learning page's training and test pictures are all drawn
here, so the paper and how a drawing becomes numbers
(:func:`crystal.playground.matrix_input.drawing_to_grid`) are the same on every page.
"""

from __future__ import annotations

import numpy as np

from crystal.playground.matrix_input import drawing_to_grid


def drawn_grid(key: str, cells: int, *, size: int = 224, stroke: int = 20) -> np.ndarray | None:
    """A ``size``-pixel drawing pad; what is drawn as a ``cells`` x ``cells`` grid (1 is fully
    inked), or None while nothing is drawn."""
    from streamlit_drawable_canvas import st_canvas  # the drawing component loads only when asked for

    drawing = st_canvas(
        stroke_width=stroke,
        stroke_color="#000",
        background_color="#fff",
        height=size,
        width=size,
        drawing_mode="freedraw",
        key=key,
        return_image_data=True,
    )
    if drawing.image_data is None:
        return None
    grid = drawing_to_grid(drawing.image_data, cells)
    return grid if grid.any() else None
