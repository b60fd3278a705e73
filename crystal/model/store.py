"""A model on disk: one folder (or the same folder zipped) of plain arrays and JSON.

=================  ================================================================================
``head.npz``       the head's weights (:class:`~crystal.model.weights.HeadWeights`), four arrays
``card.json``      the model card (:mod:`~crystal.model.card`): data, method, figures, limits
``features.npz``   every training view's pooled features, labels and weights, and per photo its
                   hash, its appearance (:mod:`~crystal.model.familiarity`) and whether it is one
                   of a lab's own: so a head can be re-fitted without touching the backbone
=================  ================================================================================

Nothing in it is pickled or serialised code: loading reads arrays (``allow_pickle=False``) and
JSON, so a model from a stranger cannot run anything. Whatever is damaged, missing or foreign
raises :class:`ModelFileError` with a message a person can act on.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crystal.model.familiarity import APPEARANCE_SIZE
from crystal.model.fit import TrainingSet
from crystal.model.weights import CHANNELS, HeadWeights

HEAD_FILE, CARD_FILE, FEATURES_FILE = "head.npz", "card.json", "features.npz"
FILES = (HEAD_FILE, CARD_FILE, FEATURES_FILE)
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "crystal"
TRAIN_HINT = "Train one with: python -m crystal train samples/drops --out DIR"
MAX_ZIP_BYTES = 50 * 2**20


class ModelFileError(ValueError):
    """A model folder or zip that cannot be used; ``str(err)`` says why and what to do."""


@dataclass(frozen=True)
class ModelData:
    """Everything a crystal model is, as data: the head's weights, its card, the training views'
    features, and per training photo (in the order of ``training.photo``) its file hash, its
    appearance and whether it is one of a lab's own photos rather than a base training photo."""

    weights: HeadWeights
    card: dict
    training: TrainingSet
    photo_sha256: list[str]
    appearance: np.ndarray  # (photos, APPEARANCE_SIZE)
    local: np.ndarray  # (photos,) bool


def save_model(folder: Path, model: ModelData) -> None:
    """Write the three files of a model into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in model_files(model).items():
        (folder / name).write_bytes(data)


def model_zip(model: ModelData) -> bytes:
    """The same files as :func:`save_model` writes, as one zip (what the page offers to download)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in model_files(model).items():
            archive.writestr(name, data)
    return out.getvalue()


def model_files(model: ModelData) -> dict[str, bytes]:
    training = model.training
    return {
        HEAD_FILE: _npz(model.weights.arrays()),
        CARD_FILE: (json.dumps(model.card, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        FEATURES_FILE: _npz(
            {
                "features": training.features.astype(np.float32),
                "labels": training.labels,
                "photo": training.photo,
                "view": training.view,
                "weight": training.weight,
                "photo_sha256": np.array(model.photo_sha256),
                "appearance": np.asarray(model.appearance, np.float32),
                "local": np.asarray(model.local, bool),
            }
        ),
    }


def read_model(source: Path | bytes) -> ModelData:
    """A model from a model folder, a ``.zip`` of one (a path), or a zip's bytes (an upload)."""
    files = _read_files(source)
    name = "the uploaded model" if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        with np.load(io.BytesIO(files[HEAD_FILE]), allow_pickle=False) as arrays:
            weights = HeadWeights.from_arrays(arrays)
        card = json.loads(files[CARD_FILE].decode("utf-8"))
        with np.load(io.BytesIO(files[FEATURES_FILE]), allow_pickle=False) as arrays:
            training = TrainingSet(
                *(np.asarray(arrays[key]) for key in ("features", "labels", "photo", "view", "weight"))
            )
            model = ModelData(
                weights,
                card,
                training,
                [str(sha) for sha in arrays["photo_sha256"]],
                np.asarray(arrays["appearance"], np.float32),
                np.asarray(arrays["local"], bool),
            )
    except (ValueError, KeyError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as err:
        raise ModelFileError(f"{name} is damaged or not a crystal model ({err}). {TRAIN_HINT}") from None
    if not isinstance(card, dict) or not _consistent(model):
        raise ModelFileError(f"{name} is damaged or not a crystal model (its parts do not fit together). {TRAIN_HINT}")
    return model


def _read_files(source: Path | bytes) -> dict[str, bytes]:
    if isinstance(source, (bytes, bytearray)):
        return _read_zip(io.BytesIO(source), "the uploaded model")
    path = Path(source)
    if path.is_dir():
        missing = [name for name in FILES if not (path / name).is_file()]
        if missing:
            raise ModelFileError(f"No crystal model in {path}: {', '.join(missing)} missing. {TRAIN_HINT}")
        return {name: (path / name).read_bytes() for name in FILES}
    if path.is_file():
        return _read_zip(path, str(path))
    raise ModelFileError(f"No crystal model at {path}: no such folder or zip file. {TRAIN_HINT}")


def _read_zip(file, name: str) -> dict[str, bytes]:
    """The three files from a zip, found by name at its top or in one folder; size-checked first,
    so a zip bomb is refused before it is unpacked."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = {Path(info.filename).name: info for info in archive.infolist() if not info.is_dir()}
            missing = [f for f in FILES if f not in entries]
            if missing:
                raise ModelFileError(f"{name} is not a crystal model: {', '.join(missing)} missing. {TRAIN_HINT}")
            if sum(entries[f].file_size for f in FILES) > MAX_ZIP_BYTES:
                raise ModelFileError(f"{name} is too large to be a crystal model.")
            return {f: archive.read(entries[f]) for f in FILES}
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ModelFileError(f"{name} is not a readable zip of a crystal model ({err}). {TRAIN_HINT}") from None


def _consistent(model: ModelData) -> bool:
    training, rows, photos = model.training, len(model.training.labels), len(model.photo_sha256)
    return (
        training.features.ndim == 2
        and training.features.shape == (rows, CHANNELS)
        and all(len(a) == rows for a in (training.photo, training.view, training.weight))
        and rows > 0
        and np.isfinite(training.features).all()
        and int(training.photo.max()) + 1 == photos
        and model.appearance.shape == (photos, APPEARANCE_SIZE)
        and np.isfinite(model.appearance).all()
        and model.local.shape == (photos,)
    )


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()
