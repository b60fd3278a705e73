"""Example input grids and kernels for the convolution playground, each with a plain-words line.

The classic 5x5 image and X-shaped kernel, and the 4x4 pooling example, come from the
well-known explanation of CNNs; their worked answers are kept here too, as test oracles
(``CLASSIC_FEATURE_MAP``, ``POOL_EXAMPLE_RESULT``). Binary pictures are written as text
(``#`` = ink = 1, ``.`` = paper = 0) so you can see them in the source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from crystal.labels import LABEL_TEXT


@dataclass(frozen=True, eq=False)
class Preset:
    """A named grid of numbers and the one line a teacher would say about it."""

    name: str
    description: str
    values: np.ndarray


def _preset(name: str, description: str, values: object) -> Preset:
    array = np.array(values, dtype=float)
    array.setflags(write=False)
    return Preset(name, description, array)


def _picture(text: str) -> list[list[int]]:
    """Rows of ``#`` (1) and ``.`` (0), one row per line, spaces ignored."""
    return [[1 if c == "#" else 0 for c in line.replace(" ", "")] for line in text.strip().splitlines()]


# --- inputs --------------------------------------------------------------------------------------

# The formatter is off around the grids of numbers here: they read better laid out as grids.
# fmt: off
CLASSIC_IMAGE = _preset(
    "Classic 5×5 picture",
    "The tiny black-and-white picture from the classic explanation: 1 is ink, 0 is paper.",
    [[1, 1, 1, 0, 0],
     [0, 1, 1, 1, 0],
     [0, 0, 1, 1, 1],
     [0, 0, 1, 1, 0],
     [0, 1, 1, 0, 0]],
)
# fmt: on

DIGIT = _preset(
    "Handwritten 7",
    "A digit as a computer sees it: a 10×10 grid of ink (1) and paper (0), like MNIST but smaller.",
    _picture("""
        . . . . . . . . . .
        . # # # # # # # # .
        . # # # # # # # # .
        . . . . . . . # # .
        . . . . . . # # . .
        . . . . . # # . . .
        . . . . # # . . . .
        . . . # # . . . . .
        . . . # # . . . . .
        . . . . . . . . . .
    """),
)

CURVE = _preset(
    "A curve",
    "A bent line plus a straight one: the curve detector kernel scores highest on the bend.",
    _picture("""
        . . . . . . . . . .
        . . . . # # . . . .
        . . . # . . . . . .
        . . # . . . . . . .
        . . # . . . . . . #
        . . . . . . . . # .
        . . . . . . . # . .
        . . . . . . # . . .
        . . . . . # . . . .
        . . . . . . . . . .
    """),
)

EDGE = _preset(
    "Dark left, bright right",
    "Half the picture is 0, half is 1: one sharp vertical edge for the edge kernels to find.",
    [[0, 0, 0, 0, 1, 1, 1, 1]] * 8,
)

RANDOM_NAME = "Random numbers"
RANDOM_DESCRIPTION = "Whole numbers from 0 to 5 at random; press “New numbers” for another draw."

IMAGES: dict[str, Preset] = {p.name: p for p in (CLASSIC_IMAGE, DIGIT, CURVE, EDGE)}
IMAGE_NAMES: tuple[str, ...] = (*IMAGES, RANDOM_NAME)


def random_image(size: int, seed: int) -> np.ndarray:
    """A ``size`` x ``size`` grid of whole numbers 0..5; the same seed always gives the same grid.

    Examples
    --------
    >>> bool((random_image(4, seed=7) == random_image(4, seed=7)).all())
    True
    """
    return np.random.default_rng(seed).integers(0, 6, size=(size, size)).astype(float)


# --- kernels -------------------------------------------------------------------------------------

# fmt: off
CLASSIC_KERNEL = _preset(
    "Classic X",
    "The filter from the classic explanation: it scores highest where the input has an X of ink.",
    [[1, 0, 1],
     [0, 1, 0],
     [1, 0, 1]],
)

KERNELS: dict[str, Preset] = {
    p.name: p
    for p in (
        CLASSIC_KERNEL,
        _preset(
            "Vertical edge (Sobel)",
            "Right column minus left column: big where brightness changes from left to right, "
            "negative for right-to-left, 0 on flat areas.",
            [[-1, 0, 1],
             [-2, 0, 2],
             [-1, 0, 1]],
        ),
        _preset(
            "Horizontal edge (Sobel)",
            "Bottom row minus top row: finds edges that run across the picture.",
            [[-1, -2, -1],
             [ 0,  0,  0],
             [ 1,  2,  1]],
        ),
        _preset(
            "Sharpen",
            "Five times the centre minus its four neighbours: makes edges crisper.",
            [[ 0, -1,  0],
             [-1,  5, -1],
             [ 0, -1,  0]],
        ),
        _preset(
            "Box blur",
            "The average of the 3×3 neighbourhood (each weight is 1/9): smooths the picture.",
            np.full((3, 3), 1 / 9),
        ),
        _preset(
            "Curve detector",
            "Shaped like a bend: the sum is largest where the input has the same bend.",
            _picture("""
                . . # #
                . # . .
                # . . .
                # . . .
            """),
        ),
    )
}
# fmt: on

