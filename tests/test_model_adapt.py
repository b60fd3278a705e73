"""Teaching the model a lab's photos, on made features: the weighting, the re-fit, leave-one-out, and
an adapted model that splits back into its base and its local photos."""

from dataclasses import replace

import numpy as np
import pytest

from crystal.model.adapt import LocalPhoto, adapt, changed_verdicts, split, training_set
from crystal.model.calibration import fit_calibration
from crystal.model.card import HeldOutPhoto
from crystal.model.familiarity import APPEARANCE_SIZE
from crystal.model.fit import TrainingSet, fit, local_weight
from crystal.model.store import ModelData, model_zip, read_model
from crystal.model.views import PREDICTION_VIEWS
from crystal.model.weights import CHANNELS

from .cards import a_card

rng = np.random.default_rng(0)


def pooled(crystal: bool, imager: str) -> np.ndarray:
    """(2, 512) features: crystals raise feature 0, by 6 on the base lab's imager; the other lab's
    imager is darker: there crystals raise it by 2 only, clear drops lower it by 2, and the other
    features hardly vary."""
    f = rng.normal(scale=0.5 if imager == "base" else 0.01, size=(len(PREDICTION_VIEWS), CHANNELS))
    f[:, 0] += (6.0 * crystal) if imager == "base" else (2.0 if crystal else -2.0)
    return f


@pytest.fixture(scope="module")
def base() -> ModelData:
    labels = ["crystal"] * 8 + ["no_crystal"] * 8
    training = TrainingSet.from_photos(
        [pooled(label == "crystal", "base") for label in labels], labels, [PREDICTION_VIEWS] * len(labels)
    )
    scores = [6.0 if label == "crystal" else -6.0 for label in labels]  # as a nested leave-one-out gave them
    card = a_card(16)
    held_out = [HeldOutPhoto(f"p{i}.jpg", label, s, 0.5) for i, (label, s) in enumerate(zip(labels, scores))]
    card = replace(card, evaluation=replace(card.evaluation, per_photo=held_out))
    calibration = fit_calibration(np.array(scores), np.array([label == "crystal" for label in labels]))
    entry = replace(card.calibration, slope=calibration.slope, intercept=calibration.intercept)
    card = replace(card, calibration=entry)
    return ModelData(
        replace(fit(training, 1.0), calibration=calibration),
        card,
        training,
        [f"{i:064x}" for i in range(16)],
        rng.normal(0.5, 0.05, (16, APPEARANCE_SIZE)).astype(np.float32),
        np.zeros(16, bool),
    )


def their_photo(i: int, crystal: bool) -> LocalPhoto:
    label = "crystal" if crystal else "no_crystal"
    return LocalPhoto.checked(
        f"mine/{i}.jpg", f"{1000 + i:064x}", label, pooled(crystal, "theirs"), np.full(APPEARANCE_SIZE, 0.9, np.float32)
    )


def test_each_local_photo_counts_as_the_weighting_rule_says(base):
    local = [their_photo(i, i % 2 == 0) for i in range(4)]
    data = training_set(base, local)
    assert data.photos == 20
    per_photo = np.bincount(data.photo, weights=data.weight)
    np.testing.assert_allclose(per_photo[:16], 1.0)
    np.testing.assert_allclose(per_photo[16:], local_weight(16, 4)) and local_weight(16, 4) == 4.0


def test_a_handful_of_their_photos_flips_a_verdict_the_base_got_wrong(base):
    probe = their_photo(99, crystal=True)
    assert base.weights.p_crystal(probe.rows.features) < 0.5  # their crystals look clear to the base model
    taught = adapt(base, [their_photo(i, i % 2 == 0) for i in range(6)])
    assert taught.model.weights.p_crystal(probe.rows.features) >= 0.5
    unweighted = fit(
        base.training.joined(
            TrainingSet.from_photos(
                [their_photo(i, i % 2 == 0).rows.features for i in range(6)],
                ["crystal", "no_crystal"] * 3,
                [PREDICTION_VIEWS] * 6,
            )
        ),
        1.0,
    )  # the same photos counting 1 each
    assert unweighted.score(probe.rows.features) < taught.model.weights.score(probe.rows.features)


