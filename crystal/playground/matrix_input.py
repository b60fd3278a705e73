"""Turn what a person typed or drew into a grid of numbers, or say exactly which cell is wrong.

Two sources feed the playground: a table of editable cells (whatever ``st.data_editor`` hands
back: a DataFrame or a list of rows holding numbers, text or ``None``) and a freehand drawing
(an RGBA image). Both end up as a 2-D float array; the table also goes the other way
(``to_cells``) so presets appear as readable text such as ``1/9``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from crystal.numbers import format_number, grid_texts

MAX_SIDE = 64
"""Largest grid the playground accepts; 28x28 (an MNIST digit) fits with room to spare."""

MAX_ABS = 1_000_000
"""Largest size of a typed number: beyond it products and sums stop being readable in a cell."""

_MAX_LISTED = 4


def parse_matrix(cells: Any, *, what: str = "input", max_side: int = MAX_SIDE) -> np.ndarray:
    """Read a table of cells into a float array, naming every blank or non-numeric cell.

    Accepts numbers, and text such as ``"2"``, ``" -1.5 "``, ``"−3"`` (true minus), ``"0,5"``
    (decimal comma) or ``"1/9"``, up to ``MAX_ABS`` in size. Rows and columns in messages count
    from 1, as on screen.

    Examples
    --------
    >>> parse_matrix([["1", "1/2"], [None, "x"]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Some input cells are not usable numbers: row 2, column 1 is blank; row 2, column 2 holds 'x'. Type...
    >>> parse_matrix([["1", "1/2"], [3, "−4"]])
    array([[ 1. ,  0.5],
           [ 3. , -4. ]])
    """
    rows = _rows(cells, what)
    if not rows or not rows[0]:
        raise ValueError(f"The {what} is empty: it needs at least one row and one column.")
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError(f"Every row of the {what} must have the same number of cells.")
    if len(rows) > max_side or width > max_side:
        raise ValueError(
            f"The {what} is {len(rows)}×{width}; this playground handles up to {max_side}×{max_side} "
            "so every cell stays visible. Use a smaller grid."
        )
    values = np.empty((len(rows), width))
    problems: list[str] = []
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row, start=1):
            value = parse_number(cell)
            if value is None:
                blank = cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""
                problems.append(f"row {r}, column {c} " + ("is blank" if blank else f"holds {str(cell).strip()!r}"))
            elif abs(value) > MAX_ABS:
                problems.append(f"row {r}, column {c} holds {str(cell).strip()!r}, which is too large")
            else:
                values[r - 1, c - 1] = value
    if problems:
        listed = "; ".join(problems[:_MAX_LISTED])
        if len(problems) > _MAX_LISTED:
            listed += f"; and {len(problems) - _MAX_LISTED} more"
        raise ValueError(
            f"Some {what} cells are not usable numbers: {listed}. Type a number between "
            f"−{MAX_ABS:,} and {MAX_ABS:,} in every cell (decimals like 0.5 and fractions like 1/9 are fine)."
        )
    return values


def parse_number(cell: Any) -> float | None:
    """One cell as a finite float, or None when it is blank, text, infinite or NaN.

    Examples
    --------
    >>> parse_number(" 2 "), parse_number("1/4"), parse_number("0,5"), parse_number("abc")
    (2.0, 0.25, 0.5, None)
    """
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        value = float(cell)
    else:
        text = str(cell).strip().replace("−", "-").replace(" ", "")
        if text.count(",") == 1 and "." not in text and "/" not in text:
            text = text.replace(",", ".")
        try:
            value = float(Fraction(text)) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError):
            return None
    return value if math.isfinite(value) else None


def to_cells(values: np.ndarray) -> list[list[str]]:
    """Cell text for an editable table: whole numbers plain, simple fractions as ``a/b``.

    Examples
    --------
    >>> to_cells(np.array([[1.0, 1 / 9], [-0.5, 0.123456]]))
    [['1', '1/9'], ['−1/2', '0.123']]
    """
    return grid_texts(values, _cell_text)


def _cell_text(value: float) -> str:
    fraction = Fraction(value).limit_denominator(16)
    if fraction.denominator != 1 and abs(float(fraction) - value) < 1e-9:
        return f"{fraction.numerator}/{fraction.denominator}".replace("-", "−")
    return format_number(value)


def drawing_to_grid(rgba: np.ndarray, n: int, *, decimals: int = 1) -> np.ndarray:
    """Shrink a drawing to ``n`` x ``n`` cells, each the share of its area covered by ink (0..1).

    Ink is dark, opaque paint: ``alpha * (1 - brightness)``, so black strokes on a transparent or
    white background both count, and white paint counts as none. Each cell averages exactly the
    pixel area it covers (fractions of pixels included), so nothing is lost when the canvas size
    is not a multiple of ``n``. Values are rounded to ``decimals`` so every cell reads at a glance.

    Examples
    --------
    >>> image = np.zeros((4, 4, 4), dtype=np.uint8)
    >>> image[:2, :2, 3] = 255  # black ink in the top-left quarter
    >>> drawing_to_grid(image, 2)
    array([[1., 0.],
           [0., 0.]])
    """
    image = np.asarray(rgba, dtype=float)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or min(image.shape[:2]) < 1:
        raise ValueError("The drawing must be an RGB or RGBA image.")
    if not 1 <= n <= min(MAX_SIDE, *image.shape[:2]):
        raise ValueError(f"The grid size must be between 1 and {min(MAX_SIDE, *image.shape[:2])} (got {n}).")
    alpha = image[..., 3] / 255.0 if image.shape[2] == 4 else 1.0
    brightness = image[..., :3].mean(axis=2) / 255.0
    ink = alpha * (1.0 - brightness)
    rows = _area_weights(image.shape[0], n)
    cols = _area_weights(image.shape[1], n)
    return np.round(rows @ ink @ cols.T, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def _area_weights(pixels: int, cells: int) -> np.ndarray:
    """``cells`` x ``pixels`` matrix: how much of each pixel falls in each cell, rows summing to 1."""
    edges = np.linspace(0.0, pixels, cells + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(pixels)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0.0, None)
    return overlap / (ends - starts)


def _rows(cells: Any, what: str) -> list[list[Any]]:
    if hasattr(cells, "to_numpy"):  # a pandas DataFrame, without importing pandas here
        cells = cells.to_numpy(dtype=object)
    try:
        return [list(row) for row in cells]
    except TypeError:
        raise ValueError(f"The {what} must be a table of rows and columns.") from None
