"""Read any image a user may upload into one safe form: an RGB ``uint8`` array.

Microscope images arrive as JPEG, PNG, BMP or TIFF; 8-bit, or 10- to 16-bit data in 16-bit
containers, or floating point; grey, grey with alpha, RGB or RGBA; TIFFs chunky or planar;
sometimes truncated, hostile or absurdly large. Everything downstream wants one thing, so every
path through the app goes through :func:`load_rgb`, and every way it can fail raises
:class:`ImageError` with a message a person can act on.

Memory is bounded before anything is decoded: an image is refused when its pixels
(:data:`MAX_PIXELS`) or the bytes its decoder would produce (width × height × channels × bytes per
sample, every plane counted: :data:`MAX_DECODED_BYTES`) are over the limit, whatever its file
size; and high bit depths are scaled to 8 bits a block of rows at a time, never as a whole float
copy. TIFFs are read with tifffile, and 16-bit colour PNGs (which Pillow cuts to their top 8
bits) with imagecodecs' libpng, so every sample keeps its full depth until it is scaled.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILE_BYTES = 60 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_DECODED_BYTES = 256 * 1024 * 1024
"""What a decoder may produce before the image becomes 8-bit RGB (a 40-megapixel photo is 120 MB
as 8-bit RGB, 240 MB as 16-bit)."""
MIN_SIDE = 16
MAX_NOT_A_NUMBER = 0.01
"""A floating-point image with more than this share of NaN or infinite samples is refused; a few
are shown as black, with a warning."""
SUPPORTED = "JPEG, PNG, BMP or TIFF"
EXTENSIONS = ("jpg", "jpeg", "png", "bmp", "tif", "tiff")
ROWS_AT_A_TIME = 256
_LIMIT_TEXT = f"{MAX_PIXELS // 1_000_000} megapixels"
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_BYTES_PER_SAMPLE = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2, "I": 4, "F": 4}


class ImageError(ValueError):
    """An image that cannot be used; ``str(err)`` is written for the person who uploaded it."""


class ImageWarning(UserWarning):
    """Something about an image a person should know, though it could be read (a few pixels that
    are not numbers, say); ``str(warning)`` is written for them."""


def photo_id(data: bytes) -> str:
    """The one fingerprint of a photo's file (SHA-256 of its bytes), by which the model's training
    photos, the features cache, the server's memories and a visitor's labels all know it.

    >>> photo_id(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def image_files(folder: Path) -> list[Path]:
    """The files in ``folder`` whose names end in one of :data:`EXTENSIONS`, sorted by name: the
    one rule for which files of a folder are photos (a plate, a class folder)."""
    return sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower().lstrip(".") in EXTENSIONS)


def load_rgb(source: bytes | str | Path, *, name: str | None = None) -> np.ndarray:
    """Decode ``source`` (file bytes or a path) into an ``(H, W, 3)`` ``uint8`` RGB array.

    Greyscale is repeated into three channels, transparency is laid over white, and data of more
    than 8 bits is scaled by the bit depth it actually uses (the smallest of 8, 10, 12, 14 or 16
    bits that holds its largest value; floats by 1 when they lie in 0..1), so a 12-bit camera's
    image in a 16-bit file is not rendered nearly black. EXIF rotation is applied.

    >>> load_rgb(Path("samples/everyday/cat.png")).shape
    (300, 451, 3)
    """
    data, name = _read_bytes(source, name)
    if data[:4] in _TIFF_MAGIC:
        rgb = _decode_tiff(data, name)
    elif data[:8] == _PNG_MAGIC and _png_depth_and_colour(data)[0] == 16:
        rgb = _decode_deep_png(data, name)
    else:
        rgb = _decode_with_pillow(data, name)
    if rgb.size == 0 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ImageError(f"{name} is damaged: it decodes to no picture.")
    return rgb