def test_leave_one_out_judges_each_local_photo_with_a_head_and_a_calibration_that_never_saw_it(base):
    local = [their_photo(i, i % 2 == 0) for i in range(6)]
    taught = adapt(base, local)
    scores = [
        fit(training_set(base, local[:i] + local[i + 1 :]), 1.0).score(p.rows.features) for i, p in enumerate(local)
    ]
    base_scores = [photo.log_odds for photo in base.card.evaluation.per_photo]
    truth = np.r_[
        [photo.label == "crystal" for photo in base.card.evaluation.per_photo], [i % 2 == 0 for i in range(6)]
    ]
    for i, score in enumerate(scores):
        others = np.r_[base_scores, scores]
        keep = np.arange(len(others)) != 16 + i
        expected = fit_calibration(others[keep], truth[keep]).chance(score)
        assert taught.held_out_p[i] == pytest.approx(expected)
    np.testing.assert_allclose(taught.base_p, [base.weights.p_crystal(p.rows.features) for p in local])
    card = taught.model.card.adapted
    assert card.leave_one_out.n == 6 and card.counts == {"crystal": 3, "no_crystal": 3}
    assert card.leave_one_out.correct > card.base_model_on_the_same_photos.correct
    assert [entry.sha256 for entry in card.per_photo] == [photo.sha256 for photo in local]
    changed = changed_verdicts(card, 0.5)
    assert [photo.sha256 for photo in changed] == [
        p.sha256 for p, q, r in zip(local, taught.held_out_p, taught.base_p) if (q >= 0.5) != (r >= 0.5)
    ] and changed


def test_their_photos_stop_being_unfamiliar_once_taught(base):
    from crystal.model.familiarity import Familiarity

    photo = their_photo(7, True)
    assert Familiarity.fit(base.appearance).unfamiliar(photo.appearance)
    taught = adapt(base, [their_photo(i, i % 2 == 0) for i in range(4)])
    assert not Familiarity.fit(taught.model.appearance).unfamiliar(photo.appearance)
    assert taught.model.card.unfamiliar.n == 20


def test_an_adapted_model_splits_back_into_its_base_and_photos_after_a_zip_round_trip(base):
    local = [their_photo(i, i % 3 == 0) for i in range(5)]
    again = read_model(model_zip(adapt(base, local).model))
    mine, photos = split(again)
    assert [p.sha256 for p in photos] == [p.sha256 for p in local] and [p.name for p in photos] == [
        p.name for p in local
    ]
    assert [p.label for p in photos] == [p.label for p in local]
    np.testing.assert_array_equal(mine.training.features, base.training.features.astype(np.float32))
    assert mine.photo_sha256 == base.photo_sha256 and mine.card.adapted is None
    np.testing.assert_allclose(mine.weights.kernel, base.weights.kernel, atol=1e-5)  # the base head, given back
    assert mine.weights.calibration == base.weights.calibration
    retaught = adapt(mine, photos)  # teaching goes on from the zip as if it had never stopped
    np.testing.assert_allclose(retaught.model.weights.kernel, adapt(base, local).model.weights.kernel, atol=1e-4)


def test_adapting_needs_a_labelled_photo_and_a_known_label(base):
    with pytest.raises(ValueError, match="at least one"):
        adapt(base, [])
    with pytest.raises(ValueError, match="label"):
        LocalPhoto.checked("x.jpg", "0" * 64, "maybe", np.zeros((2, CHANNELS)), np.zeros(APPEARANCE_SIZE))


@pytest.mark.slow
def test_four_photos_from_a_washed_out_imager_teach_the_real_model_its_crystals():
    """The shipped drops as a washed-out imager would show them (a quarter of the contrast, much
    brighter): the shipped model finds none of their crystals. Taught two crystal and two clear
    drops, it finds the other four drops' crystals and still calls the other drops clear."""
    from crystal.model.predict import load_model
    from crystal.vision.images import load_rgb
    from crystal.vision.samples import labelled_drops

    model, drops = load_model(), labelled_drops()
    washed = [model.predict((load_rgb(drop.path) * 0.25 + 150).astype(np.uint8), explain=False) for drop in drops]
    taught_on = [0, 1, 6, 7]  # two crystal, two clear drops
    local = [
        LocalPhoto.checked(drops[i].name, f"{i:064x}", drops[i].label, washed[i].pooled, washed[i].appearance)
        for i in taught_on
    ]
    adapted = adapt(model.data, local).model.weights
    others = [i for i in range(len(drops)) if i not in taught_on]
    crystals = [i for i in others if drops[i].label == "crystal"]
    assert len(crystals) == 4 and all(washed[i].p_crystal < 0.5 for i in crystals)  # the shipped model misses them
    assert all(adapted.p_crystal(washed[i].pooled) >= 0.5 for i in crystals)
    assert sum(adapted.p_crystal(washed[i].pooled) >= 0.5 for i in others if i not in crystals) <= 1
