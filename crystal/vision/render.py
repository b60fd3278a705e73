"""Turn activations into pictures on the server: colour maps, channel mosaics, overlays.

A layer can have 512 channels; sending each as its own interactive chart would ship megabytes of
JSON to the browser. Here numpy and PIL paint them all into one image, which encodes to a few
hundred kilobytes. Colours match plotly's scales of the same name, so a channel enlarged as a
plotly heatmap looks exactly like its tile in the mosaic.

>>> mosaic(np.zeros((7, 7, 10), np.float32), columns=4, tile=14, gap=2).shape
(46, 62, 3)
"""

from __future__ import annotations

import io
import math
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# The stops of plotly.colors.sequential.Viridis, .Inferno and .Blues and diverging.RdBu (plotly 6),
# evenly spaced from 0 to 1.
_STOPS = {
    "viridis": (
        "#440154",
        "#482878",
        "#3e4989",
        "#31688e",
        "#26828e",
        "#1f9e89",
        "#35b779",
        "#6ece58",
        "#b5de2b",
        "#fde725",
    ),
    "inferno": (
        "#000004",
        "#1b0c41",
        "#4a0c6b",
        "#781c6d",
        "#a52c60",
        "#cf4446",
        "#ed6925",
        "#fb9b06",
        "#f7d13d",
        "#fcffa4",
    ),
    "blues": ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"),
    "rdbu": (
        "#67001f",
        "#b2182b",
        "#d6604d",
        "#f4a582",
        "#fddbc7",
        "#f7f7f7",
        "#d1e5f0",
        "#92c5de",
        "#4393c3",
        "#2166ac",
        "#053061",
    ),
}
CMAPS = tuple(_STOPS)
_LEVELS = 256


@cache
def _lut(cmap: str) -> np.ndarray:
    """256 colours linearly interpolated between the stops, as plotly interpolates them."""
    if cmap not in _STOPS:
        raise ValueError(f"Unknown colour map {cmap!r}; choose one of {', '.join(CMAPS)}.")
    stops = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in _STOPS[cmap]], dtype=np.float64)
    at = np.linspace(0.0, 1.0, len(stops))
    x = np.linspace(0.0, 1.0, _LEVELS)
    lut = np.stack([np.interp(x, at, stops[:, c]) for c in range(3)], axis=1)
    return np.round(lut).astype(np.uint8)


def colorize(
    values: np.ndarray, cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None
) -> np.ndarray:
    """Map an array of numbers to colours: ``vmin`` (default: the minimum) is the scale's first colour.

    NaNs get the first colour; a constant array is all first colour rather than a division by zero.

    >>> colorize(np.array([0.0, 1.0]))[[0, -1]].tolist()
    [[68, 1, 84], [253, 231, 37]]
    """
    values = np.asarray(values, dtype=np.float32)
    finite = np.isfinite(values)
    if vmin is None:
        vmin = float(values[finite].min()) if finite.any() else 0.0
    if vmax is None:
        vmax = float(values[finite].max()) if finite.any() else 1.0
    scale = (_LEVELS - 1) / (vmax - vmin) if vmax > vmin else 0.0
    index = np.clip((np.where(finite, values, vmin) - vmin) * scale + 0.5, 0, _LEVELS - 1).astype(np.uint8)
    return _lut(cmap)[index]


def overlay(rgb: np.ndarray, heat: np.ndarray, alpha: float = 0.45, cmap: str = "inferno") -> np.ndarray:
    """Lay a heat map (2-D, values in [0, 1], any size) over an RGB image, resized smoothly to fit.

    Used for feature maps and for Grad-CAM alike: both are coarse grids that should read as
    "where in this picture", so the grid is interpolated bilinearly rather than shown as blocks.
    """
    rgb, heat = np.asarray(rgb), np.asarray(heat, dtype=np.float32)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"Expected an RGB image of shape (H, W, 3), got {rgb.shape}.")
    if heat.ndim != 2:
        raise ValueError(f"Expected a 2-D heat map, got shape {heat.shape}.")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}.")
    height, width = rgb.shape[:2]
    if heat.shape != (height, width):
        heat = np.asarray(Image.fromarray(heat).resize((width, height), Image.Resampling.BILINEAR))
    colours = colorize(np.clip(heat, 0.0, 1.0), cmap, vmin=0.0, vmax=1.0)
    blended = (1.0 - alpha) * rgb.astype(np.float32) + alpha * colours.astype(np.float32)
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def overlay_peak(rgb: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """:func:`overlay` of a map scaled so its strongest value is 1: where a channel responds most,
    whatever its units (a map that never responds stays unlit)."""
    heat = np.asarray(heat, dtype=np.float32)
    peak = float(heat.max())
    return overlay(rgb, heat / peak if peak > 0 else np.zeros_like(heat))


def shrink_to_width(rgb: np.ndarray, width: int) -> np.ndarray:
    """``rgb`` at most ``width`` pixels wide, its aspect kept (Lanczos): what a page sends of a
    photo, never a 40-megapixel original.

    >>> shrink_to_width(np.zeros((300, 400, 3), np.uint8), 200).shape
    (150, 200, 3)
    """
    if rgb.shape[1] <= width:
        return rgb
    height = max(1, round(rgb.shape[0] * width / rgb.shape[1]))
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0))


