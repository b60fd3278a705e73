"""The sample images shipped in ``samples/``, with names a person can pick from a list.

Pages offer these so that every feature works on a fresh clone without any upload; training and
tests use the labelled drops. Labels come from the folder names (``gotcrystal``/``nocrystal``), the
same convention ``python -m crystal train DATA_DIR`` reads. The photos from another lab's imager
(``samples/other-labs/``) are for judging the model and for trying it out, never for training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crystal.labels import CRYSTAL, NO_CRYSTAL

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"
DROPS_DIR = SAMPLES_DIR / "drops"
OTHER_LABS_DIR = SAMPLES_DIR / "other-labs"
_DROP_FOLDERS = {
    "gotcrystal": (CRYSTAL, "Drop with crystals"),
    "nocrystal": (NO_CRYSTAL, "Drop without crystals"),
    "unlabeled": (None, "Unlabelled drop"),
}
_EVERYDAY_NAMES = {"cat": "Cat (Chelsea)", "coffee": "Cup of coffee"}


@dataclass(frozen=True)
class Sample:
    name: str
    path: Path
    kind: str  # "drop" or "everyday"
    label: str | None  # "crystal", "no_crystal", or None where nobody labelled it
    trained_on: bool = False  # one of the photos the shipped crystal model learned from


def list_samples(kind: str | None = None) -> list[Sample]:
    """All samples (drops first, numbered per folder), or only those of ``kind``."""
    samples = []
    for folder, (label, title) in _DROP_FOLDERS.items():
        for number, path in enumerate(sorted((DROPS_DIR / folder).glob("*.jpg")), start=1):
            samples.append(Sample(f"{title} #{number}", path, "drop", label, trained_on=label is not None))
    for number, path in enumerate(sorted(OTHER_LABS_DIR.glob("diamond/crystal/*.jpg")), start=1):
        samples.append(Sample(f"Another lab's drop with crystals (Diamond) #{number}", path, "drop", "crystal"))
    for path in sorted((SAMPLES_DIR / "everyday").glob("*.png")):
        samples.append(Sample(_EVERYDAY_NAMES.get(path.stem, path.stem), path, "everyday", None))
    return [s for s in samples if kind is None or s.kind == kind]


def labelled_drops() -> list[Sample]:
    """The 16 drops the shipped model learned from: the whole labelled training set of this project."""
    return [s for s in list_samples("drop") if s.trained_on]
