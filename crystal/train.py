"""``python -m crystal.train DATA_DIR [--out models/]``: fit the crystal head and write its model card.

DATA_DIR holds one folder per class. A folder counts as "crystal" when its name, lower-cased and
without ``-``/``_``, is one of gotcrystal, crystal, crystals, positive, pos, yes; as "no_crystal"
for nocrystal, nocrystals, no_crystal, negative, neg, no, clear. Other folders (e.g. ``unlabeled``)
are ignored. Images in any format :func:`crystal.images.load_rgb` reads.

Every image is framed 3 ways (whole, and crops keeping 80 % and 65 % of its sides), normalised,
turned 8 ways (flips and quarter-turns) and run through the frozen backbone once; the head is then fitted 17 times on those cached features: once per left-out image
(leave-one-out, the honest accuracy) and once on everything (the shipped head). Nothing is tuned
on the held-out image: L2 strength and threshold are fixed in advance.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crystal.augment import DIHEDRAL, FRAMING_SHARES, dihedral, framings
from crystal.backbone import source_by_key
from crystal.classifier import CARD_FILE, DEFAULT_MODEL_DIR, HEAD_FILE, LABELS
from crystal.drop_features import LAYER, SOURCE, build_extractor, cell_features
from crystal.head import L2, fit_head, max_pool
from crystal.images import EXTENSIONS, ImageError, load_rgb
from crystal.normalise import LONG_SIDE, normalise

POSITIVE = {"gotcrystal", "crystal", "crystals", "positive", "pos", "yes"}
NEGATIVE = {"nocrystal", "nocrystals", "negative", "neg", "no", "clear"}
THRESHOLD = 0.5
TUNED_ON_SAME_DATA = (
    "The backbone layer, the pooling and the training framings were chosen by comparing a few settings on "
    "these same 16 photos, so the accuracy and robustness figures here are somewhat optimistic."
)


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    label: str  # "crystal" or "no_crystal"


def find_images(data_dir: Path) -> list[LabelledImage]:
    """Labelled images under ``data_dir``, sorted by class folder then name; clear errors if unusable."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(f"{data_dir} is not a folder.")
    images = []
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        key = folder.name.lower().replace("-", "").replace("_", "")
        label = LABELS[0] if key in POSITIVE else LABELS[1] if key in NEGATIVE else None
        if label is not None:
            images += [LabelledImage(p, label) for p in sorted(folder.iterdir()) if p.suffix.lower().lstrip(".") in EXTENSIONS]
    counts = {label: sum(i.label == label for i in images) for label in LABELS}
    if min(counts.values()) < 2:
        raise ValueError(f"{data_dir} needs at least 2 images of each class in folders such as gotcrystal/ and "
                         f"nocrystal/; found {counts}.")  # fmt: skip
    return images


SEED = 0


