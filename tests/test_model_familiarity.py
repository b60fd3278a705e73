"""Telling photos unlike the training photos: a worked example, the leave-one-out rule, and the shipped
model's rule on another lab's photos and on our own unlabelled ones."""

import numpy as np
import pytest

from crystal.model.drop import Drop, find_drop
from crystal.model.familiarity import FLAGGED_SHARE, HISTOGRAM_BINS, Familiarity, appearance
from crystal.model.store import DEFAULT_MODEL_DIR, read_model
from crystal.vision.images import load_rgb
from crystal.vision.samples import OTHER_LABS_DIR, SAMPLES_DIR


def test_a_worked_example():
    """Four corners of a square. Held out, each corner's nearest other corner is 2 away along one
    axis, where the other three spread with a standard deviation of 0.943: sqrt((2/0.943)^2 / 2) = 1.5."""
    rule = Familiarity.fit(np.array([[0, 0], [2, 0], [0, 2], [2, 2]], float))
    np.testing.assert_allclose(rule.held_out, 1.5, rtol=1e-3)
    assert rule.threshold == pytest.approx(1.5, rel=1e-3)  # 4 photos: none may be flagged
    assert rule.distance([1, 1]) == pytest.approx(1.0) and not rule.unfamiliar([1, 1])  # spread 1 on all four
    assert rule.distance([4, 4]) == pytest.approx(2.0) and rule.unfamiliar([4, 4])


def test_at_most_one_in_sixteen_training_photos_is_flagged_when_held_out():
    rng = np.random.default_rng(1)
    reference = rng.normal(size=(32, 10))
    reference[5] += 6  # one odd photo
    rule = Familiarity.fit(reference)
    assert rule.flagged_when_held_out == int(32 * FLAGGED_SHARE) == 2
    assert rule.held_out[5] > rule.threshold


def test_the_appearance_of_a_photo():
    """Half black, half white, grey (no colour); the drop 50 pixels across: log2(50)."""
    rgb = np.zeros((40, 80, 3), np.uint8)
    rgb[:, 40:] = 255
    description = appearance(rgb, Drop((0, 0, 40, 50), (40, 80)))
    assert description[0] == description[7] == 0.5 and description[1:7].sum() == 0
    assert description[8] == 0 and description[9] == pytest.approx(np.log2(50))


def test_the_appearance_matches_numpys_histogram_and_channel_extremes():
    """Against NumPy's own histogram of the mean grey level and its max and min over the channels,
    with pixels on every bin edge and just under it."""
    rgb = np.random.default_rng(2).integers(0, 256, (40, 256, 3), dtype=np.uint8)
    rgb[0] = np.arange(256)[:, None]  # every grey level: the bin edges 32, 64, ... among them
    rgb[1] = rgb[0]
    rgb[1, 1:, 2] -= 1  # a third of a level under each of them
    description = appearance(rgb, Drop((0, 0, 40, 256), (40, 256)))
    histogram, _ = np.histogram(rgb.mean(axis=2), bins=HISTOGRAM_BINS, range=(0, 256))
    np.testing.assert_array_equal(description[:HISTOGRAM_BINS], (histogram / histogram.sum()).astype(np.float32))
    colourful = (rgb.max(axis=2).astype(float) - rgb.min(axis=2)).mean() / 255
    assert description[HISTOGRAM_BINS] == pytest.approx(colourful, rel=1e-6)


@pytest.fixture(scope="module")
def shipped_rule() -> Familiarity:
    return Familiarity.fit(read_model(DEFAULT_MODEL_DIR).appearance)


def describe(path) -> np.ndarray:
    rgb = load_rgb(path)
    return appearance(rgb, find_drop(rgb))


def test_the_shipped_rule_flags_another_labs_photos_and_not_our_unlabelled_drops(shipped_rule):
    assert shipped_rule.flagged_when_held_out <= 1 and len(shipped_rule.held_out) == 16
    diamond = sorted((OTHER_LABS_DIR / "diamond").glob("*/*.jpg"))
    assert len(diamond) == 3 and all(shipped_rule.unfamiliar(describe(path)) for path in diamond)
    ours = sorted((SAMPLES_DIR / "drops" / "unlabeled").glob("*.jpg"))
    assert ours and not any(shipped_rule.unfamiliar(describe(path)) for path in ours)
