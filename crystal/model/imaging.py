"""Imaging changes: the same drop as another lab's imager might have taken it.

The robustness report (``python -m crystal robustness``) judges every labelled photo again under
each change: other resolutions, colour casts, hue, gamma, blur, JPEG, rotation, mirroring, a
tighter frame and a polariser-like rainbow. Synthetic changes of our own photos are not another
lab, so the report is a guard against fragility, not a measure of accuracy elsewhere.

>>> rgb = np.zeros((40, 60, 3), np.uint8)
>>> [CHANGES[name](rgb).shape for name in ("rescale to 640x480", "crop to 60% of frame", "rotate 90 degrees")]
[(480, 640, 3), (24, 36, 3), (60, 40, 3)]
"""

from __future__ import annotations

import colorsys
import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter


def jpeg_resave(image: Image.Image, quality: int) -> Image.Image:
    """The image after a round trip through JPEG at ``quality``: its blocks and ringing included."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def _pil(change: Callable[[Image.Image], Image.Image]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda rgb: np.asarray(change(Image.fromarray(rgb)).convert("RGB"))


def _hue_rotate(rgb: np.ndarray) -> np.ndarray:
    hsv = np.asarray(Image.fromarray(rgb).convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(int) + 85) % 256
    hsv[..., 1] = np.maximum(hsv[..., 1], 90)  # near-grey drops need some saturation for a hue to show
    return np.asarray(Image.fromarray(hsv, "HSV").convert("RGB"))


def _rainbow(rgb: np.ndarray) -> np.ndarray:
    hues = np.linspace(0, 1, rgb.shape[1], endpoint=False)
    row = np.array([colorsys.hsv_to_rgb(x, 0.8, 1.0) for x in hues], dtype=np.float32)
    return np.clip(rgb * (0.55 + 0.45 * row[None]), 0, 255).astype(np.uint8)


def _crop(rgb: np.ndarray, share: float = 0.6) -> np.ndarray:
    height, width = rgb.shape[:2]
    top, left = round(height * (1 - share) / 2), round(width * (1 - share) / 2)
    return rgb[top : top + round(height * share), left : left + round(width * share)]


CHANGES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rescale to 1280x960": _pil(lambda im: im.resize((1280, 960), Image.Resampling.BILINEAR)),
    "rescale to 640x480": _pil(lambda im: im.resize((640, 480), Image.Resampling.BILINEAR)),
    "warm colour cast": lambda rgb: np.clip(rgb * np.array([1.15, 1.0, 0.7]), 0, 255).astype(np.uint8),
    "blue colour cast": lambda rgb: np.clip(rgb * np.array([0.7, 0.9, 1.2]), 0, 255).astype(np.uint8),
    "hue rotation": _hue_rotate,
    "gamma 0.6": lambda rgb: (255 * (rgb / 255.0) ** 0.6).astype(np.uint8),
    "gamma 1.6": lambda rgb: (255 * (rgb / 255.0) ** 1.6).astype(np.uint8),
    "blur (radius 2)": _pil(lambda im: im.filter(ImageFilter.GaussianBlur(2))),
    "JPEG quality 30": _pil(lambda im: jpeg_resave(im, 30)),
    "rotate 90 degrees": lambda rgb: np.ascontiguousarray(np.rot90(rgb)),
    "mirror": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "crop to 60% of frame": _crop,
    "rainbow gradient overlay": _rainbow,
}
