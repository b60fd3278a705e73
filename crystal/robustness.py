"""``python -m crystal.robustness [DATA_DIR]``: how verdicts hold up when the imaging changes.

Each labelled image is altered the way another lab's imager might alter it. Per change we print
how many verdicts of the model trained on all images flip, and the (nested) leave-one-out accuracy
with the held-out image altered (its fold's model never saw it, altered or not). Verdicts are
judged as the app judges them: on 4 shape-keeping copies at each analysis size. This command
trains first (the same seeded training as ``python -m crystal.train``) and only prints;
``python -m crystal.train --robustness`` writes the model and then this report into its card,
from one training pass.
"""
from __future__ import annotations

import argparse
import colorsys
import json
import sys
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageFilter

from crystal.augment import jpeg_resave
from crystal.drop_features import build_extractor, prediction_pooled
from crystal.samples import DROPS_DIR
from crystal.train import THRESHOLD, TrainingRun, as_predicted, find_images, train


def _pil(fn: Callable[[Image.Image], Image.Image]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda rgb: np.asarray(fn(Image.fromarray(rgb)).convert("RGB"))


def _hue_rotate(rgb: np.ndarray) -> np.ndarray:
    hsv = np.asarray(Image.fromarray(rgb).convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(int) + 85) % 256
    hsv[..., 1] = np.maximum(hsv[..., 1], 90)  # near-grey drops need some saturation for a hue to show
    return np.asarray(Image.fromarray(hsv, "HSV").convert("RGB"))


def _rainbow(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    hues = np.linspace(0, 1, w, endpoint=False)
    row = np.array([colorsys.hsv_to_rgb(x, 0.8, 1.0) for x in hues], dtype=np.float32)
    return np.clip(rgb * (0.55 + 0.45 * row[None]), 0, 255).astype(np.uint8)


def _crop(rgb: np.ndarray, share: float = 0.6) -> np.ndarray:
    h, w = rgb.shape[:2]
    top, left = round(h * (1 - share) / 2), round(w * (1 - share) / 2)
    return rgb[top: top + round(h * share), left: left + round(w * share)]


CHANGES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rescale to 1280x960": _pil(lambda im: im.resize((1280, 960), Image.Resampling.BILINEAR)),
    "rescale to 640x480": _pil(lambda im: im.resize((640, 480), Image.Resampling.BILINEAR)),
    "warm colour cast": lambda rgb: np.clip(rgb * np.array([1.15, 1.0, 0.7]), 0, 255).astype(np.uint8),
    "blue colour cast": lambda rgb: np.clip(rgb * np.array([0.7, 0.9, 1.2]), 0, 255).astype(np.uint8),
    "hue rotation": _hue_rotate,
    "gamma 0.6": lambda rgb: (255 * (rgb / 255.0) ** 0.6).astype(np.uint8),
    "gamma 1.6": lambda rgb: (255 * (rgb / 255.0) ** 1.6).astype(np.uint8),
    "blur (radius 2)": _pil(lambda im: im.filter(ImageFilter.GaussianBlur(2))),
    "JPEG quality 30": _pil(lambda im: jpeg_resave(im, 30)),
    "rotate 90 degrees": lambda rgb: np.ascontiguousarray(np.rot90(rgb)),
    "mirror": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "crop to 60% of frame": _crop,
    "rainbow gradient overlay": _rainbow,
}


def robustness_table(run: TrainingRun, progress: Callable[[str], None] = print) -> dict:
    """Per change: verdicts of the run's shipped head that flip, its folds' verdicts that are right, and
    the photos they got wrong (folder/file), so one borderline photo can be told from many misses."""
    extractor, n = build_extractor(), len(run.rgbs)
    before = np.array([run.head.pooled_probability(t) >= THRESHOLD for t in as_predicted(run.pooled)])
    rows = []
    for name, change in CHANGES.items():
        changed = [prediction_pooled(extractor, change(rgb)) for rgb in run.rgbs]
        after = np.array([run.head.pooled_probability(c) >= THRESHOLD for c in changed])
        held_out = np.array([f.head.pooled_probability(c) >= THRESHOLD for f, c in zip(run.folds, changed)])
        missed = [f"{i.path.parent.name}/{i.path.name}" for i, right in zip(run.images, held_out == run.labels)
                  if not right]  # fmt: skip
        row = {"change": name, "flips": int((after != before).sum()), "correct": n - len(missed), "missed": missed}
        rows.append(row)
        progress(f"{name:<28} flips {row['flips']:>2} of {n}   leave-one-out correct {row['correct']:>2} of {n}   "
                 + " ".join(missed))
    return {"n": n, "changes": rows}


GOAL_FLIPS = 1
GOAL_MISSES = 1
"""A change that flips more verdicts than GOAL_FLIPS, or under which leave-one-out gets more than
GOAL_MISSES wrong, is named in the model card's limits."""
LIMIT_MARKER = "Less reliable on photos changed in these ways"


def add_to_card(card_path: Path, table: dict) -> None:
    """Write the table into the model card, with one limit naming every change that misses the goals.

    One line rather than one per change, because the page lists the limits to people who will read
    a short list. It runs after training has written the card; an earlier robustness limit is
    replaced, not stacked.
    """
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["robustness"] = {"method": "python -m crystal.train --robustness: flips = verdicts of the shipped model "
                                    "that change; correct = nested leave-one-out with the held-out image changed; "
                                    "missed = the photos it got wrong",
                          **table}  # fmt: skip
    n = table["n"]
    weak = [row for row in table["changes"] if row["flips"] > GOAL_FLIPS or row["correct"] < n - GOAL_MISSES]
    limits = [limit for limit in card.get("limits", []) if LIMIT_MARKER not in limit]
    if weak:
        named = "; ".join(f"{row['change']} ({row['flips']} changed, {row['correct']} right)" for row in weak)
        limits.append(f"{LIMIT_MARKER} (our test's goal: at most {GOAL_FLIPS} of {n} verdicts changed and at least "
                      f"{n - GOAL_MISSES} of {n} right in leave-one-out): {named}.")  # fmt: skip
    card["limits"] = limits
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crystal.robustness", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", default=DROPS_DIR)
    args = parser.parse_args(argv)
    progress = partial(print, flush=True)
    try:
        robustness_table(train(find_images(args.data_dir), progress), progress)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
