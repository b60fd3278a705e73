"""Teach the crystal model a lab's own photos: re-fit its head on the base photos plus theirs, in seconds.

No model trained on one lab's photos is right for every imager, and what counts as a crystal
differs between labs. A lab's labelled photos fix that best, and the backbone need not see them
again: a checked photo's pooled features (:attr:`~crystal.model.predict.Prediction.pooled`) are
all the head needs. So adapting is

1. the base model's training rows (kept in its model file) plus each local photo's rows, the local
   photos counting :func:`~crystal.model.fit.local_weight` each, so a handful can move the head;
2. the head fitted again on those rows with the base model's own penalty ``c`` (chosen on the base
   photos, so the local photos' figures below are not tuned on them);
3. the familiarity rule (:mod:`~crystal.model.familiarity`) set again with the local photos among
   the training photos;
4. leave-one-out over the local photos: each judged by a head adapted without it, next to the
   base model's verdict on the same photo, so a lab sees what teaching bought on its own imager;
5. the calibration (:mod:`~crystal.model.calibration`) fitted again on every held-out score: the
   base photos' from the base training's nested leave-one-out, the local photos' from step 4.

An adapted model is an ordinary :class:`~crystal.model.store.ModelData`: its local photos are
marked, so :func:`split` gives back the base and the local photos and teaching can go on later.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from crystal.labels import CRYSTAL, LABELS
from crystal.model import card as cards
from crystal.model.familiarity import Familiarity
from crystal.model.fit import TrainingSet, fit, local_weight
from crystal.model.store import ModelData
from crystal.model.views import PREDICTION_VIEWS

LOCAL_FOLDER = "your photos"
"""How the card names the folder of photos labelled on the page."""


@dataclass(frozen=True)
class LocalPhoto:
    """One of a lab's labelled photos, as the head needs it: its rows (views' pooled features, one
    photo), its label, file hash, name and appearance; never its pixels."""

    name: str
    sha256: str
    label: str
    rows: TrainingSet
    appearance: np.ndarray

    @classmethod
    def checked(cls, name: str, sha256: str, label: str, pooled: np.ndarray, appearance: np.ndarray) -> LocalPhoto:
        """A photo the page has checked: the pooled features of its :data:`PREDICTION_VIEWS`."""
        if label not in LABELS:
            raise ValueError(f"a label must be one of {LABELS}, not {label!r}")
        return cls(
            name,
            sha256,
            label,
            TrainingSet.from_photos([pooled], [label], [PREDICTION_VIEWS]),
            np.asarray(appearance, np.float32),
        )


@dataclass(frozen=True)
class Adapted:
    """The adapted model, and how it and the base model judged each local photo it did not see."""

    model: ModelData
    held_out_p: np.ndarray  # (local photos,) each from a head adapted without that photo, calibrated without it
    base_p: np.ndarray  # (local photos,) the base model's chance for the same photos


def split(model: ModelData) -> tuple[ModelData, list[LocalPhoto]]:
    """The base model an adapted ``model`` was made from, and its local photos. The base head is
    fitted again on the base photos with the base penalty: Newton's method lands on the same
    optimum, so this is the base model's head, with the base calibration the card keeps."""
    card = model.card
    if card.adapted is None:
        return model, []
    names = {entry.sha256: entry.photo for entry in card.data.photos}
    local = []
    for index in np.flatnonzero(model.local):
        rows = model.training.subset(model.training.photo == index)
        sha = model.photo_sha256[index]
        label = LABELS[0] if rows.photo_label(0) else LABELS[1]
        local.append(LocalPhoto(names.get(sha) or sha[:12], sha, label, rows, model.appearance[index]))
    keep = ~model.local
    training = model.training.subset(np.isin(model.training.photo, np.flatnonzero(keep)))
    base_card = replace(
        card,
        adapted=None,
        calibration=card.adapted.base_calibration,
        data=replace(card.data, photos=[entry for entry in card.data.photos if not entry.local]),
    )
    head = replace(fit(training, card.settings.c), calibration=card.adapted.base_calibration.calibration())
    base = ModelData(
        head,
        base_card,
        training,
        [sha for sha, k in zip(model.photo_sha256, keep) if k],
        model.appearance[keep],
        model.local[keep],
    )
    return base, local


def training_set(base: ModelData, local: Sequence[LocalPhoto]) -> TrainingSet:
    """The base rows as stored, then the local photos' rows, each local photo weighted by :func:`local_weight`."""
    weight = local_weight(base.training.photos, len(local))
    out = base.training
    for photo in local:
        out = out.joined(photo.rows.weighted(weight))
    return out


