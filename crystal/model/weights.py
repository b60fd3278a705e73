"""The head's learned numbers as plain arrays: what a model folder stores, and nothing that can run.

A model file from a stranger must not be able to execute anything, so the head is saved as four
NumPy arrays (read with ``allow_pickle=False``), never as a pickled or serialised Keras object.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHANNELS = 512  # block4_conv3's feature maps: the head's inputs


@dataclass(frozen=True)
class HeadWeights:
    """Everything a head learns, as plain arrays: per-feature ``mean`` and ``variance`` (the
    standardisation) and the dense layer's ``kernel`` (512,) and ``bias``."""

    mean: np.ndarray
    variance: np.ndarray
    kernel: np.ndarray
    bias: float

    def arrays(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean, "variance": self.variance, "kernel": self.kernel, "bias": np.float32(self.bias)}

    @classmethod
    def from_arrays(cls, arrays) -> HeadWeights:
        """From a mapping of the four arrays (an opened ``.npz``); ValueError when they do not fit a head."""
        try:
            mean, variance, kernel, bias = (
                np.asarray(arrays[key], np.float32) for key in ("mean", "variance", "kernel", "bias")
            )
        except KeyError as missing:
            raise ValueError(f"the head's {missing} array is missing") from None
        if not (mean.shape == variance.shape == kernel.shape == (CHANNELS,)) or bias.shape != ():
            raise ValueError("the head's arrays have the wrong shapes")
        if not all(np.isfinite(a).all() for a in (mean, variance, kernel, bias)) or (variance <= 0).any():
            raise ValueError("the head's arrays hold impossible numbers")
        return cls(mean, variance, kernel, float(bias))

    def contributions(self, pooled: np.ndarray) -> np.ndarray:
        """What each of the 512 features adds to a verdict's log-odds: its standardised value
        (averaged over the views, as the verdict averages them) times its weight. They and the bias
        add up to the verdict's log-odds, because the head is linear after the pooling.

        >>> w = HeadWeights(np.zeros(CHANNELS), np.ones(CHANNELS), np.full(CHANNELS, 0.5), -1.0)
        >>> pooled = np.zeros((2, CHANNELS)); pooled[:, 3] = [2.0, 4.0]
        >>> float(w.contributions(pooled)[3]), bool(w.contributions(pooled).sum() + w.bias == w.log_odds(pooled).mean())
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

    def _standardised_views(self, pooled: np.ndarray) -> np.ndarray:
        """(views, 512) float64: each view's pooled features standardised as the head does."""
        return ((np.atleast_2d(pooled) - self.mean) / np.sqrt(self.variance)).astype(np.float64)

    def p_crystal(self, pooled: np.ndarray) -> float:
        """The chance of a crystal from a photo's pooled features, its views averaged in log-odds
        (as a verdict averages them), computed without the backbone or Keras."""
        return float(sigmoid(np.mean(self.log_odds(pooled))))


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


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))
