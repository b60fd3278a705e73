"""Turn a crystal prediction into what a person reads: words for how sure, a tile map, a CSV.

The classifier gives numbers; the crystal-check page and the CLI both need the same plain
reading of them, so it lives here, away from Streamlit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import numpy as np

from crystal.numbers import format_number

CSV_HEADER = ("path", "label", "p_crystal", "unfamiliar")
PAGE_CSV_HEADER = (*CSV_HEADER, "model", "your_label")
"""The page's download: the command line's columns, then which model gave the verdict (shipped or
adapted) and the label the user gave the photo, if any."""
VERDICT_TEXT = {"crystal": "Crystal", "no_crystal": "No crystal"}
UNFAMILIAR_TEXT = (
    "This photo looks unlike the photos this model learned from (its brightness, colour or size): treat the "
    "verdict with caution, or teach the model with a few of your own photos (below the results)."
)


def confidence_words(p_crystal: float, threshold: float = 0.5) -> str:
    """How sure the model is, in words: measured by how far ``p_crystal`` sits from the threshold.

    A probability just over the threshold is a coin toss for the user, whatever its label says,
    so the words follow the distance to the threshold rather than the probability itself.

    Examples
    --------
    >>> confidence_words(0.97), confidence_words(0.2), confidence_words(0.55)
    ('very sure', 'fairly sure', 'unsure: worth a look by eye')
    """
    distance = abs(p_crystal - threshold) / (1 - threshold if p_crystal >= threshold else threshold)
    if distance >= 0.8:
        return "very sure"
    if distance >= 0.4:
        return "fairly sure"
    return "unsure: worth a look by eye"


def added_up(contributions: np.ndarray, bias: float, shown: list[int]) -> list[str]:
    """How a verdict's chance was added up, in the playground's dense and softmax notation: the
    ``shown`` features' value × weight, the rest together, the bias, the score (log-odds) and the
    chance, which is a softmax over the scores (log-odds, 0) for (crystal, no crystal).

    >>> lines = added_up(np.array([0.75, -0.25, 0.5]), -0.5, [0, 1])
    >>> for line in lines[-2:]:
    ...     print(line)
    score = 0.75 + (−0.25) + 0.5 + (−0.5) = 0.5
    chance of crystal = exp(0.5) / (exp(0.5) + exp(0)) = 1 / (1 + exp(−0.5)) = 62.2 %
    """
    rest = float(np.delete(contributions, shown).sum())
    log_odds = float(contributions.sum() + bias)
    terms = [format_number(contributions[c], signed=True) for c in shown]
    lines = [
        f"the other {contributions.size - len(shown)} features together: {format_number(rest)}",
        f"bias: {format_number(bias)}",
        f"score = {' + '.join([*terms, format_number(rest, signed=True), format_number(bias, signed=True)])} "
        f"= {format_number(log_odds)}",
        f"chance of crystal = exp({format_number(log_odds)}) / (exp({format_number(log_odds)}) + exp(0)) "
        f"= 1 / (1 + exp({format_number(-log_odds)})) = {100 / (1 + np.exp(-log_odds)):.1f} %",
    ]
    return lines


def tile_heat(tile_scores: np.ndarray, region: tuple[int, int, int, int], shape: tuple[int, int]) -> np.ndarray:
    """Spread a grid of per-tile scores over an image of ``shape``, tiles kept as sharp blocks.

    ``region`` (top, left, bottom, right) is where the tiles lie in an image of ``shape``;
    outside it the heat is 0. Blocks stay sharp (nearest neighbour) so the grid reads as tiles.

    Examples
    --------
    >>> tile_heat(np.array([[0.0, 1.0]]), (0, 0, 2, 4), (2, 4))
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.]], dtype=float32)
    """
    top, left, bottom, right = region
    heat = np.zeros(shape, dtype=np.float32)
    rows, cols = tile_scores.shape
    row_index = np.arange(bottom - top) * rows // max(bottom - top, 1)
    col_index = np.arange(right - left) * cols // max(right - left, 1)
    heat[top:bottom, left:right] = np.asarray(tile_scores, dtype=np.float32)[np.ix_(row_index, col_index)]
    return heat


def scale_region(region: tuple[int, int, int, int], factor: float) -> tuple[int, int, int, int]:
    """The same region in an image resized by ``factor`` (for drawing on a downscaled copy)."""
    return tuple(int(round(v * factor)) for v in region)  # type: ignore[return-value]


def results_csv(rows: Iterable[tuple], header: tuple[str, ...] = PAGE_CSV_HEADER) -> str:
    """A CSV of ``(path, label, p_crystal, unfamiliar, *more)`` rows under ``header``.

    Examples
    --------
    >>> print(results_csv([("a.jpg", "crystal", 0.91234, False, "shipped", "")]), end="")
    path,label,p_crystal,unfamiliar,model,your_label
    a.jpg,crystal,0.9123,no,shipped,
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(csv_fields(*row) for row in rows)
    return out.getvalue()


def csv_fields(path: str, label: str, p_crystal: float, unfamiliar: bool, *more: str) -> tuple[str, ...]:
    """One row's fields: the page's download and the CLI print the chance with the same precision."""
    return path, label, f"{p_crystal:.4f}", "yes" if unfamiliar else "no", *more
