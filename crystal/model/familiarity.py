"""Does this photo look like the photos the model learned from? If not, its verdict needs caution.

A model trained on one lab's imager has never seen another's brightness, contrast, colour or
magnification, and it cannot know that it is guessing. So every photo gets a small description of
how it looks *as taken* (:func:`appearance`: its brightness histogram, how colourful it is, how many
pixels the drop spans) and is called **unfamiliar** when that description is farther from every
training photo's than the rule allows.

The rule is set by leave-one-out over the training photos themselves: each is held out and its
distance to the nearest of the others measured; the threshold is the distance that at most
:data:`FLAGGED_SHARE` of them exceed. A model adapted with a lab's own photos has them among its
training photos, so photos like theirs stop being flagged.

The model's own pooled features were not used for this: the drop finder and the normalisation make
another imager's drops look much like ours there (which is why the verdicts carry over), so they
cannot tell that a photo came from elsewhere.

>>> rng = np.random.default_rng(0)
>>> rule = Familiarity.fit(rng.normal(0.5, 0.05, size=(16, 10)))
>>> rule.unfamiliar(np.full(10, 0.5)), rule.unfamiliar(np.full(10, 0.9))
(False, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crystal.model.drop import Drop
from crystal.model.normalise import brightest_channel, dimmest_channel

HISTOGRAM_BINS = 8
APPEARANCE_SIZE = HISTOGRAM_BINS + 2
FLAGGED_SHARE = 1 / 16
"""At most this share of the training photos, each held out in turn, may be called unfamiliar."""
SPREAD_FLOOR = 0.02
"""The least spread a description's entry is given, so an entry on which the training photos all
agree (their colourfulness, say) is not blown up by a tiny difference."""


def appearance(rgb: np.ndarray, drop: Drop) -> np.ndarray:
    """How a photo looks as taken: the share of its pixels in each of :data:`HISTOGRAM_BINS` grey
    levels, its mean colourfulness (brightest minus dimmest channel, 0-1) and log2 of the drop's
    long side in pixels; (:data:`APPEARANCE_SIZE`,) float32.

    >>> from crystal.model.drop import Drop
    >>> appearance(np.full((4, 8, 3), 200, np.uint8), Drop((0, 0, 4, 8), (4, 8))).round(2).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 3.0]
    """
    rgb = np.asarray(rgb)
    grey_sum = rgb[..., 0].astype(np.uint16) + rgb[..., 1] + rgb[..., 2]  # three times the mean grey level
    histogram = np.bincount((grey_sum // (3 * 256 // HISTOGRAM_BINS)).ravel(), minlength=HISTOGRAM_BINS)
    colourful = (brightest_channel(rgb).astype(np.int16) - dimmest_channel(rgb)).mean() / 255.0
    top, left, bottom, right = drop.box
    return np.array(
        [*(histogram / histogram.sum()), colourful, math.log2(max(bottom - top, right - left, 1))], np.float32
    )


@dataclass(frozen=True)
class Familiarity:
    """The training photos' appearances, how far apart they spread, and the distance beyond which
    a photo is unfamiliar; ``held_out`` keeps each training photo's own leave-one-out distance."""

    reference: np.ndarray  # (photos, APPEARANCE_SIZE)
    threshold: float
    held_out: np.ndarray  # (photos,)

    @classmethod
    def fit(cls, appearances: np.ndarray) -> Familiarity:
        """The rule for these training photos' appearances, set by leave-one-out."""
        reference = np.asarray(appearances, np.float64)
        held_out = np.array([_nearest(reference[i], np.delete(reference, i, axis=0)) for i in range(len(reference))])
        allowed = math.floor(len(reference) * FLAGGED_SHARE)
        threshold = float(np.sort(held_out)[len(held_out) - 1 - allowed]) if len(held_out) else math.inf
        return cls(reference, threshold, held_out)

    def distance(self, description: np.ndarray) -> float:
        """How far a photo's appearance lies from the nearest training photo's."""
        return _nearest(np.asarray(description, np.float64), self.reference)

    def unfamiliar(self, description: np.ndarray) -> bool:
        return self.distance(description) > self.threshold

    @property
    def flagged_when_held_out(self) -> int:
        return int((self.held_out > self.threshold).sum())


def _nearest(description: np.ndarray, reference: np.ndarray) -> float:
    """Root-mean-square difference to the nearest row of ``reference``, each entry measured in
    units of its spread over ``reference`` (at least :data:`SPREAD_FLOOR`)."""
    if not len(reference):
        return math.inf
    spread = np.maximum(reference.std(axis=0), SPREAD_FLOOR)
    return float(np.sqrt((((description - reference) / spread) ** 2).mean(axis=1)).min())
