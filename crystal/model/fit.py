"""Fitting the head's weights on pooled features, and judging it on photos it did not see.

The head's learned part is a logistic regression on 512 standardised features. scikit-learn fits
it with Newton's method (``newton-cholesky``, an L2 penalty of strength 1/C): a dozen steps, each
exact, so the fit lands on the optimum itself, to the last few digits on any machine, rather than
wherever a first-order solver's tolerance happens to stop it. Its weights are a
:class:`~crystal.model.weights.HeadWeights`, which the Keras head loads. The fits run on one
thread: matrices this small gain nothing from more, and on a busy machine BLAS threads that wait
for each other made a nested leave-one-out fifty times slower. Rows are weighted so that both classes
count equally, whatever their numbers, and so that each photo's rows together count as much as
its weight says (a lab's own photos can be made to count more than the shipped ones).

Accuracy is measured by **nested leave-one-out**: each photo in turn is held out with all its
views; the penalty is chosen by cross-validation over the other photos alone; a head fitted on
those judges the held-out photo as a prediction would, on its :data:`PREDICTION_VIEWS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from crystal.labels import CRYSTAL
from crystal.model.calibration import sigmoid
from crystal.model.views import PREDICTION_VIEWS, View
from crystal.model.weights import HeadWeights

C_CHOICES = (0.1, 1.0, 10.0)
"""Inverse L2 strengths the nested leave-one-out chooses from, fold by fold."""
THRESHOLD = 0.5
"""A photo is called *crystal* when its calibrated chance is at least this; fixed in advance, not tuned."""
TOLERANCE = 1e-8
"""Newton's method stops when no weight moves by more than this in a step (scikit-learn's ``tol``)."""
SPREAD_FLOOR = 1e-3
"""Added to each feature's spread before standardising, so that a feature that barely varies in
training is not blown up on a new photo."""


@dataclass(frozen=True)
class TrainingSet:
    """One row per view of each training photo: its pooled features, its label, which photo it
    shows (an index), which view it is, and how much it counts."""

    features: np.ndarray  # (rows, 512)
    labels: np.ndarray  # (rows,) 1.0 for crystal
    photo: np.ndarray  # (rows,) int
    view: np.ndarray  # (rows,) view names
    weight: np.ndarray  # (rows,)

    @classmethod
    def from_photos(
        cls,
        features: Sequence[np.ndarray],
        labels: Sequence[str],
        views: Sequence[Sequence[View]],
        photo_weights: Sequence[float] | None = None,
    ) -> TrainingSet:
        """Rows from each photo's (views, 512) features; a photo's rows share its weight (default 1)."""
        photo_weights = [1.0] * len(features) if photo_weights is None else photo_weights
        return cls(
            features=np.concatenate([np.asarray(f, np.float32) for f in features]),
            labels=np.array([view.label(label) == CRYSTAL for label, vs in zip(labels, views) for view in vs], float),
            photo=np.concatenate([np.full(len(vs), i) for i, vs in enumerate(views)]),
            view=np.array([view.name for vs in views for view in vs]),
            weight=np.concatenate([np.full(len(vs), w / len(vs)) for vs, w in zip(views, photo_weights)]),
        )

    @property
    def photos(self) -> int:
        return int(self.photo.max()) + 1 if len(self.photo) else 0

    def subset(self, rows: np.ndarray) -> TrainingSet:
        """The rows where ``rows`` is True, their photos numbered 0, 1, ... again."""
        _, photo = np.unique(self.photo[rows], return_inverse=True)
        return replace(
            self,
            features=self.features[rows],
            labels=self.labels[rows],
            photo=photo,
            view=self.view[rows],
            weight=self.weight[rows],
        )

    def joined(self, other: TrainingSet) -> TrainingSet:
        """This set's rows, then ``other``'s, its photos numbered after this set's."""
        return TrainingSet(
            *(
                np.concatenate([mine, theirs])
                for mine, theirs in (
                    (self.features, other.features),
                    (self.labels, other.labels),
                    (self.photo, other.photo + self.photos),
                    (self.view, other.view),
                    (self.weight, other.weight),
                )
            )
        )

    def weighted(self, photo_weight: float) -> TrainingSet:
        """The same rows, each photo's rows sharing ``photo_weight`` equally."""
        rows_per_photo = np.bincount(self.photo)[self.photo]
        return replace(self, weight=np.full(len(self.photo), photo_weight) / rows_per_photo)

    def without(self, held_out: int) -> TrainingSet:
        """Every row but the held-out photo's."""
        return self.subset(self.photo != held_out)

    def prediction_rows(self, photo: int) -> np.ndarray:
        """The held-out photo as a prediction sees it: its rows of :data:`PREDICTION_VIEWS`."""
        names = {view.name for view in PREDICTION_VIEWS}
        return self.features[(self.photo == photo) & np.isin(self.view, list(names))]

    def photo_label(self, photo: int) -> float:
        """1.0 when the photo itself (not a drawn view of it) is a crystal photo."""
        return float(self.labels[(self.photo == photo) & np.isin(self.view, [v.name for v in PREDICTION_VIEWS])][0])


