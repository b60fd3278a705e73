"""Prediction API: stable numbers, map shapes, heat inside the drop, clear errors for a missing model."""
import numpy as np
import pytest

from crystal.classifier import LABELS, describe_card, load_classifier
from crystal.drop_features import LONG_SIDES, prediction_pooled, shape_keeping_copies
from crystal.head import TOP_K
from crystal.images import load_rgb
from crystal.normalise import normalise
from crystal.samples import labelled_drops


@pytest.fixture(scope="module")
def classifier():
    return load_classifier()


@pytest.fixture(scope="module")
def crystal_rgb():
    return load_rgb(labelled_drops()[1].path)


def test_prediction_shapes_and_ranges(classifier, crystal_rgb):
    p = classifier.predict(crystal_rgb)
    assert p.label in LABELS and 0 <= p.p_crystal <= 1
    assert p.label == (LABELS[0] if p.p_crystal >= classifier.threshold else LABELS[1])
    assert p.gradcam.shape == crystal_rgb.shape[:2] and p.gradcam.dtype == np.float32
    assert 0 <= p.gradcam.min() and p.gradcam.max() <= 1
    assert p.tile_scores.ndim == 2 and ((0 <= p.tile_scores) & (p.tile_scores <= 1)).all()
    assert p.region == (0, 0, *crystal_rgb.shape[:2])


def test_tile_grid_region_stops_where_the_cells_stop(classifier, crystal_rgb):
    """848 x 1155 works at 470 x 640; four 2x2 poolings leave 29 x 40 cells = 464 x 640 working pixels."""
    cropped = crystal_rgb[:848]
    p = classifier.predict(cropped, explain=False)
    assert p.tile_scores.shape == (29, 40)
    assert p.region == (0, 0, round(848 * 464 / 470), 1155)


@pytest.mark.parametrize("turn", [lambda a: a[:, ::-1], lambda a: a[::-1, ::-1]], ids=["mirrored", "half-turned"])
def test_a_mirrored_or_half_turned_photo_gets_the_same_chance(classifier, crystal_rgb, turn):
    """The verdict averages the four shape-keeping copies, so these turns only reorder them, up to the
    few pixel rows and columns that resizing and whole cells trim at the bottom and right, which a turn
    moves to the other side. Compared in log-odds: one copy alone moves by 0.1-1.1 between turns on
    the sample drops, the average of four by about 0.01."""
    def log_odds(rgb: np.ndarray) -> float:
        p = classifier.predict(np.ascontiguousarray(rgb), explain=False).p_crystal
        return float(np.log(p / (1 - p)))

    assert log_odds(turn(crystal_rgb)) == pytest.approx(log_odds(crystal_rgb), abs=0.05)


def test_the_verdict_averages_every_size_with_or_without_the_maps(classifier, crystal_rgb):
    """The page's verdict (with maps) and the batch table's (without) must both be the one leave-one-out
    judged: the head on the shape-keeping copies at every size, not only at the size the maps use."""
    head, extractor = classifier.head, classifier._extractor
    every_size = head.pooled_probability(prediction_pooled(extractor, crystal_rgb))
    first_size = head.pooled_probability(prediction_pooled(extractor, crystal_rgb, LONG_SIDES[:1]))
    assert abs(every_size - first_size) > 1e-3  # the other size counts
    assert classifier.predict(crystal_rgb, explain=False).p_crystal == pytest.approx(every_size, abs=1e-5)
    assert classifier.predict(crystal_rgb).p_crystal == pytest.approx(every_size, abs=1e-5)


def test_predictions_are_stable_and_reload_identically(classifier, crystal_rgb):
    first = classifier.predict(crystal_rgb, explain=False).p_crystal
    assert classifier.predict(crystal_rgb, explain=False).p_crystal == first
    assert load_classifier().predict(crystal_rgb, explain=False).p_crystal == pytest.approx(first, abs=1e-6)


def test_gradcam_gradients_reach_exactly_the_pooled_cells(classifier, crystal_rgb):
    """Known answer from the head's weights alone: the log-odds average the copies and, per feature,
    its TOP_K strongest cells, so each copy's gradient for feature c lands on TOP_K map positions
    (one per cell, where the 2x2 cell pooling took its maximum) and sums to w_c / scale_c / copies."""
    copies = shape_keeping_copies(normalise(crystal_rgb))
    _, gradients = classifier._maps_and_gradients(copies)
    head = classifier.head
    np.testing.assert_allclose(gradients.sum(axis=(1, 2)), np.broadcast_to(head.weights / head.scale / len(copies),
                               (len(copies), head.weights.size)), rtol=1e-3, atol=1e-7)  # fmt: skip
    live = head.weights != 0
    assert ((gradients != 0).sum(axis=(1, 2))[:, live] == TOP_K).mean() > 0.99  # ties aside


@pytest.mark.slow
@pytest.mark.parametrize("drop", [d for d in labelled_drops() if d.label == "crystal"], ids=lambda d: d.name)
def test_gradcam_heat_lies_mostly_inside_the_drop(classifier, drop):
    """Inside the drop = an ellipse over the frame's central part, where this imager puts the drop;
    outside it lie the well's walls and the plate, whose hard edges a careless model would follow."""
    heat = classifier.predict(load_rgb(drop.path)).gradcam
    h, w = heat.shape
    yy, xx = np.mgrid[:h, :w]
    inside = ((yy - h / 2) / (0.42 * h)) ** 2 + ((xx - w / 2) / (0.32 * w)) ** 2 <= 1
    assert heat[inside].sum() > 0.5 * heat.sum()


def test_missing_model_says_how_to_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m crystal.train"):
        load_classifier(tmp_path)
    (tmp_path / "crystal_head.npz").write_bytes(b"garbage")
    (tmp_path / "model_card.json").write_text("{}")
    with pytest.raises(ValueError, match="python -m crystal.train"):
        load_classifier(tmp_path)


def test_describe_card_gives_counts_in_words(classifier):
    text = describe_card(classifier.card)
    loo = classifier.card["evaluation"]
    assert f"{loo['correct']} of {loo['n']}" in text and "Leave-one-out" in text and "Limits" in text
