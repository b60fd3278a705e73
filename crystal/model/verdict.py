"""Turn a crystal prediction into what a person reads: words for how sure, a tile map, a CSV.

The classifier gives numbers; the crystal-check page and the CLI both need the same plain
reading of them, so it lives here, away from Streamlit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from crystal.labels import CRYSTAL, LABEL_TEXT
from crystal.model.calibration import Calibration
from crystal.numbers import chance_text, chance_value, format_number

CSV_HEADER = ("path", "label", "p_crystal", "unfamiliar", "sure")
PAGE_CSV_HEADER = (*CSV_HEADER, "model", "your_label")
"""The page's download: the command line's columns, then which model gave the verdict (shipped or
adapted) and the label the user gave the photo, if any."""
VERY_SURE, FAIRLY_SURE = 0.9, 0.7
"""The calibrated chance that a verdict is right from which it is worded 'very sure' or 'fairly
sure': 9 and 7 in 10. Fixed in advance as plain meanings of the words, not tuned on any photo."""
SURE_WORDS = {"very": "very sure", "fairly": "fairly sure", "not": "not sure"}


def sureness(p_crystal: float, threshold: float, *, unfamiliar: bool, drop_found: bool = True) -> str:
    """How sure a verdict may be called: ``"very"``, ``"fairly"`` or ``"not"``.

    The calibrated chance that the verdict is right (``p_crystal`` for *crystal*, ``1 - p_crystal``
    for *no crystal*) decides, against :data:`VERY_SURE` and :data:`FAIRLY_SURE`; but a photo the
    model calls unfamiliar, or one in which it found no drop, is never called sure: its chance was
    calibrated on photos like the training photos, and this one is not like them.

    >>> [sureness(p, 0.5, unfamiliar=False) for p in (0.95, 0.2, 0.6)]
    ['very', 'fairly', 'not']
    >>> sureness(0.001, 0.5, unfamiliar=True), sureness(0.999, 0.5, unfamiliar=False, drop_found=False)
    ('not', 'not')
    """
    if unfamiliar or not drop_found:
        return "not"
    right = p_crystal if p_crystal >= threshold else 1.0 - p_crystal
    return "very" if right >= VERY_SURE else "fairly" if right >= FAIRLY_SURE else "not"


@dataclass(frozen=True)
class Headline:
    """What a person reads first about a verdict: a ``title``, a sentence, and its ``tone``
    (``"crystal"``, ``"clear"`` or ``"caution"``, for the page's colour)."""

    title: str
    text: str
    tone: str


def headline(label: str, p_crystal: float, sure: str, *, unfamiliar: bool, drop_found: bool = True) -> Headline:
    """The headline of a verdict: never the word *sure* for a photo the model cannot judge well.

    >>> headline("no_crystal", 0.08, "not", unfamiliar=True).title
    '🤔 The model cannot judge photos like this one well'
    >>> headline("crystal", 0.93, "very", unfamiliar=False).text
    'The model is very sure: chance of crystal 93 %.'
    """
    chance, text = chance_text(p_crystal), LABEL_TEXT[label]
    if unfamiliar:
        return Headline(
            "🤔 The model cannot judge photos like this one well",
            f"It leans towards **{text.lower()}** (chance of crystal {chance}), but this photo looks unlike the "
            "photos it learned from (its brightness, colour or size). Look at the drop yourself, or teach the model "
            "a few of your own labelled photos.",
            "caution",
        )
    icon, tone = ("💎", "crystal") if label == CRYSTAL else ("🫧", "clear")
    if not drop_found:
        return Headline(
            f"{icon} {text}?",
            f"The model found no drop in this photo, so it judged the whole photo, "
            f"which it was not trained to do: chance of crystal {chance}. Have a look yourself.",
            tone,
        )
    if sure == "not":
        return Headline(
            f"{icon} {text}?", f"The model is not sure (chance of crystal {chance}): have a look yourself.", tone
        )
    return Headline(f"{icon} {text}", f"The model is {SURE_WORDS[sure]}: chance of crystal {chance}.", tone)


def added_up(contributions: np.ndarray, bias: float, shown: list[int], calibration: Calibration) -> list[str]:
    """How a verdict's chance was added up, in the playground's dense and softmax notation: the
    ``shown`` features' value × weight, the rest together, the bias, the score (log-odds), the score
    calibrated (:mod:`~crystal.model.calibration`), and the chance, a softmax over the scores
    (calibrated score, 0) for (crystal, no crystal), written as the page writes every chance.

    >>> lines = added_up(np.array([0.75, -0.25, 0.5]), -0.5, [0, 1], Calibration(0.5, -0.25))
    >>> for line in lines[-3:]:
    ...     print(line)
    score = 0.75 + (−0.25) + 0.5 + (−0.5) = 0.5
    calibrated score = 0.5 × 0.5 + (−0.25) = 0
    chance of crystal = exp(0) / (exp(0) + exp(0)) = 1 / (1 + exp(0)) = 50 %
    """
    rest = float(np.delete(contributions, shown).sum())
    score = float(contributions.sum() + bias)
    calibrated = calibration.slope * score + calibration.intercept
    terms = [format_number(contributions[c], signed=True) for c in shown]
    written = format_number(calibrated)
    return [
        f"the other {contributions.size - len(shown)} features together: {format_number(rest)}",
        f"bias: {format_number(bias)}",
        f"score = {' + '.join([*terms, format_number(rest, signed=True), format_number(bias, signed=True)])} "
        f"= {format_number(score)}",
        f"calibrated score = {format_number(calibration.slope)} × {format_number(score, signed=True)} + "
        f"{format_number(calibration.intercept, signed=True)} = {written}",
        f"chance of crystal = exp({written}) / (exp({written}) + exp(0)) = 1 / (1 + exp({format_number(-calibrated)})) "
        f"= {chance_text(calibration.chance(score))}",
    ]


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
    """A CSV of ``(path, label, p_crystal, unfamiliar, sure, *more)`` rows under ``header``.

    Examples
    --------
    >>> print(results_csv([("a.jpg", "crystal", 0.91234, False, "very", "shipped", "")]), end="")
    path,label,p_crystal,unfamiliar,sure,model,your_label
    a.jpg,crystal,0.912,no,very,shipped,
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(csv_fields(*row) for row in rows)
    return out.getvalue()


def csv_fields(path: str, label: str, p_crystal: float, unfamiliar: bool, sure: str, *more: str) -> tuple[str, ...]:
    """One row's fields: the page's download and the command line write a chance alike
    (:func:`~crystal.numbers.chance_value`)."""
    return path, label, f"{chance_value(p_crystal):.3f}", "yes" if unfamiliar else "no", sure, *more