def adapt(base: ModelData, local: Sequence[LocalPhoto]) -> Adapted:
    """``base`` taught the ``local`` photos (at least one); see the module's docstring for the steps."""
    if not local:
        raise ValueError("Label at least one photo to adapt the model to.")
    c = base.card.settings.c
    truth = np.array([photo.label == CRYSTAL for photo in local])
    held_out_scores = np.array([_held_out_score(base, local, i, c) for i in range(len(local))])
    calibration, held_out_p = _calibrated(base.card, held_out_scores, truth)
    training = training_set(base, local)
    head = replace(fit(training, c), calibration=calibration.calibration())
    base_p = np.array([base.weights.p_crystal(_prediction_rows(photo)) for photo in local])
    appearance = np.concatenate([base.appearance, np.stack([photo.appearance for photo in local])])
    card = adapted_card(base.card, local, c, held_out_p, base_p, calibration, Familiarity.fit(appearance))
    model = ModelData(
        head,
        card,
        training,
        [*base.photo_sha256, *(photo.sha256 for photo in local)],
        appearance,
        np.r_[base.local, np.ones(len(local), bool)],
    )
    return Adapted(model, held_out_p, base_p)


def _prediction_rows(photo: LocalPhoto) -> np.ndarray:
    return photo.rows.prediction_rows(0)


def _held_out_score(base: ModelData, local: Sequence[LocalPhoto], index: int, c: float) -> float:
    """The score (log-odds) that a head adapted without local photo ``index`` gives it."""
    rest = [photo for i, photo in enumerate(local) if i != index]
    return fit(training_set(base, rest), c).score(_prediction_rows(local[index]))


def _calibrated(
    base_card: cards.ModelCard, local_scores: np.ndarray, local_truth: np.ndarray
) -> tuple[cards.CalibrationEntry, np.ndarray]:
    """The calibration refitted on every held-out score there is (the base photos' from the base
    training's nested leave-one-out, the local photos' from adapting without each), and each local
    photo's chance by a calibration fitted without it."""
    held = base_card.evaluation.per_photo
    scores = np.r_[[photo.log_odds for photo in held], local_scores]
    truth = np.r_[[photo.label == CRYSTAL for photo in held], local_truth].astype(bool)
    entry, without = cards.CalibrationEntry.fitted(base_card.calibration.method, scores, truth)
    return entry, np.array([c.chance(s) for c, s in zip(without[len(held) :], local_scores)])


def adapted_card(
    base_card: cards.ModelCard,
    local: Sequence[LocalPhoto],
    c: float,
    held_out: np.ndarray,
    base_p: np.ndarray,
    calibration: cards.CalibrationEntry,
    rule: Familiarity,
) -> cards.ModelCard:
    """The base card with the local photos counted and named by hash, their leave-one-out figures
    beside the base model's, and the calibration and familiarity rule refitted."""
    truth = np.array([photo.label == CRYSTAL for photo in local])
    weight = local_weight(len(base_card.data.photos), len(local))
    photos = [cards.TrainingPhoto(photo.name, LOCAL_FOLDER, photo.label, photo.sha256, True) for photo in local]
    adapted = cards.Adapted(
        date=datetime.date.today().isoformat(),
        method=f"the base model's head fitted again on its training photos plus {len(local)} local photos, each "
        f"local photo counting {weight:g} base photos, with the base model's penalty C={c:g}; leave-one-out: "
        "each local photo judged by a head adapted without it, its chance calibrated without it",
        counts={label: int(sum(photo.label == label for photo in local)) for label in LABELS},
        weight_each=weight,
        leave_one_out=cards.evaluate(held_out, truth).figure,
        base_model_on_the_same_photos=cards.evaluate(base_p, truth).figure,
        per_photo=[
            cards.AdaptedPhoto(photo.name, photo.sha256, photo.label, round(float(p), 4), round(float(q), 4))
            for photo, p, q in zip(local, held_out, base_p)
        ],
        base_calibration=base_card.calibration,
    )
    return replace(
        base_card,
        data=replace(base_card.data, photos=[*base_card.data.photos, *photos]),
        calibration=calibration,
        unfamiliar=cards.FamiliarityEntry.of(rule),
        adapted=adapted,
    )


def changed_verdicts(adapted: cards.Adapted, threshold: float) -> list[cards.AdaptedPhoto]:
    """The local photos on which the adapted model (without each) and the base model disagree."""
    return [
        photo
        for photo in adapted.per_photo
        if (photo.p_crystal_held_out >= threshold) != (photo.p_crystal_base >= threshold)
    ]
