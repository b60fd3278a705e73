"""The sample images shipped in ``samples/``, with names a person can pick from a list.

Pages offer these so that every feature works on a fresh clone without any upload; training and
tests use the labelled drops. Labels come from the folder names (``gotcrystal``/``nocrystal``), the
same convention ``python -m crystal.train DATA_DIR`` reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
DROPS_DIR = SAMPLES_DIR / "drops"
_DROP_FOLDERS = {"gotcrystal": ("crystal", "Drop with crystals"), "nocrystal": ("no_crystal", "Drop without crystals"),
                 "unlabeled": (None, "Unlabelled drop")}  # fmt: skip
_EVERYDAY_NAMES = {"cat": "Cat (Chelsea)", "coffee": "Cup of coffee"}


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    kind: str  # "drop" or "everyday"
    label: str | None  # "crystal", "no_crystal", or None where nobody labelled it


def list_samples(kind: str | None = None) -> list[Sample]:
    """All samples (drops first, numbered per folder), or only those of ``kind``."""
    samples = []
    for folder, (label, title) in _DROP_FOLDERS.items():
        for number, path in enumerate(sorted((DROPS_DIR / folder).glob("*.jpg")), start=1):
            samples.append(Sample(f"{title} #{number}", path, "drop", label))
    for path in sorted((SAMPLES_DIR / "everyday").glob("*.png")):
        samples.append(Sample(_EVERYDAY_NAMES.get(path.stem, path.stem), path, "everyday", None))
    return [s for s in samples if kind is None or s.kind == kind]


def labelled_drops() -> list[Sample]:
    """The 16 drops with a label: the whole labelled data set of this project."""
    return [s for s in list_samples("drop") if s.label is not None]
