"""The crystal head: a logistic regression on the strongest responses of each feature in the drop.

With 16 labelled images we know *whether* a drop holds a crystal, never *where*, and a crystal
may fill a few cells of the feature grid or many. Taking, for each of the 512 features, the mean
of its :data:`TOP_K` strongest cells asks "does this pattern appear anywhere?", whatever the
crystal's size or position; a logistic regression with an L2 penalty on those 512 numbers is
about as much as 16 images can fit. The mean of a few cells rather than the single strongest one
keeps one noisy cell (a speck of dust, a JPEG block) from deciding alone. In nested leave-one-out
trials on the 16 drops, unchanged and under five of the robustness changes (96 verdicts), the top
10 cells made 8 mistakes, the top 5 made 9, the top 20 made 10 and the single maximum 12; that
choice was made on the photos it is judged on, as the model card says. A per-cell
multiple-instance head and VGG block 5 did worse.

The same weights applied to a single cell's features give that cell's score: the "tile map".
Given several copies of one image (flipped, turned, at another size), the head averages their
log-odds, so the verdict does not depend on which way round the plate sat in the imager.

>>> rng = np.random.default_rng(0)
>>> grids = [rng.normal(size=(5, 4, 3)).astype(np.float32) for _ in range(6)]
>>> for grid in grids[:3]: grid[2, 1, 0] += 6.0          # positives hold one unusual cell
>>> head = fit_head(np.stack([top_k_pool(g) for g in grids]), np.array([1, 1, 1, 0, 0, 0]))
>>> [head.probability(g) > 0.5 for g in grids]
[True, True, True, False, False, False]
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

L2 = 0.1
CONSISTENCY = 1.0
"""Weight of the penalty on copies of one photo scoring differently (see :func:`fit_head`). In nested
leave-one-out on cached features of the 16 drops, unchanged and under five robustness changes (96
verdicts), every weight from 0.1 to 3 cut the mistakes from 5 to 2; 10 pulled every verdict towards
50 %. Retrained with weight 1, leave-one-out went from 15 to 16 of 16 and the wrong verdicts summed
over the 13 robustness changes from 12 to 7, but cropping to 60 % stayed at 13 of 16. Chosen on the
photos it is judged on, as the model card says."""
TOP_K = 10
STEPS = 500
LEARNING_RATE = 0.05


@dataclass(frozen=True)
class CrystalHead:
    """Feature standardisation plus the logistic weights: everything that is saved (2 x 512 + 513 numbers)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, cells: np.ndarray) -> float:
        """Crystal probability from one image's (rows, cols, channels) feature grid, or from the
        (copies, rows, cols, channels) grids of several flipped/turned copies of it."""
        return self.pooled_probability(top_k_pool(cells))

    def pooled_probability(self, pooled: np.ndarray) -> float:
        """The same from pooled features: (channels,) or (copies, channels), log-odds averaged over copies."""
        return float(sigmoid(np.mean(self._linear(pooled))))

    def cell_scores(self, cells: np.ndarray) -> np.ndarray:
        """(rows, cols) in [0, 1]: what the head says about each cell taken on its own."""
        return sigmoid(self._linear(cells)).astype(np.float32)

    def _linear(self, features: np.ndarray) -> np.ndarray:
        return ((features - self.mean) / self.scale) @ self.weights + self.bias

    def save(self, path: Path) -> None:
        np.savez(path, mean=self.mean, scale=self.scale, weights=self.weights, bias=np.float32(self.bias))

    @classmethod
    def load(cls, path: Path) -> "CrystalHead":
        with np.load(path, allow_pickle=False) as data:
            return cls(data["mean"], data["scale"], data["weights"], float(data["bias"]))


def top_k_pool(cells: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """(..., rows, cols, channels) -> (..., channels): each feature's mean over its ``k`` strongest cells.

    A grid with fewer than ``k`` cells is averaged whole.
    """
    flat = cells.reshape(*cells.shape[:-3], -1, cells.shape[-1])
    k = min(k, flat.shape[-2])
    return np.partition(flat, flat.shape[-2] - k, axis=-2)[..., -k:, :].mean(axis=-2)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def fit_head(pooled: np.ndarray, labels: np.ndarray, *, l2: float = L2, steps: int = STEPS,
             differences: np.ndarray | None = None, consistency: float = CONSISTENCY) -> CrystalHead:
    """Fit on pooled features (one row per image or augmented copy) and 0/1 labels.

    ``differences`` holds rows of (copy - original) pooled features for copies that must score as
    their original does (a tighter framing of the same photo); the fit adds ``consistency`` times
    their mean squared change in log-odds. The log-loss alone stops caring once a copy is on the
    right side, so it let a tighter framing push a clear drop's log-odds up by several units:
    enough to cross 0.5 when another lab frames the drop tighter still.

    Full-batch Adam from zero weights: deterministic, so training twice gives the same numbers.
    Classes are weighted to count equally, so the default threshold of 0.5 is not pulled towards
    the larger class.
    """
    pooled, labels = np.asarray(pooled, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    mean, scale = pooled.mean(axis=0), pooled.std(axis=0) + 1e-3
    z = (pooled - mean) / scale
    dz = np.zeros((0, z.shape[1])) if differences is None else np.asarray(differences, dtype=np.float64) / scale
    class_weight = np.where(labels == 1, 0.5 / max(labels.sum(), 1), 0.5 / max((1 - labels).sum(), 1))
    params = np.zeros(z.shape[1] + 1)
    moment, velocity = np.zeros_like(params), np.zeros_like(params)
    for step in range(1, steps + 1):
        error = class_weight * (sigmoid(z @ params[:-1] + params[-1]) - labels)
        consistency_grad = 2 * consistency * dz.T @ (dz @ params[:-1]) / max(len(dz), 1)
        grad = np.concatenate([z.T @ error + l2 * params[:-1] + consistency_grad, [error.sum()]])
        moment = 0.9 * moment + 0.1 * grad
        velocity = 0.999 * velocity + 0.001 * grad**2
        params -= LEARNING_RATE * (moment / (1 - 0.9**step)) / (np.sqrt(velocity / (1 - 0.999**step)) + 1e-8)
    return CrystalHead(mean.astype(np.float32), scale.astype(np.float32), params[:-1].astype(np.float32),
                       float(params[-1]))  # fmt: skip
