"""crystal.vision.render: colours are plotly's, mosaics are laid out as documented, overlays blend as stated."""

import io

import numpy as np
import pytest
from PIL import Image
from plotly.colors import hex_to_rgb, sequential

from crystal.vision import render

PLOTLY = {"viridis": sequential.Viridis, "inferno": sequential.Inferno}


@pytest.mark.parametrize("cmap", ["viridis", "inferno"])
def test_colour_map_endpoints_and_stops_are_plotlys(cmap):
    stops = np.array([hex_to_rgb(h) for h in PLOTLY[cmap]])
    colours = render.colorize(np.linspace(0.0, 1.0, len(stops)), cmap).astype(int)
    np.testing.assert_array_equal(colours[[0, -1]], stops[[0, -1]])
    # Interior stops fall between two of the 256 levels, so they may be off by the step between levels.
    assert np.abs(colours - stops).max() <= 3


def test_colorize_uses_vmin_vmax_and_survives_constant_and_nan_input():
    first, last = render.colorize(np.array([0.0, 1.0]))
    out = render.colorize(np.array([[-5.0, 0.5, 9.0]]), vmin=0.0, vmax=1.0)
    assert out.shape == (1, 3, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[0, 0], first)  # clipped below
    np.testing.assert_array_equal(out[0, 2], last)  # clipped above
    np.testing.assert_array_equal(render.colorize(np.full((2, 2), 7.0)), np.broadcast_to(first, (2, 2, 3)))
    np.testing.assert_array_equal(render.colorize(np.array([np.nan, 0.0, 1.0]))[0], first)
    with pytest.raises(ValueError, match="Unknown colour map"):
        render.colorize(np.zeros(3), "jet")


def test_mosaic_layout_order_and_background():
    maps = np.zeros((7, 7, 10), np.float32)
    for channel in range(10):
        maps[..., channel] = channel  # channel k is constant k
    order = [9, 0, 5, 2, 7]
    image = render.mosaic(maps, order=order, columns=2, tile=14, gap=2, shared_scale=True)
    assert image.shape == (3 * 14 + 2 * 2, 2 * 14 + 2, 3) and image.dtype == np.uint8
    expected_colours = render.colorize(np.array(order, float), vmin=0.0, vmax=9.0)
    for slot, colour in enumerate(expected_colours):
        row, column = divmod(slot, 2)
        tile = image[row * 16 : row * 16 + 14, column * 16 : column * 16 + 14]
        np.testing.assert_array_equal(tile, np.broadcast_to(colour, tile.shape))
    np.testing.assert_array_equal(image[32:, 16:], 255)  # the sixth slot is empty
    np.testing.assert_array_equal(image[14:16], 255)  # the gap between rows


def test_mosaic_shrinks_by_block_means_and_grows_by_repetition():
    checker = (np.indices((224, 224)).sum(axis=0) % 2).astype(np.float32)[..., None]  # 4x4 block means: 0.5
    checker[:4, :4] = 0.0  # first block's mean 0
    checker[-4:, -4:] = 1.0  # last block's mean 1
    shrunk = render.mosaic(checker, tile=64)
    assert shrunk.shape == (56, 56, 3)  # 224 / 4
    low, mid, high = render.colorize(np.array([0.0, 0.5, 1.0]))
    np.testing.assert_array_equal(shrunk[0, 0], low)
    np.testing.assert_array_equal(shrunk[10, 20], mid)
    np.testing.assert_array_equal(shrunk[-1, -1], high)

    grown = render.mosaic(np.arange(49, dtype=np.float32).reshape(7, 7, 1), tile=28)
    assert grown.shape == (28, 28, 3)
    np.testing.assert_array_equal(grown[:4, :4], np.broadcast_to(grown[0, 0], (4, 4, 3)))  # 4x4 blocks
    assert not np.array_equal(grown[0, 0], grown[0, 4])


def test_mosaic_rejects_bad_shapes_and_empty_selections():
    with pytest.raises(ValueError, match=r"\(H, W, C\)"):
        render.mosaic(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="No channels"):
        render.mosaic(np.zeros((8, 8, 4)), order=[])


def test_overlay_resizes_the_heat_and_blends_by_alpha():
    rgb = np.full((60, 90, 3), 100, np.uint8)
    heat = np.ones((7, 7), np.float32)
    out = render.overlay(rgb, heat, alpha=0.5)
    assert out.shape == (60, 90, 3) and out.dtype == np.uint8
    top = render.colorize(np.array([1.0]), "inferno", 0.0, 1.0)[0].astype(float)
    np.testing.assert_array_equal(out[30, 45], np.floor(0.5 * 100 + 0.5 * top + 0.5))
    np.testing.assert_array_equal(render.overlay(rgb, heat, alpha=0.0), rgb)

    gradient = np.linspace(0.0, 1.0, 90, dtype=np.float32)[None].repeat(60, axis=0)  # already image-sized
    np.testing.assert_array_equal(render.overlay(rgb, gradient, alpha=1.0), render.colorize(gradient, "inferno", 0, 1))
    with pytest.raises(ValueError, match="2-D heat map"):
        render.overlay(rgb, np.ones((7, 7, 3)))


