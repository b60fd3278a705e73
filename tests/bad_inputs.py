"""The awkward files users really upload, made on the fly, shared by unit, page and browser tests.

Each entry says whether the app must refuse it (with a message containing ``refusal``) or accept
it: a 16-bit TIFF and a greyscale PNG are awkward but valid microscope images.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
import tifffile
from PIL import Image


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    refusal: str | None  # text the error message must contain; None: the file must be accepted


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but whose pixel data is a few bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def truncated_jpeg() -> bytes:
    rows, cols = np.mgrid[0:300, 0:300]
    whole = encode(Image.fromarray(((rows * cols) % 256).astype(np.uint8)).convert("RGB"), "JPEG")
    return whole[: len(whole) // 2]


def sixteen_bit_tiff() -> bytes:
    """A 12-bit camera frame in a 16-bit greyscale TIFF, as many microscope imagers write them."""
    rows, cols = np.mgrid[0:240, 0:320]
    drop = ((rows - 120) ** 2 + (cols - 160) ** 2 < 90**2) * 2500 + 800
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, drop.astype(np.uint16))
    return buffer.getvalue()


def bad_uploads() -> list[Upload]:
    """Every upload path's nasty cases, named with the extension a user's file would have."""
    return [
        Upload("notes.jpg", b"this is plain text, not a picture\n" * 20, "not an image"),
        Upload("cut_short.jpg", truncated_jpeg(), "damaged or incomplete"),
        Upload("empty.png", b"", "empty"),
        Upload("tiny.png", encode(Image.new("RGB", (1, 1)), "PNG"), "at least"),
        Upload("bomb.png", png_header_only(30000, 30000), "too large"),
        Upload("camera_16bit.tif", sixteen_bit_tiff(), None),
        Upload(
            "grey.png", encode(Image.fromarray(np.tile(np.arange(0, 256, 4, dtype=np.uint8), (48, 1))), "PNG"), None
        ),
    ]
