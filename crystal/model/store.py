"""A model on disk: one folder (or the same folder zipped) of plain arrays and JSON.

=================  ================================================================================
``head.npz``       the head's weights and calibration (:class:`~crystal.model.weights.HeadWeights`)
``card.json``      the model card (:mod:`~crystal.model.card`): data, method, figures, limits
``features.npz``   every training view's pooled features, labels and weights, and per photo its
                   hash, its appearance (:mod:`~crystal.model.familiarity`) and whether it is one
                   of a lab's own: so a head can be re-fitted without touching the backbone
=================  ================================================================================

A model may come from a stranger (the page takes a zip), so reading one trusts nothing in it:

- nothing is pickled or serialised code: arrays are read as NumPy's plain ``.npy`` data and the
  card as JSON, so a model file cannot run anything;
- memory is bounded by what a model can honestly need, not by what a file declares: every member
  of a zip, and every array inside an ``.npz`` (itself a zip, perhaps compressed), is inflated in
  chunks with a cap on the bytes actually produced, and each array's header (shape and type) is
  checked against what a model of up to :data:`MAX_PHOTOS` photos holds before any of it is read;
- every value is checked as data: the card's fields by their types (:mod:`~crystal.model.typed_json`),
  the weights finite and of the right shapes, the photos' rows consistent with each other.

Whatever is damaged, missing, foreign or too large raises :class:`ModelFileError` with a message a
person can act on.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crystal.model.card import ModelCard
from crystal.model.familiarity import APPEARANCE_SIZE
from crystal.model.fit import TrainingSet
from crystal.model.weights import CHANNELS, HeadWeights

HEAD_FILE, CARD_FILE, FEATURES_FILE = "head.npz", "card.json", "features.npz"
FILES = (HEAD_FILE, CARD_FILE, FEATURES_FILE)
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "crystal"
MAX_PHOTOS = 2_000
"""The most training photos a model file may hold (the shipped one has 16; a lab teaches a few dozen)."""
MAX_ROWS = 20_000
"""The most training rows: 48 views of each base photo (:data:`~crystal.model.views.TRAINING_VIEWS`)
and 2 of each photo a lab taught on the page; 40 MB of features."""
MAX_TEXT = 64
"""Characters in a view name or a file hash."""
MAX_MEMBER_BYTES = {
    HEAD_FILE: 2**20,
    CARD_FILE: 4 * 2**20,
    FEATURES_FILE: MAX_ROWS * (4 * CHANNELS + 4 * MAX_TEXT + 32)
    + MAX_PHOTOS * (4 * MAX_TEXT + 8 * APPEARANCE_SIZE + 8),
}
"""What each file of a model may inflate to: what a model of :data:`MAX_ROWS` rows and
:data:`MAX_PHOTOS` photos needs, with room for NumPy's headers."""
CHUNK = 2**20
_TEXT = "<U"  # NumPy's unicode text, read with its length checked


class ModelFileError(ValueError):
    """A model folder or zip that cannot be used; ``str(err)`` says why and what to do."""


@dataclass(frozen=True)
class ModelData:
    """Everything a crystal model is, as data: the head's weights, its card, the training views'
    features, and per training photo (in the order of ``training.photo``) its file hash, its
    appearance and whether it is one of a lab's own photos rather than a base training photo."""

    weights: HeadWeights
    card: ModelCard
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
    features = {
        "features": training.features.astype(np.float32),
        "labels": training.labels,
        "photo": training.photo,
        "view": training.view,
        "weight": training.weight,
        "photo_sha256": np.array(model.photo_sha256),
        "appearance": np.asarray(model.appearance, np.float32),
        "local": np.asarray(model.local, bool),
    }
    return {
        HEAD_FILE: _npz(model.weights.arrays()),
        CARD_FILE: model.card.to_json().encode("utf-8"),
        FEATURES_FILE: _npz(features),
    }