def test_encoders_round_trip():
    image = render.mosaic(np.random.default_rng(0).random((14, 14, 9), dtype=np.float32))
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(render.to_png_bytes(image)))), image)
    jpeg = Image.open(io.BytesIO(render.to_jpeg_bytes(image)))
    assert jpeg.format == "JPEG" and jpeg.size == image.shape[1::-1]


def test_layer_grid_sends_blocky_small_maps_as_png_and_large_maps_as_jpeg():
    rng = np.random.default_rng(1)
    data, fmt = render.layer_grid(rng.random((7, 7, 512), dtype=np.float32))
    decoded = Image.open(io.BytesIO(data))
    assert (fmt, decoded.format) == ("PNG", "PNG")
    assert decoded.size == (23 * 30 - 2, 23 * 30 - 2)  # 23 per row, 720 // 23 - 2 = 29: 7 px grown x4 to 28
    data, fmt = render.layer_grid(rng.random((224, 224, 64), dtype=np.float32))
    decoded = Image.open(io.BytesIO(data))
    assert (fmt, decoded.format) == ("JPEG", "JPEG")
    assert decoded.size == (8 * 76 - 2, 8 * 76 - 2)  # 8 per row, 720 // 8 - 2 = 88: 224 px shrunk /3 to 74
    data, _ = render.layer_grid(rng.random((14, 14, 512), dtype=np.float32), order=[3, 1, 4, 1])
    assert Image.open(io.BytesIO(data)).size == (2 * 352 - 2, 2 * 352 - 2)  # 2 per row, 358 px: 14 grown x25


def relative_luminance(rgb) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0-255)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in np.asarray(rgb) / 255]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_numbered_tiles_carry_their_channel_number_readably_and_change_nothing_else():
    maps = np.ones((7, 7, 20), np.float32)  # every tile the scale's brightest colour (yellow): the hardest case
    plain = render.mosaic(maps, order=[12, 7, 3], columns=3, tile=56, gap=2)
    numbered = render.mosaic(maps, order=[12, 7, 3], columns=3, tile=56, gap=2, numbered=True)
    swapped = render.mosaic(maps, order=[7, 12, 3], columns=3, tile=56, gap=2, numbered=True)
    tiles = [numbered[:, slot * 58 : slot * 58 + 56] for slot in range(3)]
    label = np.s_[:16, :30]  # 56 // 4 = 14-pixel digits in the top-left corner
    changed = np.any(numbered != plain, axis=2)
    assert changed.any() and not changed[16:].any()  # only the labels' corners differ from the plain mosaic
    assert not any(changed[:, slot * 58 + 30 : slot * 58 + 58].any() for slot in range(3))
    # The label follows the channel, not the place: #12 looks the same first or second, and unlike #7.
    np.testing.assert_array_equal(tiles[0][label], swapped[:, 58:114][label])
    np.testing.assert_array_equal(tiles[1][label], swapped[:, :56][label])
    assert not np.array_equal(tiles[0][label], tiles[1][label])
    # White digits on the darkened yellow: WCAG contrast of at least 4.5:1 (text on the label's box).
    corner = tiles[0][label].reshape(-1, 3).astype(float)
    lightness = corner.sum(axis=1)
    text, box = corner[lightness.argmax()], corner[lightness.argmin()]
    assert tuple(text) == (255, 255, 255)
    assert (relative_luminance(text) + 0.05) / (relative_luminance(box) + 0.05) >= 4.5


def test_a_layer_grid_numbers_every_tile_and_labels_stay_inside_narrow_tiles():
    maps = np.zeros((7, 7, 512), np.float32)
    grid = np.asarray(Image.open(io.BytesIO(render.layer_grid(maps)[0])))  # 23 per row, 28-pixel tiles
    differs = np.any(grid != render.mosaic(maps, tile=29), axis=2)
    corners = [differs[r * 30 : r * 30 + 9, c * 30 : c * 30 + 9].any() for r in range(23) for c in range(23)]
    assert corners == [True] * 512 + [False] * (23 * 23 - 512)  # every channel's tile, no empty slot
    # "#511" does not fit a 21-pixel tile: its label keeps inside it, off the gap and the next tile.
    pair = np.zeros((7, 7, 512), np.float32)
    numbered = render.mosaic(pair, order=[511, 510], columns=2, tile=21, gap=2, numbered=True)
    drawn = np.any(numbered != render.mosaic(pair, order=[511, 510], columns=2, tile=21, gap=2), axis=2)
    assert drawn[:, :21].any() and drawn[:, 23:].any() and not drawn[:, 21:23].any()


def test_layer_summaries_are_channel_means_one_per_layer():
    maps = {"a": np.zeros((224, 224, 2), np.float32), "b": np.zeros((7, 7, 3), np.float32)}
    maps["a"][:112, :, 0] = 2.0  # top half: mean over channels 1.0, bottom half 0
    maps["b"][3, 3, :] = (1.0, 2.0, 3.0)  # one hot pixel in every channel
    top, low = render.colorize(np.array([1.0, 0.0]))
    tile_a, tile_b = render.layer_summaries(maps, tile=96)
    assert tile_a.shape == (74, 74, 3)  # 224 / 3
    np.testing.assert_array_equal(tile_a[0, 0], top)
    np.testing.assert_array_equal(tile_a[-1, -1], low)
    assert tile_b.shape == (91, 91, 3)  # 7 x 13
    np.testing.assert_array_equal(tile_b[45, 45], top)
    np.testing.assert_array_equal(tile_b[0, 0], low)
