"""The head's learned numbers as plain arrays: what a model folder stores, and nothing that can run.

A model file from a stranger must not be able to execute anything, so the head is saved as a few
NumPy arrays (read with ``allow_pickle=False``), never as a pickled or serialised Keras object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crystal.model.calibration import Calibration

CHANNELS = 512  # block4_conv3's feature maps: the head's inputs
MAX_WEIGHT = 1e4
"""No fitted head comes near this: a larger weight or bias is a damaged or forged file."""


@dataclass(frozen=True)
class HeadWeights:
    """Everything a head learns, as plain arrays: per-feature ``mean`` and ``variance`` (the
    standardisation), the dense layer's ``kernel`` (512,) and ``bias``, and the ``calibration`` that
    turns its score into a chance (:mod:`~crystal.model.calibration`).

    This is the one place where the head's arithmetic is written in NumPy: the fit produces these
    numbers, the Keras head (:mod:`~crystal.model.head`) loads them, and a verdict's sum, the CSV and
    a re-judged photo all compute their chance here.
    """

    mean: np.ndarray
    variance: np.ndarray
    kernel: np.ndarray
    bias: float
    calibration: Calibration = Calibration()

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "mean": self.mean,
            "variance": self.variance,
            "kernel": self.kernel,
            "bias": np.float32(self.bias),
            "calibration_slope": np.float64(self.calibration.slope),
            "calibration_intercept": np.float64(self.calibration.intercept),
        }

    @classmethod
    def from_arrays(cls, arrays) -> HeadWeights:
        """From a mapping of the arrays (an opened ``.npz``); ValueError when they do not make a head."""
        if "calibration_slope" not in arrays:
            raise ValueError("it was made before chances were calibrated; teach it again from your photos")
        try:
            mean, variance, kernel, bias, slope, intercept = (
                np.asarray(arrays[key], np.float64)
                for key in ("mean", "variance", "kernel", "bias", "calibration_slope", "calibration_intercept")
            )
        except KeyError as missing:
            raise ValueError(f"the head's {missing} array is missing") from None
        if not mean.shape == variance.shape == kernel.shape == (CHANNELS,) or any(
            a.shape != () for a in (bias, slope, intercept)
        ):
            raise ValueError("the head's arrays have the wrong shapes")
        finite = all(np.isfinite(a).all() for a in (mean, variance, kernel, bias, slope, intercept))
        if not finite or (variance <= 0).any() or slope < 0 or max(np.abs(kernel).max(), abs(bias)) > MAX_WEIGHT:
            raise ValueError("the head's arrays hold impossible numbers")
        return cls(
            mean.astype(np.float32),
            variance.astype(np.float32),
            kernel.astype(np.float32),
            float(bias),
            Calibration(float(slope), float(intercept)),
        )

    def contributions(self, pooled: np.ndarray) -> np.ndarray:
        """What each of the 512 features adds to a verdict's score (its log-odds): its standardised
        value (averaged over the views, as the verdict averages them) times its weight. They and the
        bias add up to the score, because the head is linear after the pooling.

        >>> w = HeadWeights(np.zeros(CHANNELS), np.ones(CHANNELS), np.full(CHANNELS, 0.5), -1.0)
        >>> pooled = np.zeros((2, CHANNELS)); pooled[:, 3] = [2.0, 4.0]
        >>> float(w.contributions(pooled)[3]), bool(w.contributions(pooled).sum() + w.bias == w.score(pooled))
        (1.5, True)
        """
        return self.standardised(pooled) * self.kernel.astype(np.float64)

    def standardised(self, pooled: np.ndarray) -> np.ndarray:
        """The head's 512 inputs for a photo: each pooled feature measured against the training
        photos' (0 is their mean, 1 their spread), averaged over the views."""
        return self._standardised_views(pooled).mean(axis=0)

    def log_odds(self, pooled: np.ndarray) -> np.ndarray:
        """The head's log-odds for pooled features, (512,) or (views, 512): one per row."""
        return self._standardised_views(pooled) @ self.kernel.astype(np.float64) + self.bias

    def score(self, pooled: np.ndarray) -> float:
        """A photo's score: its views' log-odds averaged, as a verdict averages them."""
        return float(np.mean(self.log_odds(pooled)))

    def p_crystal(self, pooled: np.ndarray) -> float:
        """The calibrated chance of a crystal from a photo's pooled features (no backbone, no Keras)."""
        return float(self.calibration.chance(self.score(pooled)))

    def _standardised_views(self, pooled: np.ndarray) -> np.ndarray:
        """(views, 512) float64: each view's pooled features standardised as the head does."""
        return ((np.atleast_2d(pooled) - self.mean) / np.sqrt(self.variance)).astype(np.float64)


def strongest(contributions: np.ndarray, k: int) -> tuple[list[int], list[int]]:
    """The ``k`` features that pushed a verdict most towards *crystal* and the ``k`` that pushed it
    most away, strongest first (only features that push that way).

    >>> strongest(np.array([0.5, -2.0, 3.0, 0.0, -0.1]), 2)
    ([2, 0], [1, 4])
    """
    order = np.argsort(contributions)
    towards = [int(c) for c in order[::-1][:k] if contributions[c] > 0]
    away = [int(c) for c in order[:k] if contributions[c] < 0]
    return towards, away
