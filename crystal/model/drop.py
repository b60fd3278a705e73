"""Find the drop in a photo of a crystallization well, so the model looks at the drop and nothing else.

Imagers frame wells differently: ours show a square well filling the frame, Diamond's a round well
in a dark ring with the drop a third of the frame wide. Judged at one size, the same crystal then
spans a few pixels in one photo and a hundred in another, and the well's hard edges outshine the
drop. So the model first finds the drop, crops to it and blanks out everything around it.

The finder is classical image analysis on a 256-pixel copy, in four steps:

1. **The well**: the largest bright region (Otsu's threshold), made convex, since wells are squares,
   octagons or circles and a dark drop inside must not cut a hole in them.
2. **The well floor**: a smooth surface (quadratic in x and y) fitted, robustly, to a band just
   inside the well's edge, where only empty floor lies; it follows uneven lighting and vignetting.
3. **The drop**: what differs from that floor by several times the floor's own noise, with its
   holes filled and specks removed; every sizeable piece is kept and their convex hull taken, so a
   drop whose inside looks like the floor is still found whole from its rim.
4. **Fail safe**: when nothing sizeable differs from the floor (an empty well, a drop with no
   visible rim, a photo of something else), the whole frame is judged.

>>> rgb = np.full((300, 400, 3), 60, np.uint8)                  # a dark plate
>>> yy, xx = np.mgrid[:300, :400]
>>> rgb[(yy - 150) ** 2 + (xx - 200) ** 2 < 130 ** 2] = 220    # a bright round well
>>> rgb[(yy - 140) ** 2 + (xx - 210) ** 2 < 50 ** 2] = 170     # a grey drop in it
>>> find_drop(rgb).box                                          # (top, left, bottom, right)
(84, 154, 197, 268)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from crystal.model.normalise import brightest_channel

WORKING_SIDE = 256
"""Long side, in pixels, of the copy the finder works on: drops are large, so detail is not needed."""
WELL_MARGIN = 6
"""Working pixels trimmed off the well's edge before looking for the drop, so the wall's shading is left out."""
FLOOR_BAND = 10
"""Width, in working pixels, of the band inside the well's edge that the floor surface is fitted to."""
NOISE_FACTOR = 4.0
MIN_DIFFERENCE = 0.03
"""A pixel belongs to something on the floor when it differs from the fitted floor by more than
NOISE_FACTOR times the floor's noise and by at least MIN_DIFFERENCE (in brightness from 0 to 1)."""
MIN_PIECE = 0.01
"""Smallest piece kept, as a share of the well's area: smaller ones are dust and reflections."""
GROW = 0.05
"""The drop's outline is grown by this share of its size, so crystals on its rim stay inside."""


