"""How a number is written for people: short, with a true minus sign, the same on every page.

Every wing writes numbers through here, so a cell of the playground, a step of its arithmetic, a
chance on the crystal check and a weight in a verdict's sum read alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike


def format_number(value: float, *, signed: bool = False, decimals: int = 3) -> str:
    """Short, readable text for one number: whole numbers without ".0", others to ``decimals``.

    ``signed=True`` wraps negatives in brackets so they read well inside a sum, and a true
    minus sign (−) is used throughout. NaN (a cell not computed yet) becomes empty text.

    Examples
    --------
    >>> format_number(4.0), format_number(0.1111), format_number(-2, signed=True)
    ('4', '0.111', '(−2)')
    >>> format_number(2.46, decimals=1), format_number(float("nan"))
    ('2.5', '')
    """
    value = float(value)
    if math.isnan(value):
        return ""
    rounded = round(value, decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{int(rounded)}" if rounded.is_integer() else f"{rounded:.{decimals}f}".rstrip("0")
    text = text.replace("-", "−")
    return f"({text})" if signed and rounded < 0 else text


def grid_texts(values: ArrayLike, write: Callable[[float], str] = format_number) -> list[list[str]]:
    """Each cell of a 2-D grid as text, by ``write``; a value the grid repeats is written once
    (grids repeat their values, and writing a number costs more than looking it up).

    Examples
    --------
    >>> grid_texts(np.array([[1.0, 0.5], [1.0, np.nan]]))
    [['1', '0.5'], ['1', '']]
    """
    written: dict[float, str] = {}
    return [
        [written[v] if v in written else written.setdefault(v, write(v)) for v in row]
        for row in np.asarray(values, dtype=float).tolist()
    ]


def dims(shape: tuple[int, ...]) -> str:
    """A grid's shape the way people write it, for messages and titles.

    Examples
    --------
    >>> dims((28, 26))
    '28×26'
    """
    return "×".join(str(n) for n in shape)


def share_text(share: float) -> str:
    """A share of a whole in percent with one decimal, as arithmetic on the page writes it; a share
    that is not exactly 0 or 1 is never rounded to 0.0 % or 100.0 %.

    Examples
    --------
    >>> share_text(0.982), share_text(0.99971), share_text(0.00016), share_text(1.0)
    ('98.2 %', '> 99.9 %', '< 0.1 %', '100.0 %')
    """
    percent = 100 * float(share)
    if 0 < percent < 0.05:
        return "< 0.1 %"
    if 99.95 <= percent < 100:
        return "> 99.9 %"
    return f"{percent:.1f} %"


def chance_text(p: float) -> str:
    """A chance as every page writes it: whole percent, never 0 % or 100 %, which no model
    trained on a few photos can know.

    Examples
    --------
    >>> chance_text(0.0004), chance_text(0.074), chance_text(0.5), chance_text(0.9951)
    ('< 1 %', '7 %', '50 %', '> 99 %')
    """
    percent = 100 * float(p)
    if percent < 1:
        return "< 1 %"
    if percent > 99:
        return "> 99 %"
    return f"{percent:.0f} %"


def chance_value(p: float) -> float:
    """A chance as a file writes it: three decimals, never 0 or 1 (see :func:`chance_text`).

    >>> chance_value(0.00004), chance_value(0.91234), chance_value(1.0)
    (0.001, 0.912, 0.999)
    """
    return round(min(max(float(p), 0.001), 0.999), 3)
