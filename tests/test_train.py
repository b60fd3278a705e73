"""Training: the folder rule, the evaluation arithmetic, and the card's quick-CV figure recomputed."""
import json

import numpy as np
import pytest

from crystal.classifier import DEFAULT_MODEL_DIR
from crystal.drop_features import build_extractor, cell_features, prediction_pooled
from crystal.head import fit_head, top_k_pool
from crystal.images import load_rgb
from crystal.normalise import normalise
from crystal.samples import DROPS_DIR
from crystal.train import (L2_CHOICES, as_predicted, augmented_pooled, evaluate, find_images, fit_on,
                           framing_differences, leave_one_out, sha256)


def test_folder_names_decide_the_label(tmp_path):
    for folder in ("Positive", "no_crystal", "unlabeled"):
        (tmp_path / folder).mkdir()
        for n in range(2):
            (tmp_path / folder / f"{n}.png").write_bytes(b"x")
    labels = [(i.path.parent.name, i.label) for i in find_images(tmp_path)]
    assert labels == [("Positive", "crystal")] * 2 + [("no_crystal", "no_crystal")] * 2


def test_one_class_only_is_refused(tmp_path):
    (tmp_path / "gotcrystal").mkdir()
    with pytest.raises(ValueError, match="at least 2 images of each class"):
        find_images(tmp_path)


def test_evaluate_on_a_worked_example():
    # truth: 3 crystal, 2 not; verdicts at 0.5: crystal, crystal, no | crystal, no
    result = evaluate(np.array([0.9, 0.6, 0.2, 0.7, 0.1]), np.array([1, 1, 1, 0, 0]))
    assert result["confusion"]["matrix"] == [[2, 1], [1, 1]]
    assert result["correct"] == 3 and result["recall"] == {"crystal": 2 / 3, "no_crystal": 0.5}


def test_top_k_pool_averages_each_features_strongest_cells():
    """Against a full sort; k = 1 is global max pooling; a grid smaller than k is averaged whole."""
    rng = np.random.default_rng(1)
    cells = rng.normal(size=(2, 6, 7, 5))
    expected = np.sort(cells.reshape(2, 42, 5), axis=1)[:, -10:].mean(axis=1)
    np.testing.assert_allclose(top_k_pool(cells, 10), expected)
    np.testing.assert_allclose(top_k_pool(cells, 1), cells.max(axis=(1, 2)))
    np.testing.assert_allclose(top_k_pool(cells[:, :2, :2], 10), cells[:, :2, :2].mean(axis=(1, 2)))


def test_a_fold_never_sees_its_held_out_image():
    """Nested CV: wrecking image 0's training copies must not change fold 0's L2 choice or head."""
    rng = np.random.default_rng(1)
    labels = np.array([1, 1, 1, 0, 0, 0], dtype=float)
    train = rng.normal(size=(6, 3, 5)) + labels[:, None, None]
    folds = leave_one_out(train, train[:, :2], labels)
    wrecked = train.copy()
    wrecked[0] = 100.0
    again = leave_one_out(wrecked, train[:, :2], labels)
    assert again[0].l2 == folds[0].l2 and again[0].l2 in L2_CHOICES
    assert np.array_equal(again[0].head.weights, folds[0].head.weights) and again[0].probability == folds[0].probability
    assert again[1].probability != folds[1].probability  # the wreck is seen elsewhere


def test_tighter_framings_are_asked_to_score_like_the_whole_frame():
    """Feature 0 tells the classes apart cleanly but rises in every crop (as magnified precipitate
    does); feature 1 tells them apart too, more noisily, and ignores framing. Without the consistency
    penalty the head leans on feature 0 and a crop moves the log-odds; with it, on feature 1."""
    rng = np.random.default_rng(3)
    labels = np.repeat([1.0, 0.0], 6)
    train = np.zeros((12, 24, 2))
    train[..., 0] = labels[:, None] + 0.1 * rng.normal(size=(12, 24))
    train[:, 8:, 0] += 1.0
    train[..., 1] = labels[:, None] + 0.4 * rng.normal(size=(12, 1))
    assert np.allclose(framing_differences(train)[:, 0].mean(), 1.0, atol=0.05)

    def crop_shift(head):
        scores = ((train - head.mean) / head.scale) @ head.weights
        return np.abs(scores[:, 8:].mean() - scores[:, :8].mean())

    plain = fit_head(train.reshape(-1, 2), np.repeat(labels, 24), l2=0.1)
    consistent = fit_on(train, labels, l2=0.1)
    assert crop_shift(consistent) < crop_shift(plain) / 3
    assert abs(consistent.weights[1]) > abs(consistent.weights[0])
    assert abs(plain.weights[0]) > abs(plain.weights[1])


