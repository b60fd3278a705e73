"""Teaching the crystal check a lab's photos: the re-fit and its leave-one-out, features already known;
and the nested leave-one-out of a training on the shipped photos plus a lab's folder.

The stand-in for a lab's 20 labelled photos is 20 pairs of the shipped photos' own training views
(at 320 and 224 px, not the views a verdict uses), labelled as those photos are: real backbone
features, no backbone pass, which is the page's case once the photos are checked. The baseline is
one fit of the head on the shipped photos alone, as ``python -m crystal train`` makes it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np

from bench.core.timing import Measurement, median_seconds
from crystal.labels import CRYSTAL, NO_CRYSTAL

LOCAL_PHOTOS = 20
REFIT_GOAL, LEAVE_ONE_OUT_GOAL = 5.0, 60.0  # seconds, on the machines this project runs on


def run(repeats: int) -> Iterator[Measurement]:
    from crystal.model.adapt import LocalPhoto, adapt, training_set
    from crystal.model.fit import fit
    from crystal.model.predict import CrystalModel
    from crystal.model.store import DEFAULT_MODEL_DIR, read_model

    shipped = read_model(DEFAULT_MODEL_DIR)
    c = shipped.card.settings.c
    local = [_stand_in(shipped, i, LocalPhoto) for i in range(LOCAL_PHOTOS)]
    baseline = median_seconds(lambda: fit(shipped.training, c), repeats)
    yield Measurement(f"fit the head on the {shipped.training.photos} shipped photos (the baseline)", baseline, "s")
    refit = median_seconds(lambda: fit(training_set(shipped, local), c), repeats)
    yield Measurement(
        f"re-fit with {LOCAL_PHOTOS} of a lab's photos",
        refit,
        "s",
        note=f"{refit / baseline:.1f}x the baseline; goal < {REFIT_GOAL:g} s",
    )
    whole = median_seconds(lambda: adapt(shipped, local), max(1, repeats // 2), warmup=0)
    yield Measurement(
        f"re-fit + leave-one-out over {LOCAL_PHOTOS}",
        whole,
        "s",
        note=f"{whole / baseline:.0f}x the baseline; goal < {LEAVE_ONE_OUT_GOAL:g} s for the leave-one-out",
    )
    adapted = adapt(shipped, local).model
    CrystalModel(shipped)  # the backbone is built once per server, before anyone adapts
    ready = median_seconds(lambda: CrystalModel(adapted), repeats)
    yield Measurement(
        "the adapted model made ready to judge (its Keras head)",
        ready,
        "s",
        note=f"the page's 'Adapt to my photos' is the two lines above: {whole + ready:.1f} s",
    )


def _stand_in(shipped, i: int, local_photo):
    """Local photo ``i``: two training views of shipped photo ``i % 16`` (320 and 224 px, turned by
    ``i // 16`` eighths), with that photo's label and appearance."""
    training = shipped.training
    photo = i % training.photos
    names = [f"{side} px, {turn}" for side in (320, 224) for turn in [_turn(i // training.photos)]]
    rows = (training.photo == photo) & np.isin(training.view, names)
    label = CRYSTAL if training.photo_label(photo) else NO_CRYSTAL
    return local_photo.checked(f"stand-in {i}", f"{i:064x}", label, training.features[rows], shipped.appearance[photo])


def _turn(k: int) -> str:
    from crystal.model.views import TRAINING_VIEWS

    return TRAINING_VIEWS[k].name.split(", ", 1)[1]


NESTED_PHOTOS, NESTED_GOAL = 27, 120.0  # a training on the 16 drops plus an 11-photo lab folder; seconds


def run_nested(repeats: int) -> Iterator[Measurement]:
    """Nested leave-one-out over 27 photos of 48 views (the 16 shipped ones and 11 stand-ins for a
    lab's folder: shipped photos' views with their features scaled and noised, so they are new
    points). Baseline: one fold the way it was fitted before (L-BFGS to a tolerance of 1e-6, BLAS
    on every core), times 27."""
    from crystal.model.fit import local_weight, nested_leave_one_out
    from crystal.model.store import DEFAULT_MODEL_DIR, read_model

    data = _with_a_lab_folder(read_model(DEFAULT_MODEL_DIR).training, NESTED_PHOTOS - 16, local_weight)
    start = time.perf_counter()
    nested_leave_one_out(data)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    with _as_before():
        from crystal.model import fit as fitting

        rest = data.without(0)
        fitting.fit(rest, fitting.choose_c(rest))
    before = (time.perf_counter() - start) * data.photos
    yield Measurement(
        f"nested leave-one-out, {data.photos} photos x 48 views",
        seconds,
        "s",
        baseline=before,
        note=f"goal < {NESTED_GOAL:g} s; baseline: one fold fitted as before, x{data.photos}",
    )


def _with_a_lab_folder(training, photos: int, local_weight):
    from dataclasses import replace

    rng, out = np.random.default_rng(0), training
    weight = local_weight(training.photos, photos)
    for i in range(photos):
        rows = training.subset(training.photo == i % training.photos)
        noisy = rows.features * rng.uniform(0.7, 1.2) + rng.normal(0, 0.3, rows.features.shape)
        out = out.joined(replace(rows, features=noisy.astype(np.float32)).weighted(weight))
    return out


@contextlib.contextmanager
def _as_before():
    """The head fitted as it was before: L-BFGS to a tolerance of 1e-6, BLAS threads on every core."""
    from crystal.model import fit as fitting

    def fit_as_before(data, c):
        from sklearn.linear_model import LogisticRegression

        mean = data.features.mean(axis=0)
        variance = (data.features.std(axis=0) + 1e-3) ** 2
        crystal = data.labels == 1
        balance = np.where(crystal, 0.5 / data.weight[crystal].sum(), 0.5 / data.weight[~crystal].sum())
        regression = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
        regression.fit(
            (data.features - mean) / np.sqrt(variance),
            data.labels,
            sample_weight=data.weight * balance * len(data.labels),
        )
        return fitting.HeadWeights(mean, variance, regression.coef_[0], float(regression.intercept_[0]))

    original, fitting.fit = fitting.fit, fit_as_before
    try:
        yield
    finally:
        fitting.fit = original
