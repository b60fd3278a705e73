"""Make drop images from any imager look alike before the CNN sees them.

Other labs' images differ in resolution, colour cast, polariser tint, exposure, gamma and uneven
lighting; none of that says anything about crystals. We keep only what does: luminance, resized so
the frame always has the same long side (a 2560-pixel and a 1280-pixel image become the same
picture), then *local* contrast normalisation, which removes slow illumination gradients, exposure
and most of a gamma change, and leaves the sharp edges that crystals are made of.

>>> rgb = np.zeros((96, 128, 3), np.uint8); rgb[30:60, 40:80] = 200
>>> normalise(rgb, long_side=64).shape
(48, 64)
"""
from __future__ import annotations

import numpy as np
from PIL import Image

LONG_SIDE = 640
SIGMA_FRACTION = 1 / 20  # width of the "local" neighbourhood, as a share of the long side
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601, what PIL's "L" mode uses


def working_shape(height: int, width: int, long_side: int = LONG_SIDE) -> tuple[int, int]:
    """The (height, width) an input of this size is analysed at: aspect kept, long side fixed."""
    scale = long_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def luminance(rgb: np.ndarray, long_side: int = LONG_SIDE) -> np.ndarray:
    """Grey levels in [0, 1] at working size; colour casts and hue are gone after this step."""
    grey = np.asarray(rgb, dtype=np.float32) @ LUMA / 255.0
    h, w = working_shape(*grey.shape, long_side)
    return np.asarray(Image.fromarray(grey, mode="F").resize((w, h), Image.Resampling.BOX), dtype=np.float32)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur as two small matrix products, renormalised at the borders.

    Renormalising (rather than padding) keeps the image's edge from reading as a dark frame.
    """
    return _blur_matrix(image.shape[0], sigma) @ image @ _blur_matrix(image.shape[1], sigma).T


def _blur_matrix(n: int, sigma: float) -> np.ndarray:
    offsets = np.arange(n, dtype=np.float32)
    weights = np.exp(-0.5 * ((offsets[:, None] - offsets[None, :]) / sigma) ** 2)
    return weights / weights.sum(axis=1, keepdims=True)


def local_contrast(grey: np.ndarray, sigma: float) -> np.ndarray:
    """Subtract the local mean and divide by the local spread, softened by the image's typical spread.

    The softening term stops flat, empty parts of the well from having their sensor noise blown
    up to full contrast. The result has unit standard deviation over the whole image.
    """
    detail = grey - gaussian_blur(grey, sigma)
    spread = np.sqrt(np.maximum(gaussian_blur(detail**2, sigma), 0.0))
    z = detail / (spread + spread.mean() + 1e-6)
    return z / (z.std() + 1e-6)


def normalise(rgb: np.ndarray, long_side: int = LONG_SIDE) -> np.ndarray:
    """RGB uint8 of any size -> (h, w) grey uint8 at working size, locally contrast-normalised.

    uint8 with mid-grey at 128 and 3 standard deviations to either side, so the result can be
    shown, augmented and fed to VGG16 like any photo.
    """
    z = local_contrast(luminance(rgb, long_side), sigma=long_side * SIGMA_FRACTION)
    return np.clip(128.0 + 42.0 * z, 0, 255).round().astype(np.uint8)
