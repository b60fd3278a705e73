"""crystal.vision.images: every upload path yields RGB uint8 or a clear ImageError."""

import io

import numpy as np
import pytest
import tifffile
from PIL import Image

from crystal.vision.images import ImageError, load_rgb

from .bad_inputs import bad_uploads, encode, png_header_only
from .conftest import ROOT

CAT = ROOT / "samples" / "everyday" / "cat.png"


def test_sample_png_loads_as_rgb_uint8():
    rgb = load_rgb(CAT)
    assert rgb.dtype == np.uint8 and rgb.shape == (300, 451, 3)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "TIFF"])
def test_rgb_round_trip_through_formats(fmt):
    rows, cols = np.mgrid[0:40, 0:50]
    pixels = np.stack([rows * 6, cols * 5, (rows + cols) * 2], axis=-1).astype(np.uint8)
    loaded = load_rgb(encode(Image.fromarray(pixels), fmt))
    tolerance = 3 if fmt == "JPEG" else 0
    assert loaded.shape == (40, 50, 3)
    assert np.abs(loaded.astype(int) - pixels).mean() <= tolerance


def test_greyscale_is_repeated_into_three_equal_channels():
    grey = np.tile(np.arange(0, 250, 5, dtype=np.uint8), (30, 1))
    rgb = load_rgb(encode(Image.fromarray(grey, "L"), "PNG"))
    assert rgb.shape == (30, 50, 3)
    np.testing.assert_array_equal(rgb[..., 0], grey)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_rgba_transparent_pixels_become_white():
    rgba = np.zeros((20, 20, 4), dtype=np.uint8)
    rgba[:10, :, :] = (255, 0, 0, 255)  # top half opaque red, bottom half fully transparent
    rgb = load_rgb(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert tuple(rgb[0, 0]) == (255, 0, 0)
    assert tuple(rgb[15, 0]) == (255, 255, 255)


@pytest.mark.parametrize("bits", [12, 16])
def test_sixteen_bit_tiff_is_scaled_by_the_bit_depth_it_uses(bits):
    top = 2**bits - 1
    grey = np.linspace(0, top, 32 * 32).reshape(32, 32).astype(np.uint16)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, grey)
    rgb = load_rgb(buffer.getvalue())
    assert rgb[0, 0, 0] == 0 and rgb[-1, -1, 0] == 255
    assert abs(int(rgb[16, 0, 1]) - 128) <= 2  # mid-grey stays mid-grey: not divided by 65535


def test_sixteen_bit_rgb_tiff_loads():
    pixels = np.random.default_rng(1).integers(0, 65535, (24, 30, 3), dtype=np.uint16)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, pixels, photometric="rgb")
    rgb = load_rgb(buffer.getvalue())
    assert rgb.shape == (24, 30, 3)
    np.testing.assert_allclose(rgb, pixels / 65535 * 255, atol=1)


def test_16bit_png_greyscale_loads():
    grey = np.full((20, 20), 65535, dtype=np.uint16)
    grey[:, :10] = 0
    rgb = load_rgb(encode(Image.fromarray(grey), "PNG"))
    assert rgb[0, 0, 0] == 0 and rgb[0, 19, 0] == 255


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"this is plain text, not a picture" * 10, "not an image"),
        (png_header_only(30000, 30000), "too large"),
        (png_header_only(8000, 8000), "limit"),
        (encode(Image.new("RGB", (1, 1)), "PNG"), "at least"),
    ],
    ids=["empty", "text", "30000x30000 header", "64 MP header", "1x1"],
)
def test_bad_bytes_give_a_clear_message(data, message):
    with pytest.raises(ImageError, match=message):
        load_rgb(data, name="upload.png")


def test_truncated_jpeg_is_reported_as_damaged():
    whole = encode(Image.fromarray(np.full((200, 200, 3), 128, np.uint8)), "JPEG")
    with pytest.raises(ImageError, match="damaged or incomplete"):
        load_rgb(whole[: len(whole) // 2])


def test_missing_path_is_reported():
    with pytest.raises(ImageError, match="no such file"):
        load_rgb(ROOT / "does-not-exist.png")


@pytest.mark.parametrize("upload", bad_uploads(), ids=lambda u: u.name)
def test_catalogue_of_awkward_uploads(upload):
    """The shared catalogue means what it says: refusals refuse with their message, the rest load."""
    if upload.refusal is None:
        rgb = load_rgb(upload.data, name=upload.name)
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and rgb.max() > rgb.min()
    else:
        with pytest.raises(ImageError, match=upload.refusal):
            load_rgb(upload.data, name=upload.name)


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(ImageError, match="is a folder, not an image"):
        load_rgb(tmp_path)