def read_model(source: Path | bytes) -> ModelData:
    """A model from a model folder, a ``.zip`` of one (a path), or a zip's bytes (an upload)."""
    name = "The uploaded model" if isinstance(source, (bytes, bytearray)) else str(source)
    files = _read_files(source, name)
    try:
        weights = HeadWeights.from_arrays(_read_npz(files[HEAD_FILE], HEAD_SHAPES))
        card = ModelCard.from_json(files[CARD_FILE].decode("utf-8"))
        arrays = _read_npz(files[FEATURES_FILE], FEATURE_SHAPES)
    except (ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise ModelFileError(f"{name} is damaged or not a crystal model: {err}.") from None
    model = ModelData(
        weights,
        card,
        TrainingSet(*(arrays[key] for key in ("features", "labels", "photo", "view", "weight"))),
        [str(sha) for sha in arrays["photo_sha256"]],
        arrays["appearance"].astype(np.float32),
        arrays["local"],
    )
    problem = _inconsistency(model)
    if problem:
        raise ModelFileError(f"{name} is damaged or not a crystal model: {problem}.")
    return model


# --- the files, with bounded memory ---------------------------------------------------------------


def _read_files(source: Path | bytes, name: str) -> dict[str, bytes]:
    if isinstance(source, (bytes, bytearray)):
        return _read_zip(io.BytesIO(source), name)
    path = Path(source)
    if path.is_dir():
        missing = [file for file in FILES if not (path / file).is_file()]
        if missing:
            raise ModelFileError(f"No crystal model in {path}: {', '.join(missing)} missing.")
        return {file: _read_file(path / file, name) for file in FILES}
    if path.is_file():
        return _read_zip(path, name)
    raise ModelFileError(f"No crystal model at {path}: no such folder or zip file.")


def _read_file(path: Path, name: str) -> bytes:
    try:
        if path.stat().st_size > MAX_MEMBER_BYTES[path.name]:
            raise ModelFileError(f"{name}: {path.name} is too large to be part of a crystal model.")
        return path.read_bytes()
    except OSError as err:
        raise ModelFileError(f"{name}: {path.name} cannot be read ({err.strerror or err}).") from None


def _read_zip(file, name: str) -> dict[str, bytes]:
    """The three files from a zip, found by name at its top or in one folder, each inflated with a
    cap on the bytes it actually produces (a zip's declared sizes can lie)."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = {Path(info.filename).name: info for info in archive.infolist() if not info.is_dir()}
            missing = [f for f in FILES if f not in entries]
            if missing:
                raise ModelFileError(f"{name} is not a crystal model: {', '.join(missing)} missing.")
            return {f: _inflate(archive, entries[f], MAX_MEMBER_BYTES[f], f"{name}: {f}") for f in FILES}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as err:
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(f"{name} is not a readable zip of a crystal model ({err}).") from None


def _inflate(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    """A zip member's bytes, read in chunks; ModelFileError as soon as there are more than ``limit``."""
    if entry.file_size > limit:
        raise ModelFileError(f"{name} is too large to be part of a crystal model.")
    out = bytearray()
    with archive.open(entry) as member:
        while chunk := member.read(CHUNK):
            out += chunk
            if len(out) > limit:
                raise ModelFileError(f"{name} is too large to be part of a crystal model.")
    return bytes(out)


# --- arrays, checked before they are read ---------------------------------------------------------

# Each array's expected shape: a number, or a name standing for the count read from the first
# array that has it ("rows": one per training view of each photo, "photos": one per photo).
HEAD_SHAPES = {
    "mean": (CHANNELS,),
    "variance": (CHANNELS,),
    "kernel": (CHANNELS,),
    "bias": (),
    "calibration_slope": (),
    "calibration_intercept": (),
}
FEATURE_SHAPES = {
    "features": ("rows", CHANNELS),
    "labels": ("rows",),
    "photo": ("rows",),
    "view": ("rows",),
    "weight": ("rows",),
    "photo_sha256": ("photos",),
    "appearance": ("photos", APPEARANCE_SIZE),
    "local": ("photos",),
}
LIMITS = {"rows": MAX_ROWS, "photos": MAX_PHOTOS}
KINDS = {"view": _TEXT, "photo_sha256": _TEXT, "photo": "iu", "local": "b"}  # the rest: numbers ("fiub")


def _read_npz(data: bytes, shapes: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The arrays named in ``shapes`` from an ``.npz``'s bytes, each header checked (shape, type,
    size) before its data is inflated; ValueError naming the first that does not fit."""
    sizes: dict[str, int] = {}
    arrays = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
        for key, expected in shapes.items():
            if key not in entries:
                raise ValueError(f"its array {key!r} is missing")
            with archive.open(entries[key]) as member:
                arrays[key] = _read_array(member, key, expected, sizes)
    return arrays


def _read_array(member, key: str, expected: tuple, sizes: dict[str, int]) -> np.ndarray:
    version = np.lib.format.read_magic(member)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran_order, dtype = read_header(member, max_header_size=10_000)
    if len(shape) != len(expected):
        raise ValueError(f"its array {key!r} has {len(shape)} dimensions, not {len(expected)}")
    for size, want in zip(shape, expected):
        if isinstance(want, str):
            sizes.setdefault(want, size)
            want = sizes[want] if size <= LIMITS[want] else None
        if size != want:
            raise ValueError(f"its array {key!r} has the shape {shape}, which does not fit a model")
    kind = KINDS.get(key, "fiub")
    if (kind == _TEXT and (dtype.str[:2] not in ("<U", ">U") or dtype.itemsize > 4 * MAX_TEXT)) or (
        kind != _TEXT and dtype.kind not in kind
    ):
        raise ValueError(f"its array {key!r} holds {dtype}, not what a model stores there")
    if dtype.hasobject or fortran_order:
        raise ValueError(f"its array {key!r} is not stored as plain numbers")
    count = int(np.prod(shape, dtype=np.int64))
    raw = member.read(count * dtype.itemsize)
    if len(raw) != count * dtype.itemsize:
        raise ValueError(f"its array {key!r} ends early")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _inconsistency(model: ModelData) -> str | None:
    """What does not fit together in a model read from files, or None."""
    training, photos = model.training, len(model.photo_sha256)
    checks = [
        (len(training.labels) > 0, "it has no training rows"),
        (bool(np.isfinite(training.features).all()), "its features hold impossible numbers"),
        (bool(np.isin(training.labels, (0.0, 1.0)).all()), "its labels are not 0 or 1"),
        (bool(((training.photo >= 0) & (training.photo < photos)).all()), "its rows name photos it does not have"),
        (len(np.unique(training.photo)) == photos, "some of its photos have no rows"),
        (bool((np.isfinite(training.weight) & (training.weight > 0)).all()), "its weights are not positive"),
        (bool(np.isfinite(model.appearance).all()), "its appearances hold impossible numbers"),
        (len(model.card.data.photos) == photos, "its card lists another number of photos than its features"),
        (len(model.card.evaluation.per_photo) <= photos, "its card's figures list photos it does not have"),
    ]
    return next((problem for ok, problem in checks if not ok), None)


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()
