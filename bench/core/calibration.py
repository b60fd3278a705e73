"""How honest the shipped model's chances are: Brier score, log-loss and wrong verdicts worded 'very
sure', on photos it never trained on, each beside the same figure for the head's own uncalibrated
chance (the baseline).

Nested leave-one-out over the 16 drops comes from the model's card (``python -m crystal train``
computes it); the other labs' photos (``samples/other-labs/diamond``, ``samples/washed-out-lab``)
are judged here, as the page judges them. Lower is better for every figure.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from bench.core.timing import Measurement
from crystal.labels import LABELS
from crystal.model.calibration import Scores, sigmoid
from crystal.model.dataset import labelled_photos
from crystal.vision.images import load_rgb
from crystal.vision.samples import SAMPLES_DIR

FOLDERS = (SAMPLES_DIR / "other-labs" / "diamond", SAMPLES_DIR / "washed-out-lab")


def run(repeats: int) -> Iterator[Measurement]:
    from crystal.model.predict import load_model

    model = load_model()
    card = model.card
    n = card.calibration.after.n
    yield from scores(f"leave-one-out over the {n} drops", card.calibration.before, card.calibration.after)
    yield Measurement(
        f"leave-one-out over the {n} drops: wrong and 'very sure'", card.evaluation.wrong_and_very_sure, ""
    )
    for folder in FOLDERS:
        photos = labelled_photos([folder], for_training=False)
        truth = np.array([photo.label == LABELS[0] for photo in photos])
        predictions = [model.predict(load_rgb(photo.path), explain=False) for photo in photos]
        raw = sigmoid(np.array([p.log_odds for p in predictions]))
        calibrated = np.array([p.p_crystal for p in predictions])
        name = f"{folder.relative_to(SAMPLES_DIR).as_posix()} ({len(photos)} photos)"
        yield from scores(name, Scores.of(raw, truth), Scores.of(calibrated, truth))
        wrong = [p for p, t in zip(predictions, truth) if (p.label == LABELS[0]) != t]
        yield Measurement(
            f"{name}: wrong and 'very sure'",
            sum(p.sure == "very" for p in wrong),
            "",
            note=f"{len(wrong)} wrong, {sum(p.unfamiliar for p in predictions)} unfamiliar; goal 0",
        )


def scores(name: str, before: Scores, after: Scores) -> Iterator[Measurement]:
    yield Measurement(f"{name}: Brier score", after.brier, "", baseline=before.brier, note="baseline: uncalibrated")
    yield Measurement(f"{name}: log-loss", after.log_loss, "", baseline=before.log_loss, note="baseline: uncalibrated")
