"""Make drop photos from any imager look alike before the CNN sees them.

Other labs' images differ in resolution, colour cast, polariser tint, exposure, gamma, uneven
lighting and framing; none of that says anything about crystals. We keep only what does:

- each pixel's brightest channel (HSV's *value*), which a change of hue or saturation leaves as it
  is: luma would turn a polariser's colours into grey-level texture;
- resized to a fixed long side (a 2560-pixel and a 1280-pixel photo of a drop become the same
  picture);
- a *local* contrast normalisation, which removes slow illumination gradients, exposure and most
  of a gamma change, and leaves the sharp edges that crystals are made of. It is built from each
  pixel's neighbourhood only: no image-wide statistic, so a frame cropped tighter around the drop
  leaves the drop's pixels as they were (an image-wide scale made them 15-25 % stronger once the
  well's dark wall was cropped away).

>>> rgb = np.zeros((96, 128, 3), np.uint8); rgb[30:60, 40:80] = 200
>>> normalise(rgb, long_side=64).shape
(48, 64)
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIGMA_FRACTION = 1 / 20  # width of the "local" neighbourhood, as a share of the long side
SOFTENING = 0.16
"""The local spread is softened by this share of the local brightness, about the median ratio of
spread to brightness in the training photos (0.15). It stops flat, empty parts of the well from
having their sensor noise blown up to full contrast, and, being a share of brightness, it cancels
exposure."""
TYPICAL_STD = 0.47
"""The normalised contrast's standard deviation on a typical training photo, divided out so the
result spans about 3 standard deviations either side of mid-grey in uint8."""


def working_shape(height: int, width: int, long_side: int) -> tuple[int, int]:
    """The (height, width) an input of this size is analysed at: aspect kept, long side fixed."""
    scale = long_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def brightest_channel(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's brightest channel (HSV's *value*), (H, W) in the image's own dtype.

    The same as ``rgb.max(axis=2)``, about 20 times quicker on a photo: NumPy reduces a last axis
    of three slowly.

    >>> brightest_channel(np.array([[[10, 200, 30], [7, 5, 6]]], np.uint8)).tolist()
    [[200, 7]]
    """
    rgb = np.asarray(rgb)
    return np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])


def dimmest_channel(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's dimmest channel, as :func:`brightest_channel` its brightest.

    >>> dimmest_channel(np.array([[[10, 200, 30], [7, 5, 6]]], np.uint8)).tolist()
    [[10, 5]]
    """
    rgb = np.asarray(rgb)
    return np.minimum(np.minimum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])


def brightness(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """Grey levels in [0, 1] at working size: each pixel's brightest channel, so hue no longer matters."""
    value = brightest_channel(rgb).astype(np.float32) / 255.0
    h, w = working_shape(*value.shape, long_side)
    return np.asarray(Image.fromarray(value, mode="F").resize((w, h), Image.Resampling.BOX), dtype=np.float32)


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
    """Subtract the local mean and divide by the local spread plus :data:`SOFTENING` times the local mean."""
    local_mean = gaussian_blur(grey, sigma)
    detail = grey - local_mean
    spread = np.sqrt(np.maximum(gaussian_blur(detail**2, sigma), 0.0))
    return detail / (spread + SOFTENING * local_mean + 1e-6) / TYPICAL_STD


def normalise(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """RGB uint8 of any size -> (h, w) grey uint8 at working size, locally contrast-normalised.

    uint8 with mid-grey at 128 and a typical photo's 3 standard deviations to either side, so the
    result can be shown, augmented and fed to VGG16 like any photo.
    """
    z = local_contrast(brightness(rgb, long_side), sigma=long_side * SIGMA_FRACTION)
    return np.clip(128.0 + 42.0 * z, 0, 255).round().astype(np.uint8)
