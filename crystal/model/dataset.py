"""Labelled photos from folders: the one rule for which folder means which label.

A data folder holds one subfolder per class. A subfolder counts as "crystal" when its name,
lower-cased and without ``-``/``_``, is one of :data:`POSITIVE`, as "no crystal" when it is one of
:data:`NEGATIVE`; others (``unlabeled``, say) are left out. Several data folders can train one
model (the shipped drops and a lab's own photos); a folder may hold one class only, as long as the
whole training has at least two photos of each.

>>> folder_label("Got_Crystal"), folder_label("no-crystal"), folder_label("unlabeled")
('crystal', 'no_crystal', None)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from crystal.labels import CRYSTAL, LABELS, NO_CRYSTAL
from crystal.vision.images import image_files, photo_id

POSITIVE = frozenset({"gotcrystal", "crystal", "crystals", "positive", "pos", "yes"})
NEGATIVE = frozenset({"nocrystal", "nocrystals", "negative", "neg", "no", "clear"})
MIN_PER_CLASS = 2


@dataclass(frozen=True)
class Photo:
    """One labelled photo: where it is, which data folder it came from, its label and file hash."""

    path: Path
    folder: Path
    label: str
    sha256: str

    @property
    def name(self) -> str:
        """``class folder/file``, as the model card and the command line name a photo."""
        return f"{self.path.parent.name}/{self.path.name}"


def folder_label(name: str) -> str | None:
    key = name.lower().replace("-", "").replace("_", "")
    return CRYSTAL if key in POSITIVE else NO_CRYSTAL if key in NEGATIVE else None


def file_sha256(path: Path) -> str:
    return photo_id(Path(path).read_bytes())


def labelled_photos(folders: Iterable[Path], *, for_training: bool = True) -> list[Photo]:
    """Every labelled photo under the data ``folders``, in the order given, then by class folder
    and name; a :class:`ValueError` with a readable message when they cannot train a model (or,
    with ``for_training=False``, only be judged: one class is then enough)."""
    photos: list[Photo] = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a folder.")
        found = [
            Photo(path, folder, label, file_sha256(path))
            for sub in sorted(p for p in folder.iterdir() if p.is_dir())
            if (label := folder_label(sub.name)) is not None
            for path in image_files(sub)
        ]
        if not found:
            raise ValueError(f"{folder} has no photos in class folders such as gotcrystal/ and nocrystal/.")
        photos += found
    counts = {label: sum(p.label == label for p in photos) for label in LABELS}
    if for_training and min(counts.values()) < MIN_PER_CLASS:
        raise ValueError(
            f"Training needs at least {MIN_PER_CLASS} photos of each class in folders such as "
            f"gotcrystal/ and nocrystal/; found {counts}."
        )
    return photos