OWN_KERNEL_NAME = "Your own (any size)"
OWN_KERNEL_DESCRIPTION = "Starts as a single 1 in the middle, which copies the input unchanged; type your own weights."
KERNEL_NAMES: tuple[str, ...] = (*KERNELS, OWN_KERNEL_NAME)


def identity_kernel(size: int) -> np.ndarray:
    """A ``size`` x ``size`` kernel of zeros with a 1 in the middle (top-left of middle if even).

    Examples
    --------
    >>> identity_kernel(3)
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    kernel = np.zeros((size, size))
    kernel[(size - 1) // 2, (size - 1) // 2] = 1.0
    return kernel


# fmt: off
POOL_EXAMPLE = _preset(
    "Classic 4×4 pooling example",
    "The grid from the classic explanation of max pooling.",
    [[1, 1, 2, 4],
     [5, 6, 7, 8],
     [3, 2, 1, 0],
     [1, 2, 3, 4]],
)

# Worked answers from the classic explanation (test oracles, not used by the page).
CLASSIC_FEATURE_MAP = np.array([[4, 3, 4],
                                [2, 4, 3],
                                [2, 3, 4]], dtype=float)
POOL_EXAMPLE_RESULT = np.array([[6, 8],
                                [3, 4]], dtype=float)
# fmt: on


# --- the dense layer at the end ------------------------------------------------------------------

ANSWERS = tuple(text.lower() for text in LABEL_TEXT.values())  # ("crystal", "no crystal")


@dataclass(frozen=True, eq=False)
class DensePreset:
    """Starting weights for the playground's dense layer, as a rule for any grid the flattened list
    came from: ``per_entry(row, rows)`` gives one entry's (crystal, no crystal) weights, from the
    row of the pooled grid it came from; ``bias_per_entry`` times the list's length gives the biases."""

    name: str
    description: str
    per_entry: Callable[[int, int], tuple[float, float]]
    bias_per_entry: tuple[float, float] = (0.0, 0.0)

    def weights(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(entries, 2) weights and (2,) biases for a list flattened from a grid of ``shape``."""
        rows, cols = shape
        weights = np.array([self.per_entry(i // cols, rows) for i in range(rows * cols)], dtype=float).reshape(-1, 2)
        return weights, np.array(self.bias_per_entry, dtype=float) * rows * cols


DENSE_PRESETS: dict[str, DensePreset] = {
    p.name: p
    for p in (
        DensePreset(
            "Likes the X pattern",
            "Strong responses of the X kernel count for crystal: each entry adds half of itself to crystal's "
            "score and takes half from no crystal's; the biases make an average response of 2.5 the tipping point.",
            lambda row, rows: (0.5, -0.5),
            (-1.25, 1.25),
        ),
        DensePreset(
            "Likes the top half",
            "Entries from the top half of the grid count for crystal, those from the bottom half against it.",
            lambda row, rows: (0.5, -0.5) if row < rows / 2 else (-0.5, 0.5),
        ),
        DensePreset(
            "No opinion (all zero)",
            "Every weight and bias is 0: both answers score 0, and softmax can only say 50 % each.",
            lambda row, rows: (0.0, 0.0),
        ),
    )
}


def carried_weights(
    preset: DensePreset, shape: tuple[int, int], typed: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The preset's weights for a grid of ``shape``, with the weights and biases someone ``typed``
    for an earlier list kept for as many entries as both lists have.

    >>> w, b = carried_weights(DENSE_PRESETS["Likes the X pattern"], (1, 3), (np.array([[9.0, 9.0]]), np.zeros(2)))
    >>> w.tolist(), b.tolist()
    ([[9.0, 9.0], [0.5, -0.5], [0.5, -0.5]], [0.0, 0.0])
    """
    weights, bias = preset.weights(shape)
    if typed is not None:
        kept = min(len(typed[0]), len(weights))
        weights[:kept], bias = typed[0][:kept], np.array(typed[1], dtype=float)
    return weights, bias
