"""Turn what a person typed or drew into a grid of numbers, or say exactly which cell is wrong.

Two sources feed the playground: a table of editable cells (whatever ``st.data_editor`` hands
back: a DataFrame or a list of rows holding numbers, text or ``None``) and a freehand drawing
(an RGBA image). Both end up as a 2-D float array; the table also goes the other way
(``to_cells``) so presets appear as readable text such as ``1/9``.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

import numpy as np

from crystal.numbers import format_number, grid_texts

MAX_SIDE = 64
"""Largest grid the playground accepts; 28x28 (an MNIST digit) fits with room to spare."""

MAX_ABS = 1_000_000
"""Largest size of a typed number: beyond it products and sums stop being readable in a cell."""

_MAX_LISTED = 4
_QUOTED = 20
"""Characters of a bad cell quoted in a message: enough to find it, never a pasted page."""
_MINUS = str.maketrans({dash: "-" for dash in "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"})
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+")


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
            value = read_cell(cell)
            if isinstance(value, str):
                problems.append(f"row {r}, column {c} {value}")
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
    """One cell as a finite float, or None when it is blank, text, ambiguous, infinite or NaN.

    Examples
    --------
    >>> parse_number(" 2 "), parse_number("1/4"), parse_number("0,5"), parse_number("–3"), parse_number("2.5/0.5")
    (2.0, 0.25, 0.5, -3.0, 5.0)
    >>> parse_number("abc"), parse_number("1,000")
    (None, None)
    """
    value = read_cell(cell)
    return None if isinstance(value, str) else value


def read_cell(cell: Any) -> float | str:
    """One cell as a float, or what is wrong with it, in words that follow "row 2, column 3".

    Minus signs people paste (−, –, ‐ and the like) count as minus; a fraction may have decimals
    on either side (2.5/0.5); a comma is read as a decimal comma (0,5), unless three digits follow
    it, when it may as well separate thousands (1,000), and the cell is refused rather than guessed.

    >>> read_cell("x" * 10_000)
    "holds 'xxxxxxxxxxxxxxxxxxxx…'"
    >>> read_cell("1,000")
    "holds '1,000': is the comma a thousands separator or a decimal comma? Type 1000 or 1.000"
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == "":
        return "is blank"
    if isinstance(cell, bool):
        return f"holds {_quoted(cell)}"
    if isinstance(cell, (int, float, np.integer, np.floating)):
        value: float | None = float(cell)
    else:
        text = str(cell).strip().translate(_MINUS).replace(" ", "")
        if _THOUSANDS.fullmatch(text):
            return (
                f"holds {_quoted(cell)}: is the comma a thousands separator or a decimal comma? "
                f"Type {text.replace(',', '')} or {text.replace(',', '.')}"
            )
        value = _number(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    if value is None or not math.isfinite(value):
        return f"holds {_quoted(cell)}"
    if abs(value) > MAX_ABS:
        return f"holds {_quoted(cell)}, which is too large"
    return value


def _number(text: str) -> float | None:
    """A decimal number or a fraction of two (``2.5/0.5``), or None."""
    try:
        if text.count("/") == 1:
            top, bottom = text.split("/")
            return float(Fraction(top)) / float(Fraction(bottom))
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


def _quoted(cell: Any) -> str:
    """The cell as typed, in quotes, cut to its first :data:`_QUOTED` characters."""
    text = str(cell).strip()
    return repr(text if len(text) <= _QUOTED else text[:_QUOTED] + "…")


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


def grid_to_text(values: np.ndarray) -> str:
    """A grid as a short text for a web address: rows joined by ``_``; a row of single digits 0-9
    written as its digits, otherwise its cells (as :func:`to_cells` writes them, with ``-`` for
    minus) joined by ``~``, a one-column grid's cells ending in ``~``.

    >>> grid_to_text(np.array([[1, 0, 1], [0, 1, 0]]))
    '101_010'
    >>> grid_to_text(np.array([[1, -0.5], [1 / 9, 2]]))
    '1~-1/2_1/9~2'
    >>> grid_to_text(np.array([[12], [3]]))
    '12~_3~'
    """
    grid = np.asarray(values, dtype=float)
    digits = grid.shape[1] > 1 and np.isin(grid, np.arange(10)).all()
    if digits:
        return "_".join("".join(str(int(v)) for v in row) for row in grid)
    cells = [[text.replace("−", "-") for text in row] for row in to_cells(grid)]
    return "_".join("~".join(row) + ("~" if grid.shape[1] == 1 else "") for row in cells)


def grid_from_text(text: str, *, max_side: int = MAX_SIDE, what: str = "grid") -> np.ndarray:
    """The grid :func:`grid_to_text` wrote; ValueError naming what is wrong with anything else.

    >>> grid_from_text("101_010").tolist()
    [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    >>> grid_from_text("1~-1/2_1/9~2").round(3).tolist()
    [[1.0, -0.5], [0.111, 2.0]]
    """
    rows = text.split("_")
    if len(rows) > max_side or len(text) > 2 * max_side * max_side * 8:
        raise ValueError(f"the {what} has more than {max_side} rows or is far too long")
    if "~" in text:
        cells = [row[:-1].split("~") if row.endswith("~") else row.split("~") for row in rows]
    else:
        cells = [list(row) for row in rows]
    if any(len(row) > max_side for row in cells):
        raise ValueError(f"the {what} has more than {max_side} columns")
    return parse_matrix(cells, what=what, max_side=max_side)
