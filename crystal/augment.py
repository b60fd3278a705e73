"""Training-time augmentation that suits drop photos: other framings, and the eight flips and turns.

A crystal is a crystal in any orientation and a plate can sit in the imager either way round, so
each framing counts eight times. Other imagers also frame a well tighter or looser: training on
crops that keep 80 % and 65 % of the frame's sides (at seeded random places) as well as the whole
frame keeps a tightly framed photo from flipping the verdict. Brightness and contrast jitter are
left out on purpose: :func:`crystal.normalise.normalise` removes exactly those differences before
the CNN sees anything.

>>> a = np.arange(6).reshape(2, 3)
>>> len({dihedral(a, k).tobytes() + bytes(dihedral(a, k).shape) for k in range(DIHEDRAL)})
8
"""
from __future__ import annotations

import numpy as np

DIHEDRAL = 8
SHAPE_KEEPING = (0, 2, 4, 6)
"""The symmetries that keep a frame's shape (as is, half-turn, mirror, upside down): the copies
every prediction averages over. Keeping the shape keeps their feature grids the same size."""
FRAMING_SHARES = (1.0, 0.8, 0.65)
"""Share of the frame's height and width each training framing keeps; the first is the whole frame."""


def framings(rgb: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """The whole frame, then one crop per smaller share in :data:`FRAMING_SHARES`, placed at random.

    >>> [crop.shape for crop in framings(np.zeros((100, 200)), np.random.default_rng(0))]
    [(100, 200), (80, 160), (65, 130)]
    """
    height, width = rgb.shape[:2]
    crops = [rgb]
    for share in FRAMING_SHARES[1:]:
        rows, cols = round(height * share), round(width * share)
        top, left = (round(free * place) for free, place in zip((height - rows, width - cols), rng.uniform(0, 1, 2)))
        crops.append(rgb[top : top + rows, left : left + cols])
    return crops


def dihedral(image: np.ndarray, k: int) -> np.ndarray:
    """The k-th of the 8 symmetries of a rectangle's grid: k % 4 quarter-turns, mirrored when k >= 4."""
    turned = np.rot90(image, k % 4)
    return np.ascontiguousarray(turned[:, ::-1] if k >= 4 else turned)
