"""Fully-convolutional VGG16 features of a normalised drop image: one 512-vector per cell.

The classifier scores every cell of a grid rather than one 224x224 thumbnail, so a crystal that
covers a few cells of a large frame still gets its own feature vectors. We stop at block 4: its
last convolution, max-pooled 2x2, gives one cell per 16x16 working pixels with a receptive field
of about 200 pixels: deep enough to see a straight-edged block as one thing, shallow enough that
the edge-tuned HED kernels are still general (block 5 of HED is specialised in object outlines).
"""
from __future__ import annotations

import numpy as np

from crystal.backbone import build_vgg16, preprocess, source_by_key

SOURCE = "hed"
LAYER = "block4_conv3"  # the last convolution used: Grad-CAM differentiates against its maps
CELL = 16  # working-image pixels per feature cell (four 2x2 poolings)


def build_extractor():
    """Keras model: (1, h, w, 3) preprocessed image -> (1, h/8, w/8, 512) block4_conv3 maps."""
    import keras

    vgg = build_vgg16(SOURCE)
    return keras.Model(vgg.input, vgg.get_layer(LAYER).output, name="drop_features")


def backbone_input(grey: np.ndarray) -> np.ndarray:
    """Normalised grey uint8 (h, w) -> (1, h, w, 3) float32, as VGG16 expects (grey in all 3 channels)."""
    rgb = np.repeat(np.asarray(grey)[..., None], 3, axis=2)
    return preprocess(rgb, source_by_key(SOURCE))[None]


def pool_cells(maps: np.ndarray) -> np.ndarray:
    """2x2 max pooling (VGG's block4_pool, odd edges dropped): conv maps (h, w, c) -> cells (h/2, w/2, c)."""
    rows, cols = maps.shape[0] // 2, maps.shape[1] // 2
    return maps[: rows * 2, : cols * 2].reshape(rows, 2, cols, 2, -1).max(axis=(1, 3))


def cell_features(extractor, grey: np.ndarray) -> np.ndarray:
    """(rows, cols, 512) float32 feature grid of one normalised grey image."""
    maps = extractor.predict_on_batch(backbone_input(grey))
    return pool_cells(np.asarray(maps[0], dtype=np.float32))