def _read_bytes(source: bytes | str | Path, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        name = name or "The upload"
    else:
        path = Path(source)
        name = name or path.name
        try:
            if path.is_dir():
                raise ImageError(f"{name} is a folder, not an image: give the image files in it.")
            if not path.is_file():
                raise ImageError(f"{name}: no such file.")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ImageError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            data = path.read_bytes()
        except OSError as err:
            raise ImageError(f"{name} cannot be read ({err.strerror or err}).") from None
    if not data:
        raise ImageError(f"{name} is empty (0 bytes).")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    return data, name


def _check_size(width: int, height: int, samples: int, bytes_per_sample: int, name: str) -> None:
    """Refuse an image too large or too small before it is decoded."""
    if width * height > MAX_PIXELS:
        raise ImageError(f"{name} is {width}×{height} pixels; the limit is {_LIMIT_TEXT}. Please downscale it first.")
    if width * height * samples * bytes_per_sample > MAX_DECODED_BYTES:
        raise ImageError(
            f"{name} is {width}×{height} pixels of {samples} channel{'s' * (samples != 1)} at "
            f"{8 * bytes_per_sample} bits: too much to decode here (over {MAX_DECODED_BYTES // 2**20} MB). "
            "Please save it as an 8-bit image, or downscale it."
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"{name} is only {width}×{height} pixels; it needs at least {MIN_SIDE} on each side.")


# --- JPEG, PNG, BMP and the rest: Pillow ----------------------------------------------------------


def _decode_with_pillow(data: bytes, name: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"{name} is far too large to open; the limit is {_LIMIT_TEXT}.") from None
        except UnidentifiedImageError:
            raise ImageError(f"{name} is not an image this app can read ({SUPPORTED}).") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise ImageError(f"{name} is damaged: its header cannot be read ({SUPPORTED} expected).") from None
        bands = len(image.getbands())
        _check_size(image.width, image.height, bands, _BYTES_PER_SAMPLE.get(image.mode, 1), name)
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(f"{name} is far too large to open; the limit is {_LIMIT_TEXT}.") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error, MemoryError):
            raise ImageError(f"{name} is damaged or incomplete (the file ends early or is corrupt).") from None
    return _pillow_to_rgb(image, name)


def _pillow_to_rgb(image: Image.Image, name: str) -> np.ndarray:
    mode = image.mode
    if mode == "P" and "transparency" not in image.info:
        return np.asarray(image.convert("RGB"))
    if mode in ("RGB", "L", "1"):
        return np.asarray(image.convert("RGB") if mode != "RGB" else image)
    if mode in ("P", "PA", "LA", "RGBA", "La", "RGBa"):
        return _over_white(np.asarray(image.convert("RGBA") if mode != "RGBA" else image))
    if mode in _BYTES_PER_SAMPLE:  # I;16*, I, F: more than 8 bits
        return to_8_bit(np.asarray(image), name)
    try:
        return np.asarray(image.convert("RGB"))  # CMYK, YCbCr, LAB ...
    except (ValueError, OSError):
        raise ImageError(f"{name} uses the colour mode {mode!r}, which this app cannot convert.") from None


def _over_white(rgba: np.ndarray) -> np.ndarray:
    """RGBA uint8 laid over white, a block of rows at a time: ``rgb × a + 255 × (1 − a)``.

    >>> _over_white(np.array([[[255, 0, 0, 255], [0, 0, 0, 0]]], np.uint8)).tolist()
    [[[255, 0, 0], [255, 255, 255]]]
    """
    out = np.empty((*rgba.shape[:2], 3), np.uint8)
    for top in range(0, rgba.shape[0], ROWS_AT_A_TIME):
        block = rgba[top : top + ROWS_AT_A_TIME].astype(np.uint16)
        alpha = block[..., 3:]
        out[top : top + ROWS_AT_A_TIME] = (block[..., :3] * alpha + 255 * (255 - alpha) + 127) // 255
    return out


# --- 16-bit colour PNG: imagecodecs (libpng) ------------------------------------------------------


def _png_depth_and_colour(data: bytes) -> tuple[int, int]:
    """The bit depth and colour type in a PNG's header (0, 0 when it has none)."""
    if len(data) < 29 or data[12:16] != b"IHDR":
        return 0, 0
    return data[24], data[25]


def _decode_deep_png(data: bytes, name: str) -> np.ndarray:
    """A 16-bit PNG, every sample at its full depth (Pillow keeps only the top 8 bits of colour ones)."""
    import imagecodecs

    width, height = struct.unpack(">II", data[16:24])
    samples = {0: 1, 2: 3, 4: 2, 6: 4}.get(_png_depth_and_colour(data)[1], 1)
    _check_size(width, height, samples, 2, name)
    try:
        array = imagecodecs.png_decode(data)
    except Exception as err:  # imagecodecs raises its own PngError and others: all mean "cannot decode"
        raise ImageError(f"{name} is a damaged PNG ({err}).") from None
    return to_8_bit(array, name)


# --- TIFF: tifffile ----------------------------------------------------------------------------------