def local_weight(base_photos: int, local_photos: int) -> float:
    """How much each of a lab's own photos counts, a base training photo counting 1: together they
    count as much as all the base photos, so a handful can move the head, and each at least 1.

    >>> local_weight(16, 4), local_weight(16, 40)
    (4.0, 1.0)
    """
    return max(1.0, base_photos / max(local_photos, 1))


def fit(data: TrainingSet, c: float) -> HeadWeights:
    """The head fitted on every row of ``data`` with inverse L2 strength ``c``, both classes
    counting alike whatever their numbers (no calibration yet: see :mod:`~crystal.model.calibration`)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    mean = data.features.mean(axis=0, dtype=np.float64)
    variance = (data.features.std(axis=0, dtype=np.float64) + SPREAD_FLOOR) ** 2
    standardised = (data.features - mean) / np.sqrt(variance)
    crystal = data.labels == 1
    balance = np.where(crystal, 0.5 / data.weight[crystal].sum(), 0.5 / data.weight[~crystal].sum())
    weight = data.weight * balance * len(data.labels)  # classes count alike; mean weight 1
    regression = LogisticRegression(C=c, solver="newton-cholesky", max_iter=100, tol=TOLERANCE)
    with threadpool_limits(1):
        regression.fit(standardised, data.labels, sample_weight=weight)
    return HeadWeights(
        mean.astype(np.float32),
        variance.astype(np.float32),
        regression.coef_[0].astype(np.float32),
        float(regression.intercept_[0]),
    )


def cross_validated(data: TrainingSet, c: float, folds: int = 4) -> np.ndarray:
    """Each photo's score from a head fitted at ``c`` without its group of photos: ``folds`` groups,
    each holding the same share of both classes (photos dealt out in turn, class by class)."""
    truth = np.array([data.photo_label(i) for i in range(data.photos)])
    order = np.argsort(truth, kind="stable")
    group = np.empty(data.photos, int)
    group[order] = np.arange(data.photos) % min(folds, data.photos)
    scores = np.empty(data.photos)
    for g in np.unique(group):
        held = np.flatnonzero(group == g)
        head = fit(data.subset(~np.isin(data.photo, held)), c)
        scores[held] = [head.score(data.prediction_rows(i)) for i in held]
    return scores


def choose_c(data: TrainingSet) -> float:
    """The ``c`` in :data:`C_CHOICES` whose 4-fold cross-validation over ``data`` alone does best:
    most photos right first, then the lowest log-loss (with a dozen photos many choices tie on the
    count). Four folds rather than leave-one-out keep a training to a couple of minutes."""
    truth = np.array([data.photo_label(i) for i in range(data.photos)])

    def score(c: float) -> tuple[int, float]:
        p = np.clip(sigmoid(cross_validated(data, c)), 1e-6, 1 - 1e-6)
        log_loss = -np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))
        return int(((p >= THRESHOLD) == truth.astype(bool)).sum()), -log_loss

    return max(C_CHOICES, key=score)


@dataclass(frozen=True)
class Fold:
    """One photo held out: the ``c`` its fold chose without it, the head fitted without it, and the
    score (log-odds) that head gave it."""

    c: float
    head: HeadWeights
    log_odds: float

    @property
    def p_crystal(self) -> float:
        """The held-out photo's chance, by the fold head's calibration (none until one is given)."""
        return float(self.head.calibration.chance(self.log_odds))


def nested_leave_one_out(data: TrainingSet) -> list[Fold]:
    """Each photo judged by a head whose penalty and weights were chosen and fitted without it."""
    folds = []
    for i in range(data.photos):
        rest = data.without(i)
        c = choose_c(rest)
        head = fit(rest, c)
        folds.append(Fold(c, head, head.score(data.prediction_rows(i))))
    return folds
