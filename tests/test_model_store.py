"""A model on disk: written and read back as a folder or a zip, and every kind of damage refused in words."""

import io
import zipfile

import numpy as np
import pytest

from crystal.model.familiarity import APPEARANCE_SIZE
from crystal.model.fit import TrainingSet, fit
from crystal.model.store import (
    CARD_FILE,
    FEATURES_FILE,
    HEAD_FILE,
    ModelData,
    ModelFileError,
    model_zip,
    read_model,
    save_model,
)
from crystal.model.views import PREDICTION_VIEWS
from crystal.model.weights import CHANNELS

from .cards import a_card


@pytest.fixture(scope="module")
def parts():
    rng = np.random.default_rng(0)
    labels = ["crystal", "crystal", "no_crystal", "no_crystal"]
    training = TrainingSet.from_photos([rng.normal(size=(2, CHANNELS)) for _ in labels], labels, [PREDICTION_VIEWS] * 4)
    return ModelData(
        fit(training, 1.0),
        a_card(4),
        training,
        ["a" * 64, "b" * 64, "c" * 64, "d" * 64],
        rng.random((4, APPEARANCE_SIZE)).astype(np.float32),
        np.array([False, False, False, True]),
    )


def same(read: ModelData, parts: ModelData):
    np.testing.assert_array_equal(read.weights.kernel, parts.weights.kernel)
    assert read.weights.bias == pytest.approx(parts.weights.bias) and read.card == parts.card
    assert read.photo_sha256 == parts.photo_sha256 and read.local.tolist() == parts.local.tolist()
    np.testing.assert_array_equal(read.training.features, parts.training.features.astype(np.float32))
    np.testing.assert_array_equal(read.appearance, parts.appearance)
    assert read.training.view.tolist() == parts.training.view.tolist()


def test_a_folder_and_a_zip_read_back_the_same(tmp_path, parts):
    save_model(tmp_path / "model", parts)
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == sorted([HEAD_FILE, CARD_FILE, FEATURES_FILE])
    same(read_model(tmp_path / "model"), parts)
    (tmp_path / "model.zip").write_bytes(model_zip(parts))
    same(read_model(tmp_path / "model.zip"), parts)
    same(read_model((tmp_path / "model.zip").read_bytes()), parts)


def test_a_zip_of_the_folder_itself_is_read_too(tmp_path, parts):
    """Zipping a model folder (as a file manager does) puts its files one folder down."""
    save_model(tmp_path / "mine", parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (tmp_path / "mine").iterdir():
            archive.write(path, f"mine/{path.name}")
    same(read_model(buffer.getvalue()), parts)


def damaged(parts, name: str, data: bytes | None) -> bytes:
    """The model's zip with one file replaced (or left out, when ``data`` is None)."""
    with zipfile.ZipFile(io.BytesIO(model_zip(parts))) as good:
        files = {n: good.read(n) for n in good.namelist()}
    if data is None:
        del files[name]
    else:
        files[name] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n, d in files.items():
            archive.writestr(n, d)
    return out.getvalue()


def npz(**arrays) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def pickled_npz() -> bytes:
    return npz(mean=np.array([object()], dtype=object), variance=np.ones(3), kernel=np.ones(3), bias=np.float32(0))


@pytest.mark.parametrize(
    "case",
    [
        "not a zip",
        "head missing",
        "card not JSON",
        "head pickled",
        "wrong shapes",
        "no calibration",
        "features truncated",
        "empty",
    ],
)
def test_damaged_or_foreign_models_are_refused_in_words(parts, case):
    data = {
        "not a zip": b"PK but not really" * 10,
        "head missing": damaged(parts, HEAD_FILE, None),
        "card not JSON": damaged(parts, CARD_FILE, b"{not json"),
        "head pickled": damaged(parts, HEAD_FILE, pickled_npz()),
        "wrong shapes": damaged(
            parts,
            HEAD_FILE,
            npz(
                mean=np.ones(3),
                variance=np.ones(3),
                kernel=np.ones(3),
                bias=np.float32(0),
                calibration_slope=1.0,
                calibration_intercept=0.0,
            ),
        ),
        "no calibration": damaged(
            parts, HEAD_FILE, npz(mean=np.ones(512), variance=np.ones(512), kernel=np.ones(512), bias=np.float32(0))
        ),
        "features truncated": damaged(parts, FEATURES_FILE, b"PK\x03\x04"),
        "empty": b"",
    }[case]
    with pytest.raises(ModelFileError, match="crystal model"):
        read_model(data)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ModelFileError, match="no such folder or zip file"):
        read_model(tmp_path / "nothing-here")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / HEAD_FILE).write_bytes(b"x")
    with pytest.raises(ModelFileError, match="card.json"):
        read_model(tmp_path / "half")
