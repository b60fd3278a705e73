"""Fitting and judging the head: rows and weights, class balance, and folds that never see their photo."""

import numpy as np
import pytest

from crystal.model.fit import C_CHOICES, TrainingSet, cross_validated, fit, nested_leave_one_out
from crystal.model.views import PREDICTION_VIEWS, View

DRAWN = View("crystals drawn", 224, drawn="crystals")
VIEWS = (*PREDICTION_VIEWS, DRAWN)


def training_set(n_crystal=4, n_clear=6, seed=0, weights=None) -> TrainingSet:
    """Feature 0 is high for crystal views (photos with crystals, and every drawn-crystal view)."""
    rng = np.random.default_rng(seed)
    labels = ["crystal"] * n_crystal + ["no_crystal"] * n_clear
    features = []
    for label in labels:
        f = rng.normal(size=(len(VIEWS), 8))
        f[:, 0] += 2.0 * np.array([label == "crystal"] * len(PREDICTION_VIEWS) + [True])
        features.append(f)
    return TrainingSet.from_photos(features, labels, [VIEWS] * len(labels), weights)


def test_rows_carry_their_view_label_and_share_their_photo_weight():
    data = training_set(1, 1, weights=[1.0, 3.0])
    assert data.labels.tolist() == [1, 1, 1, 0, 0, 1]  # the clear photo's drawn-crystal view is a crystal
    assert data.photo.tolist() == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(data.weight, [1 / 3] * 3 + [1.0] * 3)
    assert data.prediction_rows(1).shape == (len(PREDICTION_VIEWS), 8)


def test_both_classes_count_alike_however_many_photos_each_has():
    """Fitted on features that say nothing, a balanced head gives every photo about 50 %."""
    rng = np.random.default_rng(2)
    labels = ["crystal"] * 2 + ["no_crystal"] * 10
    noise = TrainingSet.from_photos([rng.normal(size=(2, 8)) for _ in labels], labels, [PREDICTION_VIEWS] * 12)
    head = fit(noise, c=1e-4)
    assert head.p_crystal(np.zeros(8)) == pytest.approx(0.5, abs=0.02)


def test_a_photo_that_counts_more_moves_the_head_more():
    base = training_set()
    heavy = training_set(weights=[1.0] * 9 + [10.0])  # the last clear photo counts ten times
    probe = base.prediction_rows(9)
    assert fit(heavy, 1.0).p_crystal(probe) < fit(base, 1.0).p_crystal(probe)


def test_cross_validation_groups_keep_both_classes():
    data = training_set()
    scores = cross_validated(data, 1.0)
    assert scores.shape == (10,) and ((scores >= 0) == np.r_[np.ones(4), np.zeros(6)].astype(bool)).mean() >= 0.8


@pytest.mark.parametrize("c", C_CHOICES)
def test_the_fit_lands_on_the_optimum_of_its_objective(c):
    """scikit-learn's documented objective, C·Σ wᵢ·log-loss + ½‖w‖², has a zero gradient at the fitted
    weights: the optimum itself, which any machine's solver reaches, not a point its tolerance allows."""
    data = training_set(weights=[1.0] * 9 + [3.0])
    head = fit(data, c)
    x = (data.features - data.features.mean(axis=0)) / (data.features.std(axis=0) + 1e-3)
    crystal = data.labels == 1
    sample_weight = data.weight * np.where(crystal, 0.5 / data.weight[crystal].sum(), 0.5 / data.weight[~crystal].sum())
    sample_weight *= len(data.labels)
    residual = sample_weight * (1 / (1 + np.exp(-(x @ head.kernel + head.bias))) - data.labels)
    gradient = np.r_[c * x.T @ residual + head.kernel, c * residual.sum()]
    scale = np.r_[c * np.abs(x).T @ np.abs(residual) + np.abs(head.kernel), c * np.abs(residual).sum()] + 1e-12
    assert np.abs(gradient).max() <= 1e-4 * scale.max()


def test_a_fold_never_sees_its_held_out_photo():
    """Wrecking photo 0's training views must not change fold 0's penalty or verdict."""
    data = training_set()
    folds = nested_leave_one_out(data)
    wrecked = TrainingSet(data.features.copy(), data.labels, data.photo, data.view, data.weight)
    drawn_rows = (data.photo == 0) & (data.view == DRAWN.name)
    wrecked.features[drawn_rows] = 100.0
    again = nested_leave_one_out(wrecked)
    assert again[0].c == folds[0].c and again[0].c in C_CHOICES
    assert again[0].p_crystal == folds[0].p_crystal
    assert any(a.p_crystal != f.p_crystal for a, f in zip(again[1:], folds[1:]))  # the wreck is seen elsewhere
