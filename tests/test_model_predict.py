"""The shipped model: a verdict's parts, its maps on the photo, its invariance to a half-turn, and
what it says about photos it never trained on (another lab's)."""

import numpy as np
import pytest

from crystal.model.fit import fit
from crystal.model.predict import load_model
from crystal.model.store import DEFAULT_MODEL_DIR, model_zip, read_model
from crystal.vision.images import load_rgb
from crystal.vision.samples import OTHER_LABS_DIR, labelled_drops

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def crystal_rgb():
    return load_rgb(labelled_drops()[1].path)


def test_a_verdict_and_its_maps(model, crystal_rgb):
    p = model.predict(crystal_rgb)
    assert p.label == ("crystal" if p.p_crystal >= model.threshold else "no_crystal")
    assert p.pooled.shape == (2, 512) and p.drop.found
    heat = p.gradcam_on((433, 578))
    assert heat.shape == (433, 578) and heat.min() >= 0 and heat.max() <= 1
    top, left, bottom, right = p.tile_region()
    assert p.drop.box[0] == top and p.drop.box[1] == left and bottom <= p.drop.box[2] and right <= p.drop.box[3]
    assert ((p.tile_scores >= 0) & (p.tile_scores <= 1)).all()


def test_the_verdict_is_the_head_on_the_views_features(model, crystal_rgb):
    """Reference arithmetic in NumPy: standardise, dense layer, mean log-odds over the views."""
    p = model.predict(crystal_rgb, explain=False)
    w = model.weights
    log_odds = (((p.pooled - w.mean) / np.sqrt(w.variance)) @ w.kernel + w.bias).mean()
    assert p.log_odds == pytest.approx(log_odds, abs=1e-3)


def test_a_half_turned_photo_gets_the_same_chance(model, crystal_rgb):
    """The verdict averages the upright and the half-turned drop, so turning the photo half round only
    swaps them, up to the few rows and columns at the far edge that whole cells leave out."""

    def log_odds(rgb):
        return model.predict(np.ascontiguousarray(rgb), explain=False).log_odds

    assert log_odds(crystal_rgb[::-1, ::-1]) == pytest.approx(log_odds(crystal_rgb), abs=0.5)


def test_a_zip_of_the_model_predicts_the_same(model, crystal_rgb, tmp_path):
    (tmp_path / "model.zip").write_bytes(model_zip(read_model(DEFAULT_MODEL_DIR)))
    again = load_model(tmp_path / "model.zip").predict(crystal_rgb, explain=False).p_crystal
    assert again == pytest.approx(model.predict(crystal_rgb, explain=False).p_crystal, abs=1e-6)


def test_the_shipped_head_is_the_fit_of_the_shipped_features(model):
    """Refitted on any machine, the head lands on the same optimum (Newton's method stops within
    TOLERANCE of it per weight), so its scores on the training rows agree within what that and the
    float32 storage allow: 512 weights off by TOLERANCE each on standardised features of a few
    units move a score by well under 1e-3; the solver's path or the CPU's summation order do not."""
    training = model.data.training
    refit = fit(training, model.card.settings.c)
    np.testing.assert_allclose(refit.log_odds(training.features), model.weights.log_odds(training.features), atol=1e-3)


@pytest.mark.parametrize("photo", sorted((OTHER_LABS_DIR / "diamond" / "crystal").glob("*.jpg")), ids=lambda p: p.name)
def test_another_labs_crystals_are_found(model, photo):
    """Diamond Light Source's imager, never trained on: obvious crystals in a round well."""
    assert model.predict(load_rgb(photo), explain=False).label == "crystal"


def test_the_verdict_adds_up_from_its_features_and_keeps_the_strongest_ones_maps(model, crystal_rgb):
    """Value × weight over the 512 features plus the bias is the head's log-odds (Keras), and the
    chance is a two-score softmax (Keras' Softmax) of (calibrated log-odds, 0); the kept maps are the backbone's
    own block4_conv3 maps of the upright view, recomputed here with Keras' VGG16 model."""
    import keras

    from crystal.model.features import network_input
    from crystal.model.weights import strongest

    p = model.predict(crystal_rgb, explain=False)
    contributions = model.weights.contributions(p.pooled)
    assert contributions.sum() + model.weights.bias == pytest.approx(p.log_odds, abs=1e-3)
    calibrated = model.weights.calibration.slope * p.log_odds + model.weights.calibration.intercept
    assert float(keras.layers.Softmax()(np.array([[calibrated, 0.0]]))[0, 0]) == pytest.approx(p.p_crystal, abs=1e-6)
    towards, away = strongest(contributions, 3)
    assert list(p.feature_maps) == towards + away and all(contributions[c] > 0 for c in towards)
    maps = np.asarray(model.backbone(network_input(p.view)))[0]
    for channel, kept in p.feature_maps.items():
        np.testing.assert_allclose(kept, maps[..., channel], rtol=1e-4, atol=1e-3)
