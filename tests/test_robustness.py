"""The imaging changes do what their names say, and the normalisation cancels the simple ones."""
import numpy as np
import pytest

from crystal.images import load_rgb
from crystal.normalise import normalise
from crystal.robustness import CHANGES
from crystal.samples import labelled_drops


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
    reference = normalise(rgb).astype(float)
    darker = normalise((rgb * 0.6).astype(np.uint8)).astype(float)
    smaller = normalise(CHANGES["rescale to 640x480"](rgb)).astype(float)
    assert np.abs(darker - reference).mean() < 4 and np.abs(smaller - reference).mean() < 8