@pytest.mark.slow
def test_card_matches_data_and_quick_cv_recomputes():
    card = json.loads((DEFAULT_MODEL_DIR / "model_card.json").read_text())
    images = find_images(DROPS_DIR)
    assert [(e["file"], e["label"]) for e in card["data"]["images"]] == \
        [(str(i.path.relative_to(DROPS_DIR)), i.label) for i in images]
    assert [e["sha256"] for e in card["data"]["images"]] == [sha256(i.path) for i in images]
    extractor = build_extractor()
    pooled = np.stack([[top_k_pool(cell_features(extractor, normalise(load_rgb(i.path))))] for i in images])
    labels = np.array([i.label == "crystal" for i in images], dtype=float)
    quick = evaluate(np.array([fold.probability for fold in leave_one_out(pooled, pooled, labels)]), labels)
    assert quick["confusion"] == card["quick_cv"]["confusion"] and quick["correct"] == card["quick_cv"]["correct"]


@pytest.mark.slow
def test_held_out_copies_are_the_photo_as_a_prediction_sees_it(monkeypatch):
    """Leave-one-out judges each held-out photo on the training copies :func:`as_predicted` picks; those
    must be the whole frame as taken at each size, not re-imaged, or the reported accuracy would be
    for other photos."""
    from crystal import augment

    monkeypatch.setattr(augment, "FRAMING_SHARES", (1.0, 0.8))  # one crop is enough to tell them apart
    extractor = build_extractor()
    rgb = load_rgb(find_images(DROPS_DIR)[0].path)
    pooled = augmented_pooled(extractor, rgb, np.random.default_rng(0))
    as_a_prediction_sees_it = prediction_pooled(extractor, rgb)
    np.testing.assert_allclose(as_predicted(pooled[None])[0], as_a_prediction_sees_it, rtol=1e-3, atol=1e-3)
    assert np.abs(pooled[8:16] - pooled[0]).max() > 0.1  # the tighter, re-imaged copies do differ


class _TinyExtractor:
    """Stands in for VGG16 so the command-line wiring runs in seconds: one 512-vector per 8x8 block,
    a fixed random mix of the block's mean and spread."""

    def __init__(self):
        self.mix = np.random.default_rng(0).normal(size=(2, 512))

    def predict_on_batch(self, batch):
        grey = batch[0, : batch.shape[1] // 8 * 8, : batch.shape[2] // 8 * 8, 0]
        blocks = grey.reshape(grey.shape[0] // 8, 8, grey.shape[1] // 8, 8).swapaxes(1, 2)
        stats = np.stack([blocks.mean(axis=(2, 3)), blocks.std(axis=(2, 3))], axis=-1) / 50
        return np.maximum(stats @ self.mix, 0)[None]


def test_train_command_writes_head_card_and_the_robustness_table_of_the_same_training(tmp_path, monkeypatch, capsys):
    """``--robustness`` reuses the training pass; the table must be the one the separate
    ``python -m crystal.robustness`` gets by training again."""
    from PIL import Image

    from crystal import augment, robustness, train
    from crystal.classifier import CARD_FILE, HEAD_FILE
    from crystal.head import CrystalHead

    monkeypatch.setattr(train, "build_extractor", _TinyExtractor)
    monkeypatch.setattr(robustness, "build_extractor", _TinyExtractor)
    monkeypatch.setattr(augment, "FRAMING_SHARES", (1.0, 0.8))  # 16 copies per photo are enough to wire up
    images = find_images(DROPS_DIR)
    for picked in images[:2] + images[-2:]:
        (tmp_path / "data" / picked.path.parent.name).mkdir(parents=True, exist_ok=True)
        Image.open(picked.path).resize((320, 240)).save(tmp_path / "data" / picked.path.parent.name / picked.path.name)

    assert train.main([str(tmp_path / "data"), "--out", str(tmp_path / "model"), "--robustness"]) == 0
    card = json.loads((tmp_path / "model" / CARD_FILE).read_text())
    assert card["evaluation"]["n"] == 4 and card["robustness"]["n"] == 4
    assert [row["change"] for row in card["robustness"]["changes"]] == list(robustness.CHANGES)
    assert CrystalHead.load(tmp_path / "model" / HEAD_FILE).weights.shape == (512,)
    table_lines = [line for line in capsys.readouterr().out.splitlines() if " flips " in line]

    assert robustness.main([str(tmp_path / "data")]) == 0
    assert [line for line in capsys.readouterr().out.splitlines() if " flips " in line] == table_lines


def test_train_command_refuses_a_missing_folder_in_one_line(tmp_path, capsys):
    from crystal import train

    assert train.main([str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {tmp_path / 'missing'} is not a folder."]


def test_every_crop_copy_gets_an_imaging_change_of_its_own(monkeypatch):
    """Re-imaging a crop once and then turning it 8 ways would show the head one imitated imager 8
    times; each crop copy, at each size, must draw its own."""
    from crystal import train

    calls = []
    real_change = train.imaging_change
    monkeypatch.setattr(train, "imaging_change", lambda crop, rng: calls.append(crop.shape) or real_change(crop, rng))
    rgb = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    pooled = augmented_pooled(_TinyExtractor(), rgb, np.random.default_rng(0))
    assert len(pooled) == 48 and len(calls) == 48 - 8 * 2  # all but each size's 8 whole-frame copies
