"""What a 3x3 kernel responds to, in words: the nearest of a few patterns a teacher would name.

The kernel, with its mean taken off (a kernel that adds everything up just measures ink), is
compared with each named pattern by the cosine of the angle between them; a pattern and its
opposite (dark-to-bright versus bright-to-dark) are told apart by the sign. Below
:data:`CLEAR_MATCH`, no pattern fits well and the words say so.

>>> describe(np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]))
'an upright edge, paper on the left and ink on the right'
"""

from __future__ import annotations

import numpy as np

CLEAR_MATCH = 0.6
PATTERNS = [  # (kernel, what it responds to, what its opposite responds to)
    (
        [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
        "an upright edge, paper on the left and ink on the right",
        "an upright edge, ink on the left and paper on the right",
    ),
    (
        [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
        "a flat edge, paper above and ink below",
        "a flat edge, ink above and paper below",
    ),
    (
        [[-1, -1, 2], [-1, 2, -1], [2, -1, -1]],
        "a stroke from bottom left to top right (╱)",
        "paper between strokes, from bottom left to top right (╱)",
    ),
    (
        [[2, -1, -1], [-1, 2, -1], [-1, -1, 2]],
        "a stroke from top left to bottom right (╲)",
        "paper between strokes, from top left to bottom right (╲)",
    ),
    ([[-1, 2, -1], [-1, 2, -1], [-1, 2, -1]], "an upright stroke (|)", "paper between upright strokes (| |)"),
    ([[-1, -1, -1], [2, 2, 2], [-1, -1, -1]], "a flat stroke (-)", "paper between flat strokes (=)"),
    (
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "a dot of ink with paper around it",
        "a dot of paper with ink around it",
    ),
]


def match(kernel: np.ndarray) -> tuple[str, float]:
    """The best-fitting pattern's words (or its opposite's) and how well it fits (|cosine|, 0-1)."""
    centred = np.asarray(kernel, float) - np.mean(kernel)
    norm = np.linalg.norm(centred)
    if norm == 0:
        return "nothing in particular: all its weights are equal", 0.0
    best, fit = "", 0.0
    for pattern, words, opposite in PATTERNS:
        pattern = np.asarray(pattern, float) - np.mean(pattern)
        cosine = float(np.sum(centred * pattern) / (norm * np.linalg.norm(pattern)))
        if abs(cosine) > fit:
            best, fit = (words if cosine > 0 else opposite), abs(cosine)
    return best, fit


def describe(kernel: np.ndarray) -> str:
    """The kernel in words: its best-fitting pattern, or that none fits well."""
    words, fit = match(kernel)
    if fit >= CLEAR_MATCH:
        return words
    return f"a mix of patterns, closest to {words} ({fit:.0%} alike)"
