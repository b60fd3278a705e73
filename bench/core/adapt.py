"""Teaching the crystal check a lab's photos: the re-fit and its leave-one-out, features already known.

The stand-in for a lab's 20 labelled photos is 20 pairs of the shipped photos' own training views
(at 320 and 224 px, not the views a verdict uses), labelled as those photos are: real backbone
features, no backbone pass, which is the page's case once the photos are checked. The baseline is
one fit of the head on the shipped photos alone, as ``python -m crystal train`` makes it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from bench.core.timing import Measurement, median_seconds

LOCAL_PHOTOS = 20
REFIT_GOAL, LEAVE_ONE_OUT_GOAL = 5.0, 60.0  # seconds, on the machines this project runs on


def run(repeats: int) -> Iterator[Measurement]:
    from crystal.model.adapt import LocalPhoto, adapt, training_set
    from crystal.model.fit import fit
    from crystal.model.predict import CrystalModel
    from crystal.model.store import DEFAULT_MODEL_DIR, read_model

    shipped = read_model(DEFAULT_MODEL_DIR)
    c = shipped.card["settings"]["c"]
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
    label = "crystal" if training.photo_label(photo) else "no_crystal"
    return local_photo.checked(f"stand-in {i}", f"{i:064x}", label, training.features[rows], shipped.appearance[photo])


def _turn(k: int) -> str:
    from crystal.model.views import TRAINING_VIEWS

    return TRAINING_VIEWS[k].name.split(", ", 1)[1]
