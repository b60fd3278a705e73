"""Tiny pictures to learn from, made here and seeded: an X, an O or a straight line on a 28x28 grid.

Each picture is drawn at a random place, size, angle and stroke width, with a little paper noise, so
that no single pixel tells the classes apart and the network has to learn shapes. The same seed
always makes the same pictures, so a teacher can replay a run on the projector.

>>> pictures, labels = make_examples(2, seed=0)
>>> pictures.shape, labels.tolist()
((6, 28, 28), [0, 0, 1, 1, 2, 2])
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

SIDE = 28
CLASSES = ("X", "O", "line")
_DRAW_SCALE = 4  # drawn at 112x112 and shrunk, so strokes come out smooth


def a_shape(name: str) -> str:
    """A class's name with its article, as a sentence says it.

    >>> a_shape("X"), a_shape("line")
    ('an X', 'a line')
    """
    return f"{'an' if name in ('X', 'O') else 'a'} {name}"


def make_examples(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` pictures of each class, (n, 28, 28) float32 in [0, 1] (1 is ink), and their labels."""
    rng = np.random.default_rng(seed)
    pictures, labels = [], []
    for label, shape in enumerate(CLASSES):
        for _ in range(per_class):
            pictures.append(draw(shape, rng))
            labels.append(label)
    return np.stack(pictures), np.array(labels)


def split(pictures: np.ndarray, labels: np.ndarray, held_out: float, seed: int):
    """(training pictures, labels), (held-out pictures, labels): a seeded shuffle, cut in two."""
    order = np.random.default_rng(seed).permutation(len(labels))
    cut = len(labels) - round(len(labels) * held_out)
    train, test = order[:cut], order[cut:]
    return (pictures[train], labels[train]), (pictures[test], labels[test])


def draw(shape: str, rng: np.random.Generator) -> np.ndarray:
    """One 28x28 picture of ``shape``: somewhere, some size, some angle, some stroke, some noise."""
    big = SIDE * _DRAW_SCALE
    image = Image.new("L", (big, big), 0)
    pen = ImageDraw.Draw(image)
    half = rng.uniform(0.22, 0.38) * big
    cx, cy = rng.uniform(half + 4, big - half - 4, size=2)
    width = int(rng.integers(2, 4)) * _DRAW_SCALE
    angle = rng.uniform(-0.35, 0.35)  # radians: a slightly tilted hand
    if shape == "X":
        for turn in (math.pi / 4, -math.pi / 4):
            pen.line(_segment(cx, cy, half, angle + turn), fill=255, width=width)
    elif shape == "O":
        squash = rng.uniform(0.7, 1.0)
        pen.ellipse([cx - half * squash, cy - half, cx + half * squash, cy + half], outline=255, width=width)
    elif shape == "line":
        direction = rng.choice([0.0, math.pi / 2]) + angle  # flat or upright, tilted as much as the X
        pen.line(_segment(cx, cy, half, direction), fill=255, width=width)
    else:
        raise ValueError(f"Unknown shape {shape!r}; choose one of {', '.join(CLASSES)}.")
    small = np.asarray(image.resize((SIDE, SIDE), Image.Resampling.BOX), dtype=np.float32) / 255
    return np.clip(small + rng.normal(0, 0.05, small.shape), 0, 1).astype(np.float32)


def _segment(cx: float, cy: float, half: float, angle: float) -> list[tuple[float, float]]:
    dx, dy = half * math.cos(angle), half * math.sin(angle)
    return [(cx - dx, cy - dy), (cx + dx, cy + dy)]
