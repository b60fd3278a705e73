"""The Keras head against independent references: NumPy for its pooling, scikit-learn for its verdict
and tile map, and the closed-form gradient of top-k pooling for Grad-CAM."""

import keras
import numpy as np
import pytest
import tensorflow as tf

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
    return fit(TrainingSet.from_photos(features, list(labels), [PREDICTION_VIEWS] * 12), c=1.0)


@pytest.fixture(scope="module")
def model(fitted):
    image = keras.Input((None, None, 3))
    stand_in = keras.Model(
        image, keras.layers.Conv2D(CHANNELS, 8, strides=8, activation="relu")(image), name="backbone"
    )
    return build_crystal_model(stand_in, fitted.weights)


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


def test_the_keras_head_says_what_scikit_learn_fitted(model, fitted):
    maps = random_maps()
    pooled = build_pooling().predict_on_batch(maps)
    expected = fitted.regression.predict_proba((pooled - fitted.weights.mean) / np.sqrt(fitted.weights.variance))[0, 1]
    assert model.get_layer("head").predict_on_batch(maps)[0, 0] == pytest.approx(expected, rel=1e-4)
    assert Explainer(model)(maps).log_odds == pytest.approx(np.log(expected / (1 - expected)), abs=1e-3)


def test_each_tile_is_scored_by_the_same_dense_layer(model, fitted):
    maps = random_maps()
    cells = reference_cells(maps)[0]
    standardised = (cells.reshape(-1, CHANNELS) - fitted.weights.mean) / np.sqrt(fitted.weights.variance)
    expected = fitted.regression.predict_proba(standardised)[:, 1].reshape(cells.shape[:2])
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
    expected = fitted.weights.kernel / np.sqrt(fitted.weights.variance)
    np.testing.assert_allclose(gradients.sum(axis=(0, 1)), expected, rtol=1e-3, atol=1e-6)
    assert ((gradients != 0).sum(axis=(0, 1)) == TOP_K).mean() > 0.99
    heat = explainer(maps.numpy()).gradcam
    weights = gradients.mean(axis=(0, 1))
    reference = np.maximum(maps.numpy()[0] @ weights, 0)
    np.testing.assert_allclose(heat, reference / reference.max(), atol=1e-5)
