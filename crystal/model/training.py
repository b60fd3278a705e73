"""Training a crystal model from labelled folders: features (computed once), the head, its card.

The first folder holds the base training photos; photos from further folders are a lab's own and
count :func:`~crystal.model.fit.local_weight` each, as photos taught on the page do.

1. every training view of every photo (:data:`~crystal.model.views.TRAINING_VIEWS`) goes through
   the backbone once; the features are cached on disk by the photo file's hash, so retraining,
   the robustness report and adding a folder compute only photos not seen before;
2. nested leave-one-out (:func:`~crystal.model.fit.nested_leave_one_out`) says how well heads
   fitted this way judge photos they never saw;
3. the held-out scores calibrate the chances (:mod:`~crystal.model.calibration`): the shipped head's
   calibration is fitted on all of them, and each fold's on all but its own photo, so the figures
   on the card are calibrated chances of photos neither the head nor the calibration saw;
4. the penalty is chosen by cross-validation over all photos and the shipped head fitted on them all;
5. photos in ``judge`` folders (another lab's, say) are only judged, never trained on;
6. the familiarity rule (:mod:`~crystal.model.familiarity`) is set on the training photos'
   appearance, and the judged photos are checked against it.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from crystal.labels import LABELS
from crystal.model import card as cards
from crystal.model.calibration import Scores, sigmoid
from crystal.model.dataset import Photo, labelled_photos
from crystal.model.drop import find_drop
from crystal.model.familiarity import Familiarity, appearance
from crystal.model.features import LAYER, SOURCE, FeatureCache, FeatureMaker
from crystal.model.fit import (
    C_CHOICES,
    THRESHOLD,
    Fold,
    TrainingSet,
    choose_c,
    fit,
    local_weight,
    nested_leave_one_out,
)
from crystal.model.head import TOP_K
from crystal.model.store import ModelData
from crystal.model.synthetic import CRYSTAL_SIZES
from crystal.model.verdict import sureness
from crystal.model.views import AS_TAKEN, DRAWN_PER_KIND, PREDICTION_VIEWS, TRAINING_SIDES, TRAINING_VIEWS, TURNS, View
from crystal.model.weights import HeadWeights
from crystal.vision.backbone import source_by_key
from crystal.vision.images import load_rgb

SUMMARY = (
    "The model first finds the drop in the photo and looks only at it: cropped, made grey (each pixel's "
    "brightest colour), contrast-normalised locally and resized so the drop is {side} pixels across, with "
    "everything around it blanked out. A frozen VGG16 network (edge-detection weights) describes every 16x16 "
    "patch with 512 numbers; for each of those numbers the average of its {k} strongest patches is kept, and "
    "one trained layer of 513 weights turns them into the chance of a crystal. Each photo is judged upright and "
    "half-turned and the two answers averaged. It learned from the labelled photos at three sizes and eight "
    "angles, and from the same photos with crystals drawn in (boxes of any shape, size and angle: crystals) and "
    "with air bubbles and fibres drawn in (not crystals), so that it learns what makes a crystal rather than "
    "what one lab's crystals look like."
)
LIMITS = [
    "Trained on {n} photos from one lab's imager; the photos from another lab below are only {other}. Expect "
    "mistakes on other microscopes, plates and lighting, and say so when you use it.",
    "It answers 'is there a crystal anywhere in this drop?': it does not count or measure crystals.",
    "Needle-like growth and microcrystalline showers are labelled 'no crystal' in its training photos; labs "
    "that call them crystals will disagree with it.",
    "A chance near the threshold means 'have a look yourself'.",
    "When it cannot find a drop it judges the whole photo, as it was not trained to.",
    "'Unfamiliar' compares how a photo looks as taken (brightness, colour, the drop's size in pixels) with the "
    "training photos: it notices other lighting and magnification, not blur or a different kind of crystal.",
]
TUNED = (
    "The backbone layer, the normalisation, the pooling, the drop finder, the views and the drawn crystals and "
    "look-alikes were chosen by comparing settings on these same photos, by leave-one-out; the drawn crystals "
    "were added after the model had failed on the other lab's photos below, and checked on them, so those "
    "photos are no longer a fully independent test. The 'unfamiliar' rule's descriptors were also chosen after seeing "
    "those photos. The penalty is chosen inside each leave-one-out fold, and the calibration of each held-out "
    "photo's chance is fitted without that photo. The words 'very sure' and 'fairly sure' (a calibrated chance "
    "of 9 and 7 in 10 of being right) were fixed before any figure was looked at."
)


DATA_SOURCE = "one lab's imager (public bklim5/keras protein-crystallization set)"
CALIBRATION_METHOD = (
    "The head's own chances were extreme (0.000 or 1.000 for nearly every photo), so its score is divided by a "
    "temperature before it becomes a chance (temperature scaling), fitted on each photo's score from a model that "
    "never saw it, with Platt's targets for small sets ((n + 1) / (n + 2) rather than 1, 1 / (n + 2) rather than 0). "
    "It changes how sure the model says it is, never which way it decides."
)


@dataclass(frozen=True)
class TrainingRun:
    """What one training computes; the robustness report judges these very folds and head."""

    photos: list[Photo]
    local: np.ndarray  # (photos,) bool: from a folder after the first
    appearance: np.ndarray  # (photos, APPEARANCE_SIZE)
    training: TrainingSet
    folds: list[Fold]  # each fold's head calibrated without its photo
    c: float
    head: HeadWeights  # calibrated
    card: cards.ModelCard

    def model(self, card: cards.ModelCard | None = None) -> ModelData:
        """What a model folder stores of this run (with ``card`` in place of the run's own)."""
        return ModelData(
            self.head, card or self.card, self.training, [p.sha256 for p in self.photos], self.appearance, self.local
        )


def photo_features(
    photos: Sequence[Photo],
    views: Sequence[View],
    maker: FeatureMaker,
    cache: FeatureCache | None,
    progress: Callable[[str], None] = print,
) -> list[np.ndarray]:
    """(views, 512) features of each photo, from the cache where it has them."""
    start, out = time.perf_counter(), []
    for n, photo in enumerate(photos, start=1):
        cached = cache.get(photo.sha256, views) if cache else None
        if cached is None:
            cached = maker(load_rgb(photo.path), views, photo.sha256)
            if cache:
                cache.put(photo.sha256, views, cached)
        out.append(cached)
        progress(f"features {n}/{len(photos)}  ({time.perf_counter() - start:.0f} s)")
    return out


def photo_looks(photos: Sequence[Photo]) -> tuple[np.ndarray, np.ndarray]:
    """How each photo looks as taken, (photos, APPEARANCE_SIZE) (:func:`~crystal.model.familiarity.appearance`),
    and whether a drop was found in it, (photos,) bool."""
    descriptions, found = [], []
    for photo in photos:
        rgb = load_rgb(photo.path)
        drop = find_drop(rgb)
        descriptions.append(appearance(rgb, drop))
        found.append(drop.found)
    return np.stack(descriptions), np.array(found)


def calibrated(folds: Sequence[Fold], truth: np.ndarray) -> tuple[list[Fold], cards.CalibrationEntry]:
    """Each fold's head with the calibration fitted without its photo, and the card's entry."""
    entry, without = cards.CalibrationEntry.fitted(CALIBRATION_METHOD, np.array([f.log_odds for f in folds]), truth)
    folds = [
        replace(fold, head=replace(fold.head, calibration=calibration)) for fold, calibration in zip(folds, without)
    ]
    return folds, entry


def train(
    folders: Sequence[Path],
    *,
    judge: Sequence[Path] = (),
    cache: FeatureCache | None = None,
    progress: Callable[[str], None] = print,
) -> TrainingRun:
    """Train on the labelled ``folders`` (the first the base, the rest a lab's own); judge the
    labelled photos in ``judge`` without training on them."""
    start = time.perf_counter()
    photos = labelled_photos(folders)
    truth = np.array([photo.label == LABELS[0] for photo in photos])
    local = np.array([photo.folder != Path(folders[0]) for photo in photos])
    weight = local_weight(int((~local).sum()), int(local.sum()))
    maker = FeatureMaker()
    features = photo_features(photos, TRAINING_VIEWS, maker, cache, progress)
    training = TrainingSet.from_photos(
        features, [p.label for p in photos], [TRAINING_VIEWS] * len(photos), np.where(local, weight, 1.0)
    )
    description, found = photo_looks(photos)
    progress("nested leave-one-out ...")
    folds, calibration = calibrated(nested_leave_one_out(training), truth)
    c = choose_c(training)
    head = replace(fit(training, c), calibration=calibration.calibration())
    rule = Familiarity.fit(description)
    other_labs = [judged(folder, head, rule, maker, cache, progress) for folder in judge]
    loo = evaluation(photos, folds, rule.held_out > rule.threshold, found)
    card = model_card(photos, local, weight, loo, c, calibration, rule, other_labs, time.perf_counter() - start)
    return TrainingRun(photos, local, description, training, folds, c, head, card)


def judged(
    folder: Path,
    head: HeadWeights,
    rule: Familiarity,
    maker: FeatureMaker,
    cache: FeatureCache | None,
    progress: Callable[[str], None],
) -> cards.OtherLab:
    """How the head does on a labelled folder it was not trained on: the card's 'other lab' entry."""
    photos = labelled_photos([folder], for_training=False)
    truth = np.array([photo.label == LABELS[0] for photo in photos])
    features = photo_features(photos, PREDICTION_VIEWS, maker, cache, progress)
    scores = np.array([head.score(f) for f in features])
    p = head.calibration.chance(scores)
    descriptions, found = photo_looks(photos)
    unfamiliar = [rule.unfamiliar(description) for description in descriptions]
    sure = [sureness(q, THRESHOLD, unfamiliar=u, drop_found=f) for q, u, f in zip(p, unfamiliar, found)]
    labels = {photo.label for photo in photos}
    counted = f"{int(truth.sum())} with crystals"
    description = {frozenset(LABELS[:1]): "all with crystals", frozenset(LABELS[1:]): "all without crystals"}
    wrong = (p >= THRESHOLD) != truth
    return cards.OtherLab(
        source=f"Another lab's photos ({folder.as_posix()})",
        description=description.get(frozenset(labels), counted),
        figure=cards.evaluate(p, truth).figure,
        unfamiliar=int(sum(unfamiliar)),
        before=Scores.of(sigmoid(scores), truth),
        after=Scores.of(p, truth),
        wrong_and_very_sure=int(sum(w and s == "very" for w, s in zip(wrong, sure))),
        per_photo=[
            cards.JudgedPhoto(photo.name, photo.label, round(float(q), 4), bool(u), s)
            for photo, q, u, s in zip(photos, p, unfamiliar, sure)
        ],
    )


def _counts(photos: Sequence[Photo]) -> dict[str, int]:
    return {label: sum(p.label == label for p in photos) for label in LABELS}


def evaluation(
    photos: Sequence[Photo], folds: Sequence[Fold], unfamiliar: np.ndarray, found: np.ndarray
) -> cards.Evaluation:
    """Nested leave-one-out on calibrated chances, over all photos, per folder and per photo; a photo
    is unfamiliar when the familiarity rule, set with it held out, flags it."""
    truth = np.array([photo.label == LABELS[0] for photo in photos])
    p = np.array([fold.p_crystal for fold in folds])
    sure = [sureness(q, THRESHOLD, unfamiliar=u, drop_found=f) for q, u, f in zip(p, unfamiliar, found)]
    folders = list(dict.fromkeys(photo.folder.as_posix() for photo in photos))
    in_folder = {folder: np.array([photo.folder.as_posix() == folder for photo in photos]) for folder in folders}
    return replace(
        cards.evaluate(p, truth),
        method="nested leave-one-out: each photo held out with all its views; the penalty chosen by 4-fold "
        "cross-validation over the other photos alone; the held-out photo judged as a prediction judges it, on "
        f"{' and '.join(v.name for v in PREDICTION_VIEWS)}; its chance calibrated by a calibration fitted on the "
        "other photos' held-out scores",
        per_folder=[
            cards.FolderFigure(folder, cards.evaluate(p[rows], truth[rows]).figure)
            for folder, rows in in_folder.items()
        ],
        per_photo=[
            cards.HeldOutPhoto(photo.name, photo.label, round(fold.log_odds, 4), round(fold.p_crystal, 4))
            for photo, fold in zip(photos, folds)
        ],
        wrong_and_very_sure=int(sum(s == "very" and (q >= THRESHOLD) != y for s, q, y in zip(sure, p, truth))),
    )


def model_card(
    photos: Sequence[Photo],
    local: np.ndarray,
    weight: float,
    loo: cards.Evaluation,
    c: float,
    calibration: cards.CalibrationEntry,
    rule: Familiarity,
    other_labs: list[cards.OtherLab],
    seconds: float,
) -> cards.ModelCard:
    folders = list(dict.fromkeys(photo.folder.as_posix() for photo in photos))
    source = source_by_key(SOURCE)
    other = "judged, never trained on" if other_labs else "not part of this training"
    lab_weight = f"; each photo from the lab's own folders counting {weight:g} photos of the first folder"
    return cards.ModelCard(
        created=datetime.date.today().isoformat(),
        threshold=THRESHOLD,
        settings=cards.Settings(
            backbone=cards.Backbone(source.title, source.path.name, LAYER),
            top_k=TOP_K,
            long_side=AS_TAKEN.long_side,
            prediction_views=[v.name for v in PREDICTION_VIEWS],
            c=c,
            c_choices=list(C_CHOICES),
        ),
        method=cards.Method(
            summary=SUMMARY.format(side=AS_TAKEN.long_side, k=TOP_K),
            training_views=f"per photo: the drop at long sides {', '.join(map(str, TRAINING_SIDES))} px, each at "
            f"{TURNS} angles 45 degrees apart (every other one mirrored); {DRAWN_PER_KIND} views with 1-7 crystals "
            f"drawn in ({CRYSTAL_SIZES[0]:.0%}-{CRYSTAL_SIZES[1]:.0%} of the drop, labelled crystal) and "
            f"{DRAWN_PER_KIND} with bubbles or fibres drawn in (keeping the photo's label): "
            f"{len(TRAINING_VIEWS)} views",
            fit="scikit-learn LogisticRegression (Newton's method) on standardised features, both classes weighted "
            f"equally, inverse L2 strength C={c} chosen by 4-fold cross-validation among {list(C_CHOICES)}"
            + (lab_weight if local.any() else ""),
            chosen_on_the_same_photos=TUNED,
            training_seconds=round(seconds, 1),
        ),
        data=cards.Data(
            folders=folders,
            source=DATA_SOURCE + (f", plus a lab's own photos ({', '.join(folders[1:])})" if local.any() else ""),
            counts=_counts(photos),
            photos=[
                cards.TrainingPhoto(p.name, p.folder.as_posix(), p.label, p.sha256, bool(is_local))
                for p, is_local in zip(photos, local)
            ],
        ),
        evaluation=loo,
        calibration=calibration,
        unfamiliar=cards.FamiliarityEntry.of(rule),
        limits=[limit.format(n=len(photos), other=other) for limit in LIMITS],
        other_labs=other_labs,
    )