@dataclass(frozen=True)
class Drop:
    """Where the drop is in a photo of ``frame`` (height, width) pixels: ``box`` (top, left, bottom,
    right) in those pixels, and ``mask``, a coarser boolean image of the whole photo that is True
    inside the drop, or None when no drop was found and the whole frame is judged."""

    box: tuple[int, int, int, int]
    frame: tuple[int, int]
    mask: np.ndarray | None = None

    @property
    def found(self) -> bool:
        return self.mask is not None

    def mask_in_box(self) -> np.ndarray | None:
        """The mask cut to :attr:`box` at input resolution, as float32 in [0, 1] (None: no mask)."""
        if self.mask is None:
            return None
        top, left, bottom, right = self.box
        rows, cols = self.mask.shape
        height, width = self.frame
        row_index = (np.arange(top, bottom) * rows // height).clip(0, rows - 1)
        col_index = (np.arange(left, right) * cols // width).clip(0, cols - 1)
        return self.mask[np.ix_(row_index, col_index)].astype(np.float32)


def whole_frame(shape: tuple[int, ...]) -> Drop:
    """The fail-safe answer: judge the whole photo."""
    return Drop((0, 0, int(shape[0]), int(shape[1])), (int(shape[0]), int(shape[1])))


def find_drop(rgb: np.ndarray) -> Drop:
    """The drop in an RGB uint8 photo, or the whole frame when there is no drop to be seen."""
    grey, scale = _working_copy(rgb)
    well = _convex_hull(_largest_region(grey > _otsu_threshold(grey)))
    inside = ndimage.binary_erosion(well, iterations=WELL_MARGIN)
    if inside.sum() < 100:
        return whole_frame(rgb.shape)
    difference, noise = _difference_from_floor(grey, inside)
    pieces = inside & (difference > max(MIN_DIFFERENCE, NOISE_FACTOR * noise))
    pieces = ndimage.binary_closing(pieces, iterations=3)
    pieces = ndimage.binary_opening(ndimage.binary_fill_holes(pieces), iterations=3) & inside
    labels, count = ndimage.label(pieces)
    sizes = ndimage.sum(pieces, labels, range(1, count + 1))
    kept = np.isin(labels, 1 + np.flatnonzero(sizes >= MIN_PIECE * well.sum()))
    if kept.sum() < 20:
        return whole_frame(rgb.shape)
    drop = _convex_hull(kept)
    rows, cols = np.nonzero(drop)
    grow = max(1, round(GROW * max(np.ptp(rows), np.ptp(cols))))
    drop = ndimage.binary_dilation(drop, iterations=grow)
    rows, cols = np.nonzero(drop)
    height, width = rgb.shape[:2]
    box = (
        max(0, int(rows.min() / scale)),
        max(0, int(cols.min() / scale)),
        min(height, int(np.ceil((rows.max() + 1) / scale))),
        min(width, int(np.ceil((cols.max() + 1) / scale))),
    )
    return Drop(box, (height, width), drop)


def _working_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Brightest channel in [0, 1] at :data:`WORKING_SIDE`, lightly smoothed, and the scale factor."""
    value = Image.fromarray(brightest_channel(rgb))
    scale = WORKING_SIDE / max(value.size)
    small = value.resize(
        (max(1, round(value.width * scale)), max(1, round(value.height * scale))), Image.Resampling.BOX
    )
    return ndimage.gaussian_filter(np.asarray(small, dtype=np.float32) / 255.0, 1.0), scale


def _otsu_threshold(values: np.ndarray) -> float:
    """The grey level that best splits ``values`` (in [0, 1]) into two classes (Otsu, 1979)."""
    counts, edges = np.histogram(values, 256, (0.0, 1.0))
    share = counts / counts.sum()
    below = np.cumsum(share)
    mean_below = np.cumsum(share * np.arange(256))
    between = (mean_below[-1] * below - mean_below) ** 2 / (below * (1 - below) + 1e-12)
    return float(edges[np.argmax(between)])


def _largest_region(mask: np.ndarray) -> np.ndarray:
    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    return labels == 1 + int(np.argmax(ndimage.sum(mask, labels, range(1, count + 1))))


def _convex_hull(mask: np.ndarray) -> np.ndarray:
    """The filled convex hull of a mask's pixels (the mask itself when it has fewer than 3 corners)."""
    from scipy.spatial import ConvexHull, QhullError

    rows, cols = np.nonzero(mask)
    points = np.stack([cols, rows], axis=1).astype(np.float64)
    try:
        corners = points[ConvexHull(points).vertices]
    except (QhullError, ValueError):
        return mask
    hull = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    ImageDraw.Draw(hull).polygon([tuple(p) for p in corners], fill=1)
    return np.asarray(hull, dtype=bool)


def _difference_from_floor(grey: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, float]:
    """|grey - floor| and the floor's noise (robust standard deviation), the floor being a quadratic
    surface fitted to the band along the well's edge; what sits in that band is refitted away."""
    band = inside & ~ndimage.binary_erosion(inside, iterations=FLOOR_BAND)
    rows, cols = np.mgrid[: grey.shape[0], : grey.shape[1]] / WORKING_SIDE
    terms = np.stack([np.ones_like(rows), cols, rows, cols * cols, cols * rows, rows * rows], axis=-1)
    used = band
    for _ in range(6):
        coefficients, *_ = np.linalg.lstsq(terms[used], grey[used], rcond=None)
        residual = grey - terms @ coefficients
        noise = 1.4826 * float(np.median(np.abs(residual[used])))
        used = band & (np.abs(residual) < 2.5 * noise)
        if used.sum() < 12:
            used = band
            break
    return np.abs(residual), noise
