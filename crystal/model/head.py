"""The crystal head: a small Keras model on the frozen backbone's maps, and the maps that explain it.

With 16 labelled photos we know *whether* a drop holds a crystal, never *where*, and a crystal may
fill a few cells of the feature grid or many. So the head asks, for each of the backbone's 512
features, "how strongly does this pattern appear anywhere in the drop?": the mean of its
:data:`TOP_K` strongest cells (a few cells rather than one, so a single speck of dust cannot decide
alone). One dense layer turns those 512 numbers into a score, and its calibration and a sigmoid turn the
score into the chance of a crystal: about as much as a few hundred training pictures can fit.

The same Keras model gives all three answers the page shows:

- the **verdict**: the head's output;
- the **tile map**: the head's dense layer applied to each cell's features on its own;
- **Grad-CAM** (keras.io's recipe): the gradient of the head's log-odds with respect to the
  backbone's last maps, pooled per channel, weighting those maps. The log-odds reach the maps only
  through the head, so the gradient tape watches the head alone, not the whole network.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops

from crystal.model.weights import CHANNELS, HeadWeights

TOP_K = 10


class TopKMean(layers.Layer):
    """(batch, rows, cols, channels) -> (batch, channels): each channel's mean over its ``k`` strongest cells."""

    def __init__(self, k: int, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, cells):
        flat = ops.reshape(cells, (ops.shape(cells)[0], -1, cells.shape[-1]))
        strongest, _ = ops.top_k(ops.transpose(flat, (0, 2, 1)), k=self.k)
        return ops.mean(strongest, axis=-1)


def pooling_layers() -> list[layers.Layer]:
    """From the backbone's maps to the head's 512 inputs: VGG16's own 2x2 max pooling (block4_pool)
    makes cells of 16x16 pixels, then each feature's :data:`TOP_K` strongest cells are averaged."""
    return [layers.MaxPooling2D(2, name="cells"), TopKMean(TOP_K, name="pooled")]


def build_pooling() -> keras.Model:
    """The head without its learned part: maps -> pooled features, what training features are."""
    maps = keras.Input((None, None, CHANNELS), name="maps")
    pooled = maps
    for layer in pooling_layers():
        pooled = layer(pooled)
    return keras.Model(maps, pooled, name="pooling")


def build_head(weights: HeadWeights) -> keras.Model:
    """maps -> calibrated chance of a crystal, with the learned ``weights`` in place: the head's
    score (``log_odds``), then its calibration (``calibrated``: slope × score + intercept), then a
    sigmoid."""
    maps = keras.Input((None, None, CHANNELS), name="maps")
    pooled = maps
    for layer in pooling_layers():
        pooled = layer(pooled)
    standardised = layers.Normalization(mean=weights.mean, variance=weights.variance, name="standardised")(pooled)
    dense, calibrated = layers.Dense(1, name="log_odds"), layers.Dense(1, name="calibrated")
    p_crystal = layers.Activation("sigmoid", name="p_crystal")(calibrated(dense(standardised)))
    dense.set_weights([np.asarray(weights.kernel, np.float32)[:, None], np.array([weights.bias], np.float32)])
    calibration = weights.calibration
    calibrated.set_weights([np.array([[calibration.slope]], np.float32), np.array([calibration.intercept], np.float32)])
    return keras.Model(maps, p_crystal, name="head")


def build_crystal_model(backbone: keras.Model, weights: HeadWeights) -> keras.Model:
    """The whole network: image -> backbone -> head -> chance of a crystal."""
    image = keras.Input((None, None, 3), name="image")
    return keras.Model(image, build_head(weights)(backbone(image)), name="crystal_model")


class Explainer:
    """The crystal model's head, opened up: from one image's maps, the verdict's log-odds, the pooled
    features it was added up from, each cell's score and Grad-CAM, in one pass through the head."""

    def __init__(self, model: keras.Model):
        head = model.get_layer("head")
        self.head = head
        self._inner = keras.Model(
            head.input,
            [head.get_layer("cells").output, head.get_layer("pooled").output, head.get_layer("log_odds").output],
        )

    def __call__(self, maps: np.ndarray, *, gradcam: bool = True) -> Explanation:
        import tensorflow as tf

        maps = tf.constant(maps)
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(maps)
            cells, pooled, log_odds = self._inner(maps)
        heat = _gradcam(maps, tape.gradient(log_odds, maps)) if gradcam else None
        return Explanation(float(log_odds[0, 0]), np.asarray(pooled[0]), self.cell_scores(cells)[0], heat)

    def cell_scores(self, cells) -> np.ndarray:
        """(batch, rows, cols) chance of a crystal that the head gives each cell on its own."""
        standardised = self.head.get_layer("standardised")(cells)
        return np.asarray(ops.sigmoid(self.head.get_layer("log_odds")(standardised))[..., 0], dtype=np.float32)


@dataclass(frozen=True)
class Explanation:
    log_odds: float
    pooled: np.ndarray  # (512,): the head's inputs
    cell_scores: np.ndarray  # (rows, cols) in [0, 1]
    gradcam: np.ndarray | None  # (map rows, map cols) in [0, 1]


def _gradcam(maps, gradients) -> np.ndarray:
    """keras.io's Grad-CAM: each channel weighted by its mean gradient, summed, ReLU, scaled to [0, 1]."""
    channel_weights = ops.mean(gradients[0], axis=(0, 1))
    heat = np.maximum(np.asarray(maps[0] @ channel_weights[:, None])[..., 0], 0.0)
    return (heat / heat.max() if heat.max() > 0 else heat).astype(np.float32)