def _decode_tiff(data: bytes, name: str) -> np.ndarray:
    """A TIFF's first image: chunky (height, width, samples) or planar (samples, height, width),
    any bit depth, grey, RGB, with alpha or a palette; size checked from its header first."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            axes, shape = page.axes, page.shape
            if set(axes) - set("YXS"):
                raise ImageError(f"{name} holds a stack or volume ({axes}), not one picture: save one image per file.")
            samples = shape[axes.index("S")] if "S" in axes else 1
            if samples > 4:
                raise ImageError(f"{name} has {samples} channels; expected 1 (grey), 2, 3 (RGB) or 4.")
            _check_size(shape[axes.index("X")], shape[axes.index("Y")], samples, page.dtype.itemsize, name)
            array = page.asarray()
            photometric, colormap = page.photometric, page.colormap
    except ImageError:
        raise
    except Exception as err:  # tifffile raises many kinds; all mean "cannot decode this TIFF"
        raise ImageError(f"{name} is a TIFF this app cannot decode ({err}).") from None
    if array.size == 0:
        raise ImageError(f"{name} is damaged: it decodes to no picture.")
    if "S" in axes and axes.index("S") == 0:
        array = np.moveaxis(array, 0, -1)  # planar: samples first
    if photometric == tifffile.PHOTOMETRIC.PALETTE and colormap is not None:
        return to_8_bit(np.moveaxis(colormap, 0, -1)[array], name)
    if photometric == tifffile.PHOTOMETRIC.SEPARATED and array.dtype == np.uint8 and array.shape[-1] == 4:
        return np.asarray(Image.fromarray(array, "CMYK").convert("RGB"))
    if photometric == tifffile.PHOTOMETRIC.MINISWHITE:
        array = _inverted(array)
    if array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 4:
        return _over_white(array)
    return to_8_bit(array, name)


def _inverted(array: np.ndarray) -> np.ndarray:
    """A 'min is white' image the usual way round."""
    if np.issubdtype(array.dtype, np.integer):
        return np.iinfo(array.dtype).max - array
    return array.max() - array


# --- any depth to 8 bits ----------------------------------------------------------------------------


def to_8_bit(array: np.ndarray, name: str = "The image") -> np.ndarray:
    """(H, W) or (H, W, channels) samples of any type as (H, W, 3) uint8.

    Alpha (a second or fourth channel) is dropped: microscope photos carry none that means
    anything. Samples are scaled by the bit depth the data actually uses: 0..2^b − 1 for the
    smallest b of 8, 10, 12, 14, 16 (or 32) that holds the largest value, floats by 1 when they lie
    in 0..1; negative values shift the scale to start there. Scaling runs a block of rows at a time.

    >>> to_8_bit(np.array([[0, 2047, 4095]], np.uint16))[..., 0].tolist()
    [[0, 127, 255]]
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] > 4:
        raise ImageError(f"{name} has {array.shape[2]} channels; expected 1, 3 or 4.")
    if array.ndim == 3 and array.shape[2] in (2, 4):
        array = array[..., : array.shape[2] - 1]
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3):
        raise ImageError(f"{name} is not a flat picture (its samples have {array.ndim} dimensions).")
    low, top = _value_range(array, name)
    scale = 255.0 / max(top - low, 1e-12)
    out = np.empty(array.shape, np.uint8)
    for start in range(0, array.shape[0], ROWS_AT_A_TIME):
        block = array[start : start + ROWS_AT_A_TIME].astype(np.float32)
        np.nan_to_num(block, copy=False, nan=low, posinf=low, neginf=low)
        out[start : start + ROWS_AT_A_TIME] = np.clip((block - low) * scale + 0.5, 0, 255)
    return out if out.ndim == 3 else np.repeat(out[..., None], 3, axis=2)


def _value_range(array: np.ndarray, name: str) -> tuple[float, float]:
    """The (low, top) that 0 and 255 stand for: see :func:`to_8_bit`."""
    if array.dtype == np.uint8:
        return 0.0, 255.0
    floating = np.issubdtype(array.dtype, np.floating)
    if floating:
        finite = np.isfinite(array)
        share = 1.0 - np.count_nonzero(finite) / array.size
        if share > MAX_NOT_A_NUMBER:
            raise ImageError(f"{name} is {share:.0%} not-a-number (NaN) samples: there is no picture to judge.")
        if share > 0:
            warnings.warn(
                ImageWarning(f"{name}: {share:.2%} of its samples are not numbers; they are shown as black."),
                stacklevel=2,
            )
        high, low = float(array.max(where=finite, initial=0.0)), float(array.min(where=finite, initial=0.0))
    else:
        high, low = float(array.max()), float(array.min())
    low = min(low, 0.0)
    if floating and high <= 1.0:
        return low, 1.0
    top = next((2.0**bits - 1 for bits in (8, 10, 12, 14, 16, 32) if high <= 2.0**bits - 1), high)
    return low, top
