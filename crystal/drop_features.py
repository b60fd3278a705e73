"""Fully-convolutional VGG16 features of a normalised drop image: one 512-vector per cell.

The classifier scores every cell of a grid rather than one 224x224 thumbnail, so a crystal that
covers a few cells of a large frame still gets its own feature vectors. We stop at block 4: its
last convolution, max-pooled 2x2, gives one cell per 16x16 working pixels with a receptive field
of about 200 pixels: deep enough to see a straight-edged block as one thing, shallow enough that
the edge-tuned HED kernels are still general (block 5 of HED is specialised in object outlines).

Each photo is analysed at two sizes (:data:`LONG_SIDES`), so that how much of the frame the drop
fills matters less: another imager may frame a drop tighter, which magnifies it.
"""
from __future__ import annotations

import numpy as np

from crystal.augment import SHAPE_KEEPING, dihedral
from crystal.backbone import build_vgg16, preprocess, source_by_key
from crystal.head import top_k_pool
from crystal.normalise import LONG_SIDE, normalise

SOURCE = "hed"
LAYER = "block4_conv3"  # the last convolution used: Grad-CAM differentiates against its maps
CELL = 16  # working-image pixels per feature cell (four 2x2 poolings)
LONG_SIDES = (LONG_SIDE, 384)
"""Long sides, in pixels, each photo is analysed at; the first gives the maps shown on the page.

A frame cropped to 60 % and analysed at 384 pixels shows its drop at the size the whole frame
shows it at 640, so a tightly framed photo from another lab still meets features of the size the
head learned from. Retrained with 384 added to 640, nested leave-one-out under the robustness
report's 60 % crop went from 13 to 15 of 16 right, and every other change stayed at 15 or 16; on
the unchanged photos it went from 16 to 15 (the wrinkled clear drop moved from 47 % to 52 %). A
prediction costs about 1.4 times as much (384 has 0.36 times the pixels)."""


def build_extractor():
    """Keras model: (1, h, w, 3) preprocessed image -> (1, h/8, w/8, 512) block4_conv3 maps."""
    import keras

    vgg = build_vgg16(SOURCE)
    return keras.Model(vgg.input, vgg.get_layer(LAYER).output, name="drop_features")


def backbone_input(grey: np.ndarray) -> np.ndarray:
    """Normalised grey uint8 (h, w) -> (1, h, w, 3) float32, as VGG16 expects (grey in all 3 channels)."""
    rgb = np.repeat(np.asarray(grey)[..., None], 3, axis=2)
    return preprocess(rgb, source_by_key(SOURCE))[None]


def conv_maps(extractor, greys: np.ndarray) -> np.ndarray:
    """block4_conv3 maps (n, h/8, w/8, 512) of same-sized greys (n, h, w), one image per pass.

    Batching them is no faster on a CPU that one image already keeps busy, and it multiplies the
    working memory (block 1's activations alone are 80 MB per 640x480 image) for every visitor at once.
    """
    return np.stack([np.asarray(extractor.predict_on_batch(backbone_input(grey))[0], dtype=np.float32) for grey in greys])


def pool_cells(maps: np.ndarray) -> np.ndarray:
    """2x2 max pooling (VGG's block4_pool, odd edges dropped): conv maps (..., h, w, c) -> cells (..., h/2, w/2, c)."""
    rows, cols = maps.shape[-3] // 2, maps.shape[-2] // 2
    cut = maps[..., : rows * 2, : cols * 2, :]
    return cut.reshape(*maps.shape[:-3], rows, 2, cols, 2, maps.shape[-1]).max(axis=(-4, -2))


def cell_features(extractor, greys: np.ndarray) -> np.ndarray:
    """float32 feature grids: (rows, cols, 512) for one normalised grey (h, w) image, or
    (n, rows, cols, 512) for same-sized ones (n, h, w)."""
    greys = np.asarray(greys)
    cells = pool_cells(conv_maps(extractor, greys if greys.ndim == 3 else greys[None]))
    return cells if greys.ndim == 3 else cells[0]


def shape_keeping_copies(grey: np.ndarray) -> np.ndarray:
    """(4, h, w): the image as is, half-turned, mirrored and upside down."""
    return np.stack([dihedral(grey, k) for k in SHAPE_KEEPING])


def prediction_pooled(extractor, rgb: np.ndarray, long_sides: tuple[int, ...] = LONG_SIDES) -> np.ndarray:
    """(4 x len(long_sides), 512): pooled features of the copies a verdict averages over, the four
    shape-keeping copies of the normalised photo at each long side in turn."""
    return np.concatenate([top_k_pool(cell_features(extractor, shape_keeping_copies(normalise(rgb, side))))
                           for side in long_sides])  # fmt: skip
