"""Read any image a user may upload into one safe form: an RGB ``uint8`` array.

Microscope images arrive as 8- or 16-bit, greyscale, RGB or RGBA, JPEG, PNG, BMP or TIFF, sometimes
truncated or absurdly large. Everything downstream (feature maps, the crystal classifier) wants one
thing, so every path through the app goes through :func:`load_rgb`, and every way it can fail raises
:class:`ImageError` with a message a person can act on.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILE_BYTES = 60 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 16
SUPPORTED = "JPEG, PNG, BMP or TIFF"
EXTENSIONS = ("jpg", "jpeg", "png", "bmp", "tif", "tiff")
_LIMIT_TEXT = f"{MAX_PIXELS // 1_000_000} megapixels"
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


def image_files(folder: Path) -> list[Path]:
    """The files in ``folder`` whose names end in one of :data:`EXTENSIONS`, sorted by name: the
    one rule for which files of a folder are photos (a plate, a class folder)."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower().lstrip(".") in EXTENSIONS)


class ImageError(ValueError):
    """An image that cannot be used; ``str(err)`` is written for the person who uploaded it."""


def load_rgb(source: bytes | str | Path, *, name: str | None = None) -> np.ndarray:
    """Decode ``source`` (file bytes or a path) into an ``(H, W, 3)`` ``uint8`` RGB array.

    Greyscale is repeated into three channels, transparency is laid over white, and 16-bit (or
    float) data is scaled by the bit depth it actually uses, so a 12-bit camera's image is not
    rendered nearly black. EXIF rotation is applied.

    >>> load_rgb(Path("samples/everyday/cat.png")).shape
    (300, 451, 3)
    """
    data, name = _read_bytes(source, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"{name} is far too large to open; the limit is {_LIMIT_TEXT}.") from None
        except UnidentifiedImageError:
            if data[:4] in _TIFF_MAGIC:
                return _tiff_fallback(data, name)
            raise ImageError(f"{name} is not an image this app can read ({SUPPORTED}).") from None
        _check_size(image.width, image.height, name)
        try:
            image.load()
        except (OSError, SyntaxError, ValueError) as err:
            if "truncated" in str(err).lower() or isinstance(err, SyntaxError):
                raise ImageError(f"{name} is damaged or incomplete (the file ends early).") from None
            if image.format == "TIFF":
                return _tiff_fallback(data, name)
            raise ImageError(f"{name} could not be decoded: {err}.") from None
    return _to_rgb(ImageOps.exif_transpose(image), name)


def _read_bytes(source: bytes | str | Path, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name or "The upload"
    else:
        path = Path(source)
        name = name or path.name
        if path.is_dir():
            raise ImageError(f"{name} is a folder, not an image: give the image files in it.")
        if not path.is_file():
            raise ImageError(f"{name}: no such file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImageError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
        data = path.read_bytes()
    if not data:
        raise ImageError(f"{name} is empty (0 bytes).")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    return data, name


def _check_size(width: int, height: int, name: str) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name} is {width}×{height} pixels; the limit is {_LIMIT_TEXT}. Please downscale it first.")
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"{name} is only {width}×{height} pixels; it needs at least {MIN_SIDE} on each side.")


def _to_rgb(image: Image.Image, name: str) -> np.ndarray:
    if image.mode in ("RGB", "L"):
        return np.asarray(image.convert("RGB"))
    if image.mode in ("P", "PA", "LA", "RGBA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return _high_depth_to_rgb(np.asarray(image), name)
    try:
        return np.asarray(image.convert("RGB"))  # CMYK, YCbCr, 1-bit, LAB ...
    except (ValueError, OSError):
        raise ImageError(f"{name} uses the colour mode {image.mode!r}, which this app cannot convert.") from None


def _high_depth_to_rgb(array: np.ndarray, name: str) -> np.ndarray:
    """Scale >8-bit data to 0..255 by the smallest common bit depth that holds its maximum."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] > 4:
        raise ImageError(f"{name} has {array.shape[2]} channels; expected 1, 3 or 4.")
    if array.ndim == 3 and array.shape[2] in (2, 4):
        array = array[..., : array.shape[2] - 1]  # drop alpha: microscope alpha is never meaningful
    values = array.astype(np.float64)
    if not np.isfinite(values).all():
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    low = min(values.min(), 0.0)
    if np.issubdtype(array.dtype, np.floating) and values.max() <= 1.0:
        top = 1.0
    else:
        top = next((2.0**bits - 1 for bits in (8, 10, 12, 14, 16, 32) if values.max() <= 2.0**bits - 1), values.max())
    scaled = np.clip((values - low) / max(top - low, 1e-12) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if scaled.ndim == 2:
        scaled = np.repeat(scaled[..., None], 3, axis=2)
    elif scaled.shape[2] == 1:
        scaled = np.repeat(scaled, 3, axis=2)
    return scaled


def _tiff_fallback(data: bytes, name: str) -> np.ndarray:
    """Pillow cannot decode some scientific TIFFs (16-bit RGB, odd compressions); tifffile can."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages[0]
            _check_size(int(page.shape[1]), int(page.shape[0]), name)
            array = page.asarray()
    except ImageError:
        raise
    except Exception as err:  # tifffile raises many kinds; all mean "cannot decode this TIFF"
        raise ImageError(f"{name} is a TIFF this app cannot decode ({err}).") from None
    if array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3:
        return array
    return _high_depth_to_rgb(array, name)
