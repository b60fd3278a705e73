"""Flatten, dense, dropout and softmax checked against Keras' own layers, and their written-out arithmetic."""

import keras
import numpy as np
import pytest

from crystal.playground.classify import (
    cell_of,
    dense,
    dense_equation,
    dropout,
    dropout_mask,
    flatten,
    softmax,
    softmax_equations,
)

rng = np.random.default_rng(3)


def test_flatten_matches_keras_on_a_one_channel_map():
    grid = rng.normal(size=(3, 4))
    expected = keras.layers.Flatten()(grid[None, :, :, None].astype("float32"))
    np.testing.assert_allclose(flatten(grid), np.asarray(expected)[0], rtol=1e-6)
    assert [cell_of(i, grid.shape) for i in (0, 3, 4, 11)] == [(1, 1), (1, 4), (2, 1), (3, 4)]


def test_dense_matches_keras_with_the_same_weights():
    vector, weights, bias = rng.normal(size=6), rng.normal(size=(6, 2)), rng.normal(size=2)
    layer = keras.layers.Dense(2)
    layer.build((None, 6))
    layer.set_weights([weights.astype("float32"), bias.astype("float32")])
    np.testing.assert_allclose(
        dense(vector, weights, bias), np.asarray(layer(vector[None].astype("float32")))[0], rtol=1e-5, atol=1e-5
    )


def test_dense_refuses_weights_of_the_wrong_length_in_words():
    with pytest.raises(ValueError, match="need 4 rows"):
        dense(np.ones(4), np.ones((3, 2)), np.zeros(2))


def test_dropout_in_training_matches_keras_given_its_mask():
    """Keras draws its own random mask: read it from its output on ones, then compare on real values."""
    vector, rate, seed = rng.uniform(1, 5, size=12), 0.5, 7
    ones = keras.layers.Dropout(rate, seed=seed)(np.ones((1, 12), "float32"), training=True)
    again = keras.layers.Dropout(rate, seed=seed)(vector[None].astype("float32"), training=True)
    keep = np.asarray(ones)[0] > 0
    assert 0 < keep.sum() < 12
    np.testing.assert_allclose(dropout(vector, keep, rate), np.asarray(again)[0], rtol=1e-6)


def test_our_mask_drops_about_the_rate_and_repeats_for_a_seed():
    keep = dropout_mask(10_000, 0.3, seed=1)
    assert abs((~keep).mean() - 0.3) < 0.02
    np.testing.assert_array_equal(keep, dropout_mask(10_000, 0.3, seed=1))
    assert (keep != dropout_mask(10_000, 0.3, seed=2)).any()
    with pytest.raises(ValueError, match="below 1"):
        dropout_mask(4, 1.0, seed=0)


def test_softmax_matches_keras_and_survives_huge_scores():
    scores = rng.normal(size=2) * 3
    np.testing.assert_allclose(softmax(scores), np.asarray(keras.layers.Softmax()(scores[None]))[0], rtol=1e-6)
    np.testing.assert_allclose(softmax([1000.0, 0.0]), [1.0, 0.0])
    assert softmax_equations([1000.0, 0.0], ["a", "b"])[-2] == "a: 1 / 1 = 100.0 %"


def test_the_arithmetic_written_out_adds_up():
    """A worked example: 4×0.5 + 4×0.5 + 2×0.5 + 4×0.5 − 5 = 2, and exp(2) / (exp(2) + exp(−2)) = 98.2 %."""
    assert dense_equation([4, 4, 2, 4], [0.5] * 4, -5) == "4×0.5 + 4×0.5 + 2×0.5 + 4×0.5 + (−5) = 2"
    lines = softmax_equations([2.0, -2.0], ["crystal", "no crystal"])
    assert lines[0] == "exp(2) = 7.389,  exp(−2) = 0.135" and lines[2] == "crystal: 7.389 / 7.524 = 98.2 %"


def test_a_share_that_is_not_whole_is_never_written_as_100_or_0_percent():
    """exp(5) / (exp(5) + exp(−5) + exp(−5)) = 0.99991: one decimal would round it to 100.0 %."""
    lines = softmax_equations([5.0, -5.0, -5.0], ["X", "O", "line"])
    assert [line.split(" = ")[-1] for line in lines[2:]] == ["> 99.9 %", "< 0.1 %", "< 0.1 %"]
