"""Training-time augmentation that suits drop photos: the eight flips and quarter-turns.

A crystal is a crystal in any orientation and a plate can sit in the imager either way round, so
each training image counts eight times. Brightness and contrast jitter are left out on purpose:
:func:`crystal.normalise.normalise` removes exactly those differences before the CNN sees anything.

>>> a = np.arange(6).reshape(2, 3)
>>> len({dihedral(a, k).tobytes() + bytes(dihedral(a, k).shape) for k in range(DIHEDRAL)})
8
"""
from __future__ import annotations

import numpy as np

DIHEDRAL = 8


def dihedral(image: np.ndarray, k: int) -> np.ndarray:
    """The k-th of the 8 symmetries of a rectangle's grid: k % 4 quarter-turns, mirrored when k >= 4."""
    turned = np.rot90(image, k % 4)
    return np.ascontiguousarray(turned[:, ::-1] if k >= 4 else turned)
