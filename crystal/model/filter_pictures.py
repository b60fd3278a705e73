"""Pictures of what the crystal head's strongest features look for, made once and shipped with the model.

The crystal check names the features that pushed a verdict ("feature #440 pushed towards crystal");
each is a channel of the backbone's :data:`~crystal.model.features.LAYER`, and
:func:`crystal.vision.filters.visualise` can show what it looks for. A picture takes about 8 s on a
2-core server, too long to wait for beside a verdict, so the pictures of the channels the shipped
head weighs most, either way, are made by ``python -m crystal filters`` and kept in
``models/crystal/filters/`` as small grey PNGs (the crystal model's backbone is shown grey photos).
They depend on the backbone only, not on the head: a head re-fitted on a lab's photos still finds
the picture of any channel it names that has one.

>>> kernel = np.array([0.5, -2.0, 1.5, 0.0, -0.1])
>>> weighed_most(kernel, 2)
([2, 0], [1, 4])
>>> file_name(47)
'block4_conv3_0047.png'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from crystal.model.features import LAYER
from crystal.model.store import DEFAULT_MODEL_DIR
from crystal.vision.filters import SIZE  # noqa: F401 (the shipped pictures are made at this size)

FOLDER = DEFAULT_MODEL_DIR / "filters"
COUNT = 24  # channels each way: the largest weights towards "crystal", and the largest against
SEED = 0  # the shipped pictures' seed; their size is visualise's own SIZE


def weighed_most(kernel: np.ndarray, count: int = COUNT) -> tuple[list[int], list[int]]:
    """The ``count`` channels with the largest positive weights (largest first) and the ``count`` with
    the most negative ones (most negative first): the features that can push a verdict furthest."""
    kernel = np.asarray(kernel)
    order = np.argsort(-kernel, kind="stable")
    towards = [int(c) for c in order[:count] if kernel[c] > 0]
    against = [int(c) for c in order[::-1][:count] if kernel[c] < 0]
    return towards, against


def file_name(channel: int) -> str:
    return f"{LAYER}_{channel:04d}.png"


def shipped_filter_picture(channel: int, folder: Path = FOLDER) -> bytes | None:
    """The shipped PNG of what ``channel`` of the backbone's last layer looks for, or None where none was made."""
    path = Path(folder) / file_name(int(channel))
    return path.read_bytes() if path.is_file() else None
