"""The Keras head against independent references: NumPy for its pooling, scikit-learn for its verdict
and tile map, and the closed-form gradient of top-k pooling for Grad-CAM."""

from dataclasses import replace

import keras
import numpy as np
import pytest
import tensorflow as tf

from crystal.model.calibration import Calibration
from crystal.model.fit import TrainingSet, fit
from crystal.model.head import TOP_K, Explainer, TopKMean, build_crystal_model, build_pooling
from crystal.model.views import PREDICTION_VIEWS
from crystal.model.weights import CHANNELS


@pytest.fixture(scope="module")
def fitted():
    """A head fitted by scikit-learn on random features where feature 0 tells the classes apart."""
    rng = np.random.default_rng(0)
    labels = np.repeat(["crystal", "no_crystal"], 6)
    features = [
        rng.gamma(2.0, 1.0, (2, CHANNELS)) + 3.0 * (label == "crystal") * np.eye(CHANNELS)[0] for label in labels
    ]
    head = fit(TrainingSet.from_photos(features, list(labels), [PREDICTION_VIEWS] * 12), c=1.0)
    return replace(head, calibration=Calibration(0.5, -0.25))


@pytest.fixture(scope="module")
def model(fitted):
    image = keras.Input((None, None, 3))
    stand_in = keras.Model(
        image, keras.layers.Conv2D(CHANNELS, 8, strides=8, activation="relu")(image), name="backbone"
    )
    return build_crystal_model(stand_in, fitted)


def random_maps(shape=(1, 22, 30, CHANNELS)) -> np.ndarray:
    return np.random.default_rng(1).gamma(2.0, 1.0, shape).astype(np.float32)


def reference_cells(maps: np.ndarray) -> np.ndarray:
    return np.asarray(tf.nn.max_pool2d(maps, ksize=2, strides=2, padding="VALID"))


def test_top_k_mean_against_a_full_sort():
    cells = random_maps((2, 6, 7, 5))
    expected = np.sort(cells.reshape(2, 42, 5), axis=1)[:, -TOP_K:].mean(axis=1)
    np.testing.assert_allclose(TopKMean(TOP_K)(cells), expected, rtol=1e-6)


def test_pooling_is_vgg_block4_pool_then_top_k():
    maps = random_maps()
    expected = np.sort(reference_cells(maps).reshape(1, -1, CHANNELS), axis=1)[:, -TOP_K:].mean(axis=1)
    np.testing.assert_allclose(build_pooling().predict_on_batch(maps), expected, rtol=1e-5)


def test_the_keras_head_computes_the_documented_arithmetic(model, fitted):
    """Standardise, dense layer, calibration, sigmoid: written out in NumPy here."""
    maps = random_maps()
    pooled = build_pooling().predict_on_batch(maps)[0]
    score = ((pooled - fitted.mean) / np.sqrt(fitted.variance)) @ fitted.kernel + fitted.bias
    expected = 1 / (1 + np.exp(-(0.5 * score - 0.25)))
    assert model.get_layer("head").predict_on_batch(maps)[0, 0] == pytest.approx(expected, rel=1e-4)
    assert Explainer(model)(maps).log_odds == pytest.approx(score, abs=1e-3)
    assert fitted.p_crystal(pooled) == pytest.approx(expected, rel=1e-6)


def test_each_tile_is_scored_by_the_same_dense_layer(model, fitted):
    """A tile's score is the head's sigmoid of its own log-odds: a score for the map, not a calibrated chance."""
    maps = random_maps()
    cells = reference_cells(maps)[0]
    standardised = (cells.reshape(-1, CHANNELS) - fitted.mean) / np.sqrt(fitted.variance)
    expected = (1 / (1 + np.exp(-(standardised @ fitted.kernel + fitted.bias)))).reshape(cells.shape[:2])
    np.testing.assert_allclose(Explainer(model)(maps).cell_scores, expected, rtol=1e-4, atol=1e-6)


def test_gradcam_gradients_are_those_of_top_k_pooling(model, fitted):
    """Known answer from the weights alone: each feature's log-odds gradient lands on the TOP_K map
    positions its 2x2 pooling and top-k picked, and sums to kernel_c / sqrt(variance_c)."""
    maps = tf.constant(random_maps())
    explainer = Explainer(model)
    with tf.GradientTape() as tape:
        tape.watch(maps)
        log_odds = explainer._inner(maps)[2]
    gradients = np.asarray(tape.gradient(log_odds, maps))[0]
    expected = fitted.kernel / np.sqrt(fitted.variance)
    np.testing.assert_allclose(gradients.sum(axis=(0, 1)), expected, rtol=1e-3, atol=1e-6)
    assert ((gradients != 0).sum(axis=(0, 1)) == TOP_K).mean() > 0.99
    heat = explainer(maps.numpy()).gradcam
    weights = gradients.mean(axis=(0, 1))
    reference = np.maximum(maps.numpy()[0] @ weights, 0)
    np.testing.assert_allclose(heat, reference / reference.max(), atol=1e-5)
