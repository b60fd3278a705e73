"""The view plan: names, labels, and what a view renders, checked against NumPy and PIL directly."""

import numpy as np
import pytest
from PIL import Image

from crystal.model.drop import Drop, whole_frame
from crystal.model.normalise import normalise
from crystal.model.views import (
    AS_TAKEN,
    MID_GREY,
    PREDICTION_VIEWS,
    TRAINING_VIEWS,
    View,
    blank_outside,
    pad,
    render,
    turn,
)


def photo(shape=(240, 320)) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (*shape, 3), dtype=np.uint8)


def test_view_names_are_unique_and_prediction_views_are_trained_on():
    names = [view.name for view in TRAINING_VIEWS]
    assert len(set(names)) == len(names)
    assert all(view in TRAINING_VIEWS for view in PREDICTION_VIEWS)
    assert PREDICTION_VIEWS[0] == AS_TAKEN and AS_TAKEN.angle == 0 and not AS_TAKEN.mirrored


def test_drawn_crystals_make_a_crystal_view_and_look_alikes_keep_the_label():
    crystals = next(v for v in TRAINING_VIEWS if v.drawn == "crystals")
    lookalikes = next(v for v in TRAINING_VIEWS if v.drawn == "look-alikes")
    assert crystals.label("no_crystal") == "crystal" and lookalikes.label("no_crystal") == "no_crystal"
    assert AS_TAKEN.label("no_crystal") == "no_crystal"


def test_the_whole_frame_view_is_the_normalised_photo():
    rgb = photo()
    np.testing.assert_array_equal(render(rgb, whole_frame(rgb.shape), AS_TAKEN), normalise(rgb, AS_TAKEN.long_side))


def test_a_view_crops_to_the_drop_box():
    rgb = photo()
    drop = Drop((40, 60, 200, 300), rgb.shape[:2])
    np.testing.assert_array_equal(render(rgb, drop, AS_TAKEN), normalise(rgb[40:200, 60:300], AS_TAKEN.long_side))


@pytest.mark.parametrize("angle,mirrored,k", [(90, False, 1), (180, False, 2), (270, True, 3)])
def test_quarter_turns_match_numpy(angle, mirrored, k):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    expected = np.rot90(grey[:, ::-1] if mirrored else grey, k)
    np.testing.assert_array_equal(turn(grey, angle, mirrored), expected)


def test_other_angles_match_pil_and_keep_the_size():
    grey = photo((50, 70))[..., 0]
    expected = np.asarray(Image.fromarray(grey).rotate(45, resample=Image.Resampling.BILINEAR, fillcolor=MID_GREY))
    np.testing.assert_array_equal(turn(grey, 45), expected)


def test_outside_the_mask_is_mid_grey_and_inside_is_kept():
    grey = np.full((200, 200), 250, np.uint8)
    mask = np.zeros((20, 20))
    mask[5:15, 5:15] = 1
    blanked = blank_outside(grey, mask)
    assert blanked[100, 100] == 250 and blanked[5, 5] == MID_GREY


def test_narrow_pictures_are_padded_at_the_bottom_right():
    padded = pad(np.zeros((10, 300), np.uint8))
    assert padded.shape == (64, 300) and padded[:10].max() == 0 and (padded[10:] == MID_GREY).all()


def test_drawn_views_draw_the_same_for_the_same_photo_and_differ_between_photos():
    rgb = np.full((240, 320, 3), 200, np.uint8)
    view = View("crystals drawn #1", 224, drawn="crystals")
    frame = whole_frame(rgb.shape)
    first, again, other = (render(rgb, frame, view, seed) for seed in ("photo-a", "photo-a", "photo-b"))
    np.testing.assert_array_equal(first, again)
    assert np.abs(first.astype(int) - other).max() > 0
