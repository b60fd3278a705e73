"""From a head's score to a chance a person can trust: temperature scaling on photos the head never saw.

A logistic head fitted on a few hundred views of 16 photos says 0.000 or 1.000 for nearly every
photo: its log-odds are large, because the training photos can be told apart perfectly. Those
numbers are not chances. A chance is *calibrated* when, of the photos given 80 %, about 80 % hold
a crystal. So the chance shown is

    chance = 1 / (1 + exp(−slope × score))

with the ``slope`` (one over a *temperature*, Guo et al. 2017, "On calibration of modern neural
networks") fitted on the nested leave-one-out scores: each photo scored by a head that never saw it
(:func:`~crystal.model.fit.nested_leave_one_out`). Only the slope is fitted, so a chance is at
least 50 % exactly when the head's score is at least 0: calibrating changes how sure the model
says it is, never which way it decides. A set this small can be told apart perfectly, which would
push the slope to infinity; Platt (1999, "Probabilistic outputs for support vector machines") gave
the fix, used here: the targets are not 1 and 0 but (n₊ + 1) / (n₊ + 2) and 1 / (n₋ + 2), what a
uniform prior over the chance gives. With 6 crystal photos no chance of a crystal is aimed above
7 in 8: a model trained on 16 photos is never 100 % sure.

The general form ``sigmoid(slope × score + intercept)`` (Platt scaling) is what a model file
stores, so another calibration can be read; the fit here leaves the intercept at 0.

>>> calibration = fit_calibration(np.array([-9.0, -4.0, 3.0, 8.0]), np.array([0, 0, 1, 1]))
>>> [round(float(p), 2) for p in calibration.chance(np.array([-9.0, 0.0, 8.0]))]
[0.19, 0.5, 0.78]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import brier_score_loss, log_loss


@dataclass(frozen=True)
class Calibration:
    """``chance = sigmoid(slope × log-odds + intercept)``; the identity (1, 0) is no calibration."""

    slope: float = 1.0
    intercept: float = 0.0

    def chance(self, log_odds):
        """The calibrated chance of a crystal for a head's log-odds (a number or an array)."""
        return sigmoid(self.slope * np.asarray(log_odds, np.float64) + self.intercept)


def sigmoid(x):
    """1 / (1 + exp(−x)), without overflow warnings for large |x|.

    >>> float(sigmoid(0.0)), float(sigmoid(-1000.0))
    (0.5, 0.0)
    """
    x = np.asarray(x, np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


def platt_targets(truth: np.ndarray) -> np.ndarray:
    """Platt's targets for 1/0 labels: (n₊ + 1) / (n₊ + 2) for a crystal, 1 / (n₋ + 2) for none.

    >>> platt_targets(np.array([1, 1, 0])).round(3).tolist()
    [0.75, 0.75, 0.333]
    """
    truth = np.asarray(truth).astype(bool)
    positives, negatives = int(truth.sum()), int((~truth).sum())
    return np.where(truth, (positives + 1) / (positives + 2), 1 / (negatives + 2))


def fit_calibration(log_odds: np.ndarray, truth: np.ndarray) -> Calibration:
    """Temperature scaling: the slope (at least 0, so a higher score never means a lower chance)
    that makes ``log_odds`` best predict Platt's targets (cross-entropy); the intercept stays 0."""
    x, target = np.asarray(log_odds, np.float64), platt_targets(truth)

    def loss_and_gradient(slope: np.ndarray) -> tuple[float, np.ndarray]:
        z = slope[0] * x
        loss = np.sum(np.logaddexp(0.0, z) - target * z)  # cross-entropy, written to stay finite
        return float(loss), np.array([np.dot(sigmoid(z) - target, x)])

    result = minimize(
        loss_and_gradient,
        np.array([1.0]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)],
        options={"gtol": 1e-10, "maxiter": 1000},
    )
    return Calibration(float(result.x[0]), 0.0)


def leave_one_out_calibrations(log_odds: np.ndarray, truth: np.ndarray) -> list[Calibration]:
    """For each photo, the calibration fitted on all the others: how calibrated chances do on photos
    the calibration did not see."""
    log_odds, truth = np.asarray(log_odds, np.float64), np.asarray(truth)
    rest = [np.arange(len(truth)) != i for i in range(len(truth))]
    return [fit_calibration(log_odds[keep], truth[keep]) for keep in rest]


@dataclass(frozen=True)
class Scores:
    """How good a set of chances is on ``n`` photos with known labels: the Brier score (mean squared
    difference to 1/0; 0 is perfect, 0.25 is always saying 50 %) and the log-loss (mean −log of the
    chance given to the truth; 0.69 is always saying 50 %)."""

    n: int
    brier: float
    log_loss: float

    @classmethod
    def of(cls, chances: np.ndarray, truth: np.ndarray) -> Scores:
        chances, truth = np.clip(np.asarray(chances, np.float64), 1e-15, 1 - 1e-15), np.asarray(truth, int)
        return cls(
            len(truth),
            round(float(brier_score_loss(truth, chances, labels=[0, 1])), 4),
            round(float(log_loss(truth, chances, labels=[0, 1])), 4),
        )