def outline(
    rgb: np.ndarray, box: tuple[float, float, float, float], colour=(46, 204, 113), width: int = 3
) -> np.ndarray:
    """A copy of ``rgb`` with a rectangle drawn along ``box`` (top, left, bottom, right), e.g. where
    the crystal model found the drop.

    >>> outline(np.zeros((10, 10, 3), np.uint8), (2, 2, 8, 8), width=1)[2, 2].tolist()
    [46, 204, 113]
    """
    image = Image.fromarray(np.asarray(rgb, dtype=np.uint8))
    top, left, bottom, right = box
    ImageDraw.Draw(image).rectangle([left, top, right - 1, bottom - 1], outline=tuple(colour), width=width)
    return np.asarray(image)


def mosaic(
    maps: np.ndarray,
    order: np.ndarray | list[int] | None = None,
    columns: int | None = None,
    cmap: str = "viridis",
    tile: int = 64,
    gap: int = 2,
    shared_scale: bool = False,
    background: tuple[int, int, int] = (255, 255, 255),
    numbered: bool = False,
) -> np.ndarray:
    """Paint the channels of ``maps`` (H, W, C) into one RGB grid, left to right, top to bottom.

    ``order`` picks and orders the channels (default: all, by index). Each channel is stretched to
    the full colour scale on its own, so weak channels still show their pattern; with
    ``shared_scale`` all use one scale, so brightness compares across channels. ``numbered`` writes
    each tile's channel number in its top-left corner (:func:`number_tiles`).
    """
    maps = np.asarray(maps, dtype=np.float32)
    if maps.ndim != 3:
        raise ValueError(f"Expected feature maps of shape (H, W, C), got {maps.shape}.")
    order = np.arange(maps.shape[2]) if order is None else np.asarray(order, dtype=np.intp)
    if order.size == 0:
        raise ValueError("No channels to show.")
    tiles = resize_maps(np.moveaxis(maps[..., order], -1, 0), tile)  # (n, h, w)
    if shared_scale:
        low, high = tiles.min(), tiles.max()
    else:
        low, high = tiles.min(axis=(1, 2), keepdims=True), tiles.max(axis=(1, 2), keepdims=True)
    tiles = (tiles - low) / np.maximum(high - low, np.finfo(np.float32).tiny)
    count, height, width = tiles.shape
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    grid = np.empty((rows * columns, height + gap, width + gap, 3), dtype=np.uint8)
    grid[...] = background
    grid[:count, :height, :width] = colorize(tiles, cmap, vmin=0.0, vmax=1.0)
    grid = grid.reshape(rows, columns, height + gap, width + gap, 3).transpose(0, 2, 1, 3, 4)
    image = grid.reshape(rows * (height + gap), columns * (width + gap), 3)
    image = np.ascontiguousarray(image[: image.shape[0] - gap, : image.shape[1] - gap])
    return number_tiles(image, [int(c) for c in order], columns, (height, width), gap) if numbered else image


