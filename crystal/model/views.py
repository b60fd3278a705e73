"""The named views of a photo: every picture of it the model is shown, as one explicit plan.

A view says how a photo becomes the backbone's input: cropped to its drop (:mod:`~crystal.model.drop`)
and normalised so that the drop's long side has ``long_side`` pixels (:mod:`~crystal.model.normalise`),
everything outside the drop blanked to mid-grey, then turned and mirrored; training views may also
have crystals or look-alikes drawn in first (:mod:`~crystal.model.synthetic`). Prediction, training
and the robustness report all take their views from here, by name:

- :data:`PREDICTION_VIEWS` are the two views a verdict averages: the drop upright at
  :data:`LONG_SIDE` (:data:`AS_TAKEN`, the one the maps are drawn from) and turned half round, as a
  plate may sit either way round in the imager; one view alone proved too sensitive to which way
  round it was;
- :data:`TRAINING_VIEWS` are what the head is fitted on: each photo's drop at three sizes, so
  crystals of other sizes look familiar, at eight angles 45 degrees apart (half of them mirrored),
  so the features of one edge direction cannot stand in for "crystal", and :data:`DRAWN_PER_KIND`
  views each with crystals and with look-alikes drawn in.

>>> [view.name for view in TRAINING_VIEWS[:3]]
['448 px, upright', '448 px, turned 45° and mirrored', '448 px, turned 90°']
>>> all(view in TRAINING_VIEWS for view in PREDICTION_VIEWS), len(TRAINING_VIEWS)
(True, 48)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

from crystal.labels import CRYSTAL
from crystal.model.drop import Drop
from crystal.model.normalise import normalise
from crystal.model.synthetic import draw_crystals, draw_lookalikes

LONG_SIDE = 448
"""The drop's long side, in pixels, when the model judges it: a backbone pass of about 200,000
pixels, the cost of 3 to 4 plain VGG16 passes at 224x224, per view."""
TRAINING_SIDES = (LONG_SIDE, 320, 224)
TURNS = 8
DRAWN_PER_KIND = 12
MID_GREY = 128
"""What the normalised picture shows where there is nothing to see: outside the drop, and in the
corners a turn brings in."""
MIN_SIDE = 64
"""Narrow pictures are padded to this many pixels, so the feature grid always has enough cells."""


@dataclass(frozen=True)
class View:
    """One way of showing a photo to the backbone; ``drawn`` is None, "crystals" or "look-alikes"."""

    name: str
    long_side: int
    angle: float = 0.0  # degrees, anticlockwise, after mirroring
    mirrored: bool = False
    drawn: str | None = None

    def label(self, photo_label: str) -> str:
        """The label this view is trained with: drawn crystals make any photo a crystal photo."""
        return CRYSTAL if self.drawn == "crystals" else photo_label


def _turn_name(index: int) -> str:
    angle = 45 * index
    if angle == 0:
        return "upright"
    return f"turned {angle}°" + (" and mirrored" if index % 2 else "")


AS_TAKEN = View(f"{LONG_SIDE} px, upright", LONG_SIDE)
HALF_TURNED = View(f"{LONG_SIDE} px, {_turn_name(4)}", LONG_SIDE, 180.0)
PREDICTION_VIEWS = (AS_TAKEN, HALF_TURNED)
TRAINING_VIEWS = (
    *(View(f"{side} px, {_turn_name(k)}", side, 45.0 * k, k % 2 == 1) for side in TRAINING_SIDES for k in range(TURNS)),
    *(
        View(f"{kind} drawn #{i + 1}", TRAINING_SIDES[i % len(TRAINING_SIDES)], 90.0 * (i % 4), i % 8 >= 4, kind)
        for kind in ("crystals", "look-alikes")
        for i in range(DRAWN_PER_KIND)
    ),
)


def render(rgb: np.ndarray, drop: Drop, view: View, seed: str = "") -> np.ndarray:
    """The backbone's input for one view of a photo: a grey uint8 picture of its drop.

    ``seed`` (the photo's hash) fixes what a drawn view draws, so every run, and every cache, sees
    the same crystals in the same photo.
    """
    top, left, bottom, right = drop.box
    crop = np.asarray(rgb)[top:bottom, left:right]
    if view.drawn:
        draw = draw_crystals if view.drawn == "crystals" else draw_lookalikes
        crop = draw(crop, np.random.default_rng(_seed(seed, view.name)))
    grey = normalise(crop, view.long_side)
    mask = drop.mask_in_box()
    if mask is not None:
        grey = blank_outside(grey, mask)
    return pad(turn(grey, view.angle, view.mirrored))


def blank_outside(grey: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fade a normalised picture to mid-grey outside ``mask`` (any size, 1 inside): a soft edge, so
    the blanking adds no outline of its own."""
    from scipy import ndimage

    height, width = grey.shape
    weight = np.asarray(
        Image.fromarray(mask.astype(np.float32), mode="F").resize((width, height), Image.Resampling.BILINEAR)
    )
    weight = np.clip(ndimage.gaussian_filter(weight, max(height, width) / 100), 0.0, 1.0)
    return np.clip(MID_GREY + (grey.astype(np.float32) - MID_GREY) * weight, 0, 255).round().astype(np.uint8)


def turn(grey: np.ndarray, angle: float, mirrored: bool = False) -> np.ndarray:
    """Mirror (left-right), then turn anticlockwise by ``angle`` degrees about the centre. Quarter
    turns keep every pixel; other angles keep the picture's size, and the corners that come into
    view are mid-grey (the drop, in the middle, stays whole).

    >>> turn(np.arange(6, dtype=np.uint8).reshape(2, 3), 180).tolist()
    [[5, 4, 3], [2, 1, 0]]
    """
    if mirrored:
        grey = grey[:, ::-1]
    if angle % 90 == 0:
        return np.ascontiguousarray(np.rot90(grey, int(angle // 90) % 4))
    image = Image.fromarray(np.ascontiguousarray(grey))
    return np.asarray(image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=MID_GREY))


def pad(grey: np.ndarray, min_side: int = MIN_SIDE) -> np.ndarray:
    """Pad a picture narrower than ``min_side`` with mid-grey, keeping it at the top left so that
    feature cells still line up with the photo's pixels."""
    height, width = grey.shape
    if height >= min_side and width >= min_side:
        return grey
    padded = np.full((max(height, min_side), max(width, min_side)), MID_GREY, np.uint8)
    padded[:height, :width] = grey
    return padded


def _seed(photo: str, view: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{photo}/{view}".encode()).digest()[:8], "little")