def augmented_pooled(extractor, rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(24, 512): max-pooled features of 3 framings × 8 flips/quarter-turns of one image (first = as is)."""
    greys = [normalise(framing) for framing in framings(rgb, rng)]
    return np.stack([max_pool(cell_features(extractor, dihedral(grey, k))) for grey in greys for k in range(DIHEDRAL)])


def leave_one_out(pooled: np.ndarray, labels: np.ndarray, *, l2: float = L2) -> tuple[np.ndarray, list]:
    """Held-out crystal probabilities and the fold heads; ``pooled`` is (images, copies, channels).

    The held-out image is scored as it is (its first copy); its other copies never reach training.
    """
    probabilities, heads = [], []
    for i in range(len(labels)):
        keep = np.arange(len(labels)) != i
        head = fit_head(pooled[keep].reshape(-1, pooled.shape[-1]), np.repeat(labels[keep], pooled.shape[1]), l2=l2)
        heads.append(head)
        probabilities.append(head.probability(pooled[i, 0][None, None]))  # a 1x1 grid of pooled features
    return np.array(probabilities), heads


def evaluate(probabilities: np.ndarray, labels: np.ndarray, threshold: float = THRESHOLD) -> dict:
    """Accuracy, per-class recall and the confusion matrix (rows: truth crystal/no_crystal; columns: verdict)."""
    said = probabilities >= threshold
    truth = labels.astype(bool)
    matrix = [[int((truth & said).sum()), int((truth & ~said).sum())],
              [int((~truth & said).sum()), int((~truth & ~said).sum())]]  # fmt: skip
    correct = matrix[0][0] + matrix[1][1]
    return {
        "n": int(len(labels)), "correct": correct, "accuracy": correct / len(labels),
        "recall": {LABELS[0]: matrix[0][0] / max(sum(matrix[0]), 1), LABELS[1]: matrix[1][1] / max(sum(matrix[1]), 1)},
        "confusion": {"rows": "truth", "columns": "verdict", "labels": list(LABELS), "matrix": matrix},
    }  # fmt: skip


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def model_card(images: list[LabelledImage], data_dir: Path, loo: dict, quick: dict, seconds: float) -> dict:
    source = source_by_key(SOURCE)
    return {
        "created": datetime.date.today().isoformat(),
        "threshold": THRESHOLD,
        "method": {
            "summary": (
                "Each photo is turned grey, resized to a fixed size and contrast-normalised locally, so the "
                "camera's colours, brightness and resolution matter less. A frozen VGG16 network (edge-detection "
                "weights) describes every 16x16 patch with 512 numbers; for each of those numbers the strongest "
                "value anywhere in the photo is kept, and a small logistic regression (513 weights) learned from "
                "the labelled photos turns them into the chance of a crystal. Each training photo was also shown "
                "framed tighter (two crops) and flipped and rotated: 24 versions."
            ),
            "head": f"global max pooling of {LAYER} (2x2 max-pooled) + L2 logistic regression, l2={L2}",
            "augmentation": f"framings keeping {', '.join(f'{share:.0%}' for share in FRAMING_SHARES)} of the frame's "
                            f"sides (crops at seeded random places) x 8 flips/quarter-turns",
            "training_seconds": round(seconds, 1),
        },
        "backbone": {"weights": source.title, "file": source.path.name, "layer": LAYER, "frozen": True},
        "input": {"long_side": LONG_SIDE, "colour": "luminance only (BT.601)",
                  "normalisation": "local contrast: minus Gaussian local mean, over softened local spread",
                  "region": "the whole frame"},  # fmt: skip
        "data": {
            "dir": str(data_dir), "source": "one lab's imager (public bklim5/keras protein-crystallization set)",
            "counts": {label: sum(i.label == label for i in images) for label in LABELS},
            "images": [{"file": str(i.path.relative_to(data_dir)), "label": i.label, "sha256": sha256(i.path)} for i in images],
        },  # fmt: skip
        "evaluation": {"method": "leave-one-out, 24-way augmented training folds, held-out image as is", **loo},
        "quick_cv": {"method": "leave-one-out without augmentation (recomputed by the tests)", **quick},
        "limits": [
            f"Trained and tested on only {len(images)} photos from one lab's imager; expect lower accuracy on other "
            "microscopes, plates and lighting.",
            "It answers 'is there a crystal anywhere in this photo?': it does not count or measure crystals.",
            "Crystals much smaller than about 1/40 of the photo's width, needles and microcrystalline showers were "
            "not in the training set.",
            "A probability near the threshold means 'have a look yourself'.",
            TUNED_ON_SAME_DATA,
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crystal.train", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        images = find_images(args.data_dir)
        rgbs = [load_rgb(i.path) for i in images]
    except (ValueError, ImageError) as err:  # ImageError is a ValueError; both carry a readable message
        print(f"error: {err}", file=sys.stderr)
        return 2
    labels = np.array([i.label == LABELS[0] for i in images], dtype=np.float64)
    extractor, rng = build_extractor(), np.random.default_rng(SEED)
    pooled = []
    for n, rgb in enumerate(rgbs, start=1):
        pooled.append(augmented_pooled(extractor, rgb, rng))
        print(f"features {n}/{len(rgbs)}  ({time.perf_counter() - start:.0f} s)", flush=True)
    pooled = np.stack(pooled)
    probabilities, _ = leave_one_out(pooled, labels)
    loo = evaluate(probabilities, labels)
    loo["per_image"] = [{"file": str(i.path.relative_to(args.data_dir)), "p_crystal": round(float(p), 4)}
                        for i, p in zip(images, probabilities)]  # fmt: skip
    quick = evaluate(leave_one_out(pooled[:, :1], labels)[0], labels)
    print(f"leave-one-out: {loo['correct']} of {loo['n']} correct; quick CV: {quick['correct']} of {quick['n']}")
    head = fit_head(pooled.reshape(-1, pooled.shape[-1]), np.repeat(labels, pooled.shape[1]))
    args.out.mkdir(parents=True, exist_ok=True)
    head.save(args.out / HEAD_FILE)
    card = model_card(images, args.data_dir, loo, quick, time.perf_counter() - start)
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out / HEAD_FILE} and {args.out / CARD_FILE} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
