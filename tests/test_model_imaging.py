"""The imaging changes do what their names say, the normalisation cancels the simple ones, and the
robustness table names the changes that miss a goal."""

import numpy as np
import pytest

from crystal.model.card import Robustness, RobustnessRow
from crystal.model.imaging import CHANGES
from crystal.model.normalise import brightest_channel, brightness, dimmest_channel, local_contrast, normalise
from crystal.model.robustness import with_robustness
from crystal.vision.images import load_rgb
from crystal.vision.samples import labelled_drops

from .cards import a_card


@pytest.fixture(scope="module")
def rgb():
    return load_rgb(labelled_drops()[0].path)


def test_changes_keep_images_valid_and_sized_as_named(rgb):
    for name, change in CHANGES.items():
        out = change(rgb)
        assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3, name
    assert CHANGES["rescale to 1280x960"](rgb).shape == (960, 1280, 3)
    assert CHANGES["rescale to 640x480"](rgb).shape == (480, 640, 3)
    h, w = CHANGES["crop to 60% of frame"](rgb).shape[:2]
    assert (h, w) == (round(0.6 * rgb.shape[0]), round(0.6 * rgb.shape[1]))
    assert np.array_equal(CHANGES["mirror"](rgb), rgb[:, ::-1])


def test_normalise_cancels_exposure_and_resolution(rgb):
    reference = normalise(rgb, 640).astype(float)
    darker = normalise((rgb * 0.6).astype(np.uint8), 640).astype(float)
    smaller = normalise(CHANGES["rescale to 640x480"](rgb), 640).astype(float)
    assert np.abs(darker - reference).mean() < 4 and np.abs(smaller - reference).mean() < 8


@pytest.mark.parametrize("change", ["hue rotation", "swap colour channels"])
def test_normalise_ignores_hue(rgb, change):
    """Luma would turn the JPEG's chroma noise, once its hue is rotated, into grey-level texture
    (15 grey levels of mean change on this photo after normalising); the brightest channel stays put."""
    turned = rgb[..., [1, 2, 0]] if change == "swap colour channels" else CHANGES[change](rgb)
    assert np.abs(normalise(turned, 640).astype(float) - normalise(rgb, 640)).mean() < 0.5


def test_local_contrast_of_a_tighter_frame_matches_the_whole_frame(rgb):
    """Built from each pixel's neighbourhood only: cropping the well's dark wall away must not make
    the drop's own texture stronger (an image-wide scale did, by 15-25 %, and turned precipitate
    into "crystal"). Compared away from the crop's edges, where the neighbourhoods are the same."""
    grey, sigma = brightness(rgb, 640), 32.0
    whole = local_contrast(grey, sigma)
    tight = local_contrast(grey[100:400, 150:550], sigma)
    margin = int(3 * sigma)
    inner_whole = whole[100 + margin : 400 - margin, 150 + margin : 550 - margin]
    inner_tight = tight[margin:-margin, margin:-margin]
    assert np.abs(inner_tight - inner_whole).mean() < 0.01 * np.abs(inner_whole).mean()


def test_the_table_goes_into_the_card_with_one_limit_naming_the_changes_that_miss_a_goal():
    rows = [
        RobustnessRow("mirror", 0, 15, []),
        RobustnessRow("crop to 60% of frame", 5, 10, []),
        RobustnessRow("hue rotation", 1, 14, []),
    ]
    table = Robustness("m", 16, ["upright"], rows)
    card = with_robustness(with_robustness(a_card(limits=["Only 16 photos."]), table), table)  # replaced, not stacked
    assert card.robustness.changes == rows
    assert card.limits[0] == "Only 16 photos." and len(card.limits) == 2
    weak = card.limits[1]
    assert "mirror" not in weak  # meets both goals
    assert "crop to 60% of frame (5 changed, 10 right)" in weak  # too many flips
    assert "hue rotation (1 changed, 14 right)" in weak  # too few right
    assert with_robustness(card, Robustness("m", 16, ["upright"], rows[:1])).limits == ["Only 16 photos."]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_brightest_and_dimmest_channels_are_numpys_max_and_min(dtype):
    rgb = (np.random.default_rng(3).random((30, 50, 3)) * 255).astype(dtype)
    np.testing.assert_array_equal(brightest_channel(rgb), rgb.max(axis=2))
    np.testing.assert_array_equal(dimmest_channel(rgb), rgb.min(axis=2))
