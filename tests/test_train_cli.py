"""``python -m crystal train`` and ``python -m crystal robustness`` wired up end to end, with a tiny
stand-in backbone so that they run in seconds: folders in, a model folder out, features cached."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from crystal.model import features
from crystal.model.store import read_model
from crystal.model.views import TRAINING_VIEWS
from crystal.model.weights import CHANNELS
from crystal.vision.samples import DROPS_DIR, labelled_drops


@pytest.fixture()
def tiny_backbone(monkeypatch):
    """512 features from 8x8 blocks of the grey input: fixed random weights, no VGG16."""
    image = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(
        CHANNELS, 8, strides=8, activation="relu", kernel_initializer=keras.initializers.RandomNormal(seed=0)
    )
    stand_in = keras.Model(image, conv(keras.layers.Rescaling(1 / 50)(image)), name="backbone")
    passes = []
    real_maps = features.FeatureMaker.maps
    monkeypatch.setattr(features, "shared_backbone", lambda: stand_in)
    monkeypatch.setattr(features.FeatureMaker, "maps", lambda self, grey: passes.append(1) or real_maps(self, grey))
    return passes


@pytest.fixture()
def folders(tmp_path):
    """Two small data folders: two photos of each class from the shipped drops, and a 'lab' folder
    holding one class only, which is allowed when the whole training has both."""
    drops = labelled_drops()
    for folder, picked in (("shipped", drops[:2] + drops[-2:]), ("lab", drops[6:8])):
        for sample in picked:
            target = tmp_path / folder / sample.path.parent.name / sample.path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.open(sample.path).resize((231, 173)).save(target)
    return tmp_path / "shipped", tmp_path / "lab"


def test_train_writes_a_model_folder_with_a_card_per_folder_and_reuses_cached_features(
    tmp_path, tiny_backbone, folders, monkeypatch, capsys
):
    from crystal.cli import train

    monkeypatch.setattr(features, "DEFAULT_CACHE_DIR", tmp_path / "cache")
    out = tmp_path / "model"
    assert train.main([str(folders[0]), str(folders[1]), "--out", str(out)]) == 0
    assert len(tiny_backbone) == 6 * len(TRAINING_VIEWS)  # every view of every photo, once
    model = read_model(out)
    card = model.card
    assert card.evaluation.figure.n == 6 and len(card.evaluation.per_folder) == 2
    assert [p.sha256 for p in card.data.photos] == model.photo_sha256
    assert model.training.features.shape == (6 * len(TRAINING_VIEWS), CHANNELS)
    assert "leave-one-out" in capsys.readouterr().out
    # the lab's two photos count as much as the four base photos together, each named by hash and path
    assert model.local.tolist() == [False] * 4 + [True] * 2 == [p.local for p in card.data.photos]
    np.testing.assert_allclose(np.bincount(model.training.photo, weights=model.training.weight), [1] * 4 + [2] * 2)
    assert [(p.folder, p.label) for p in card.data.photos][-2:] == [(folders[1].as_posix(), "no_crystal")] * 2
    assert [p.photo for p in card.evaluation.per_photo][-2:] == sorted(
        f"{path.parent.name}/{path.name}" for path in folders[1].glob("*/*")
    )
    assert card.unfamiliar.n == 6 and model.appearance.shape[0] == 6

    tiny_backbone.clear()
    assert train.main([str(folders[0]), str(folders[1]), "--out", str(tmp_path / "again")]) == 0
    assert tiny_backbone == []  # every feature came from the cache
    np.testing.assert_array_equal(
        read_model(tmp_path / "again").weights.kernel, model.weights.kernel
    )  # same seeds, same head


def test_robustness_prints_a_row_per_change(tiny_backbone, folders, tmp_path, monkeypatch, capsys):
    from crystal.cli import robustness
    from crystal.model.imaging import CHANGES

    monkeypatch.setattr(features, "DEFAULT_CACHE_DIR", tmp_path / "cache")
    lab = tmp_path / "both"
    for source in folders:
        for sub in source.iterdir():
            (lab / sub.name).mkdir(parents=True, exist_ok=True)
            for photo in sub.iterdir():
                (lab / sub.name / photo.name).write_bytes(photo.read_bytes())
    assert robustness.main([str(lab)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if " flips " in line]
    assert [row.split(" flips ")[0].strip() for row in rows] == list(CHANGES)


def test_bad_folders_are_refused_in_one_line(tmp_path, capsys):
    from crystal.cli import train

    assert train.main([str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: {tmp_path / 'missing'} is not a folder."]
    (tmp_path / "only" / "gotcrystal").mkdir(parents=True)
    Image.new("RGB", (64, 64)).save(tmp_path / "only" / "gotcrystal" / "a.png")
    assert train.main([str(tmp_path / "only")]) == 2
    assert "at least 2 photos of each class" in capsys.readouterr().err


def test_the_folder_rule_reads_the_shipped_drops():
    from crystal.model.dataset import labelled_photos

    photos = labelled_photos([DROPS_DIR])
    assert [(p.name, p.label) for p in photos] == [
        (f"{s.path.parent.name}/{s.path.name}", s.label) for s in labelled_drops()
    ]
    assert json.dumps([p.sha256 for p in photos])  # plain strings
