"""The end of a CNN on the playground's small numbers: flatten, dense, dropout and softmax.

After the last pooling, a network lays its grid out as one list (**flatten**), weighs every entry
once per answer and adds the products up (**dense**), switches a random share of the entries off
while it trains (**dropout**), and turns the answers' scores into chances that add up to 1
(**softmax**). Each function here is plain NumPy, checked against Keras' own layers in
``tests/test_classify.py``, and each has a companion that writes its arithmetic out, as the
convolution's steps do (:meth:`crystal.playground.ops.Step.equation`).

>>> scores = dense(flatten([[4, 4], [2, 4]]), [[1, -1], [1, -1], [1, -1], [1, -1]], [-12, 12])
>>> scores.tolist(), softmax(scores).round(3).tolist()
([2.0, -2.0], [0.982, 0.018])
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from crystal.numbers import format_number, share_text


def flatten(grid: ArrayLike) -> np.ndarray:
    """The grid's cells as one vector, row by row (row 1 left to right, then row 2, ...), as
    ``keras.layers.Flatten`` lays out a one-channel map.

    >>> flatten([[1, 2], [3, 4]]).tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    return np.asarray(grid, dtype=float).ravel()


def cell_of(index: int, shape: tuple[int, int]) -> tuple[int, int]:
    """The (row, column), 1-based, of the grid cell that flattened entry ``index`` (0-based) came from.

    >>> cell_of(2, (2, 2))
    (2, 1)
    """
    row, col = divmod(index, shape[1])
    return row + 1, col + 1


def dense(vector: ArrayLike, weights: ArrayLike, bias: ArrayLike) -> np.ndarray:
    """``vector @ weights + bias``: one score per output; ``weights`` has a row per entry and a
    column per output, as ``keras.layers.Dense`` keeps its kernel."""
    vector, weights, bias = np.asarray(vector, float), np.asarray(weights, float), np.asarray(bias, float)
    if weights.shape != (vector.size, bias.size):
        raise ValueError(
            f"The weights need {vector.size} rows (one per entry of the flattened list) and "
            f"{bias.size} columns (one per answer); they have {weights.shape[0]} and {weights.shape[1]}."
        )
    return vector @ weights + bias


def dense_equation(vector: ArrayLike, weights: ArrayLike, bias: float) -> str:
    """One output's weighted sum written out: entry × weight for each entry, plus the bias.

    >>> dense_equation([4, 2], [0.5, -1], 1)
    '4×0.5 + 2×(−1) + 1 = 1'
    """
    terms = [f"{format_number(v, signed=True)}×{format_number(w, signed=True)}" for v, w in zip(vector, weights)]
    total = float(np.dot(np.asarray(vector, float), np.asarray(weights, float)) + bias)
    return f"{' + '.join([*terms, format_number(bias, signed=True)])} = {format_number(total)}"


def dropout_mask(size: int, rate: float, seed: int) -> np.ndarray:
    """Which entries survive (True) a dropout of ``rate``: each is dropped with chance ``rate``,
    drawn from ``seed`` so that a screenshot can be made again."""
    if not 0 <= rate < 1:
        raise ValueError("The dropout rate must be at least 0 and below 1.")
    return np.random.default_rng(seed).random(size) >= rate


def dropout(vector: ArrayLike, keep: ArrayLike, rate: float) -> np.ndarray:
    """Dropout while training: dropped entries become 0 and survivors are scaled by 1 / (1 − rate),
    so the layer's output is on average what it is when dropout is off (when the network answers).

    >>> dropout([4, 2, 3, 1], [True, False, True, False], 0.5).tolist()
    [8.0, 0.0, 6.0, 0.0]
    """
    return np.where(np.asarray(keep, bool), np.asarray(vector, float) / (1 - rate), 0.0)


def softmax(scores: ArrayLike) -> np.ndarray:
    """Chances from scores: exp of each, divided by their sum (the largest score is subtracted first,
    which changes nothing but keeps exp from overflowing)."""
    scores = np.asarray(scores, float)
    exps = np.exp(scores - scores.max())
    return exps / exps.sum()


def softmax_equations(scores: ArrayLike, names: list[str]) -> list[str]:
    """Softmax written out: each exp, their sum, then each share.

    >>> for line in softmax_equations([2, 0], ["crystal", "no crystal"]):
    ...     print(line)
    exp(2) = 7.389,  exp(0) = 1
    sum = 7.389 + 1 = 8.389
    crystal: 7.389 / 8.389 = 88.1 %
    no crystal: 1 / 8.389 = 11.9 %
    """
    scores = np.asarray(scores, float)
    if scores.max() > 700:  # exp would overflow: show the shifted form softmax is computed in
        return [
            f"scores too large to write exp() of; shifted by their largest, {format_number(scores.max())}",
            *softmax_equations(scores - scores.max(), names)[1:],
        ]
    exps = [math.exp(s) for s in scores]
    total = sum(exps)
    lines = [
        ",  ".join(f"exp({format_number(s)}) = {format_number(e)}" for s, e in zip(scores, exps)),
        f"sum = {' + '.join(format_number(e) for e in exps)} = {format_number(total)}",
    ]
    lines += [
        f"{name}: {format_number(e)} / {format_number(total)} = {share_text(e / total)}" for name, e in zip(names, exps)
    ]
    return lines
