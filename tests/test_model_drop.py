"""The drop finder on drawn wells (a square one like ours, a round one in a dark ring like Diamond's),
on the shipped photos, and its fail-safe on photos with no drop in them."""

import numpy as np
import pytest

from crystal.model.drop import find_drop
from crystal.vision.images import load_rgb
from crystal.vision.samples import labelled_drops


def drawn_well(round_well: bool, drop_centre=(200, 260), drop_radius=70, shape=(480, 640)) -> np.ndarray:
    """A plate (dark), a bright well (square or round), a slightly darker drop with a dark rim."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    rgb = np.full((*shape, 3), 40 if round_well else 150, np.uint8)
    if round_well:
        well = (yy - 240) ** 2 + (xx - 320) ** 2 < 220**2
    else:
        well = (abs(yy - 240) < 210) & (abs(xx - 320) < 210)
    rgb[well] = 225
    distance = np.hypot(yy - drop_centre[0], xx - drop_centre[1])
    rgb[distance < drop_radius] = 190
    rgb[(distance >= drop_radius - 4) & (distance < drop_radius)] = 90
    noise = np.random.default_rng(0).normal(0, 2, shape)[..., None]
    return np.clip(rgb + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("round_well", [False, True], ids=["square well", "round well in a dark ring"])
def test_the_box_holds_the_drop_and_little_else(round_well):
    drop = find_drop(drawn_well(round_well))
    top, left, bottom, right = drop.box
    assert drop.found
    assert top <= 200 - 70 and left <= 260 - 70 and bottom >= 200 + 70 and right >= 260 + 70  # the whole drop
    assert (bottom - top) * (right - left) < 2.0 * (2 * 70) ** 2  # and not the well around it


def test_the_mask_covers_the_drop_and_blanks_the_well_floor():
    drop = find_drop(drawn_well(False))
    mask = drop.mask_in_box()
    top, left, _, _ = drop.box
    assert mask.shape == (drop.box[2] - top, drop.box[3] - left)
    assert mask[200 - top, 260 - left] == 1  # the drop's centre
    assert mask[0, 0] == 0  # a corner of the box lies on the floor


@pytest.mark.parametrize("photo", ["empty well", "noise", "tiny"])
def test_no_drop_to_be_seen_means_the_whole_frame_is_judged(photo):
    rng = np.random.default_rng(1)
    rgb = {
        "empty well": drawn_well(False, drop_radius=0),
        "noise": rng.integers(0, 256, (300, 400, 3), dtype=np.uint8),
        "tiny": np.full((16, 16, 3), 200, np.uint8),
    }[photo]
    drop = find_drop(rgb)
    if photo != "noise":
        assert not drop.found and drop.box == (0, 0, *rgb.shape[:2]) and drop.mask_in_box() is None
    top, left, bottom, right = drop.box  # whatever noise gives, a box inside the frame
    assert 0 <= top < bottom <= rgb.shape[0] and 0 <= left < right <= rgb.shape[1]


@pytest.mark.parametrize("sample", labelled_drops(), ids=lambda s: s.path.name[-30:])
def test_every_shipped_drop_is_found_in_the_middle_of_its_well(sample):
    """The shipped photos' wells fill the frame with the drop in its middle: the box must be smaller
    than the frame and hold the frame's centre (the empty-looking clear drop may fall back to it)."""
    rgb = load_rgb(sample.path)
    top, left, bottom, right = find_drop(rgb).box
    height, width = rgb.shape[:2]
    assert top < height / 2 < bottom and left < width / 2 < right