def number_tiles(image: np.ndarray, numbers: list[int], columns: int, tile: tuple[int, int], gap: int) -> np.ndarray:
    """A copy of ``image`` with ``#number`` written in white on a dark label in the top-left corner of each tile.

    A grid of 512 look-alike tiles is of little use when a caption says "#147" and no tile says
    which one that is. The digits are a quarter of the tile's height (at least 9 pixels); the label
    darkens what is under it to 30 %, which keeps white digits readable (over 7:1) on the brightest
    yellow of the colour scale. Tiles too narrow for the ``#`` get the bare number; a label never
    reaches past its tile.
    """
    out = image.copy()
    size = max(9, tile[0] // 4)
    for slot, number in enumerate(numbers):
        row, column = divmod(slot, columns)
        top, left = row * (tile[0] + gap), column * (tile[1] + gap)
        ink = _label(f"#{number}", size)
        if ink.shape[1] > tile[1]:
            ink = _label(str(number), size)
        ink = ink[: tile[0], : tile[1], None]
        corner = out[top : top + ink.shape[0], left : left + ink.shape[1]]
        shaded = corner * LABEL_SHADE
        corner[...] = np.round(shaded + (255.0 - shaded) * ink)
    return out


LABEL_SHADE = 0.3
"""What a tile's label leaves of the colours under it."""


@cache
def _label(text: str, size: int) -> np.ndarray:
    """How much white ink (0 to 1) each pixel of ``text``'s label holds: the text in Pillow's own font
    (no system font needed) at ``size`` pixels, with a pixel of margin."""
    font = ImageFont.load_default(size=size)
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (right + 2, bottom + 1), 0)
    ImageDraw.Draw(canvas).text((1, 0), text, fill=255, font=font)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def layer_grid(maps: np.ndarray, order=None, shared_scale: bool = False, width: int = 720) -> tuple[bytes, str]:
    """A layer's mosaic about ``width`` pixels wide, each tile numbered, encoded for the browser:
    ``(bytes, "PNG" or "JPEG")``.

    Tiles get whatever room the count leaves (64 maps: ~88 px each, 512: ~29 px), so a few
    deep 14-pixel maps are not shown as specks nor 64 big ones at full size. Tiles grown by
    repeating pixels are flat blocks: PNG keeps them sharp and is the smaller file. Shrunk or
    native maps are photo-like, where JPEG is 2-3 times smaller and far faster to encode.
    """
    count = np.shape(maps)[2] if order is None else len(order)
    tile = max(8, width // math.ceil(math.sqrt(max(count, 1))) - 2)
    image = mosaic(maps, order=order, tile=tile, shared_scale=shared_scale, numbered=True)
    if tile // max(np.shape(maps)[:2]) >= 2:
        return to_png_bytes(image), "PNG"
    return to_jpeg_bytes(image), "JPEG"


def layer_summaries(maps_by_layer: dict[str, np.ndarray], tile: int = 96) -> list[np.ndarray]:
    """One small picture per layer, in the dict's order: the mean over its channels.

    The mean shows where a layer responds at all, which is what a glance across all depths needs;
    any single channel would show one filter's taste instead.
    """
    return [mosaic(maps.mean(axis=2, keepdims=True), tile=tile, gap=0) for maps in maps_by_layer.values()]


def resize_maps(maps: np.ndarray, tile: int) -> np.ndarray:
    """Bring (N, H, W) maps to roughly ``tile`` pixels by a whole factor, so they stay crisp and undistorted.

    Larger maps shrink by averaging each factor×factor block (a 224 map with ``tile=64`` becomes
    56); smaller ones grow by repeating pixels (a 7 map with ``tile=28`` becomes 28).
    """
    tiles = np.asarray(maps)
    count, height, width = tiles.shape
    side = max(height, width)
    if side > tile:
        factor = math.ceil(side / tile)
        h, w = height // factor, width // factor
        blocks = tiles[:, : h * factor, : w * factor].reshape(count, h, factor, w, factor)
        return blocks.mean(axis=(2, 4))
    factor = max(1, tile // side)
    return tiles.repeat(factor, axis=1).repeat(factor, axis=2) if factor > 1 else tiles


def to_png_bytes(rgb: np.ndarray) -> bytes:
    """Lossless: right for small mosaics and for anyone who wants to read exact colours back."""
    return _encode(rgb, "PNG", optimize=False, compress_level=6)


def to_jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    """Several times smaller than PNG for large, smooth mosaics such as block 1's 224-pixel maps."""
    return _encode(rgb, "JPEG", quality=quality)


def _encode(rgb: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgb, dtype=np.uint8)).save(buffer, format=fmt, **options)
    return buffer.getvalue()
