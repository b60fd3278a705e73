"""The model card: what a model was trained on, how, how well it did on photos it never saw, how its
chances were calibrated, and its limits; typed here, stored as JSON beside the weights, and told in
plain words on the page.

Every accuracy figure carries its count of photos and a 95 % Wilson interval: 16 or 3 photos are
small samples, and "15 of 16" means anything from about 72 % to 99 %.

>>> wilson_interval(15, 16)
(0.717, 0.989)
>>> Figure.of(15, 16).words()
'15 of 16 (95 % interval 72–99 %)'
>>> evaluate(np.array([0.9, 0.6, 0.2, 0.7, 0.1]), np.array([1, 1, 1, 0, 0])).confusion
[[2, 1], [1, 1]]
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from crystal.labels import LABELS
from crystal.model.calibration import Calibration, Scores, fit_calibration, leave_one_out_calibrations, sigmoid
from crystal.model.familiarity import FLAGGED_SHARE, Familiarity
from crystal.model.fit import THRESHOLD
from crystal.model.typed_json import from_json, to_json

Z_95 = 1.959964


def wilson_interval(correct: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for ``correct`` successes out of ``n``, rounded to 3 digits."""
    if n == 0:
        return 0.0, 1.0
    share, z2 = correct / n, Z_95**2
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)


@dataclass(frozen=True)
class Figure:
    """``correct`` of ``n`` photos right, with its 95 % interval."""

    correct: int
    n: int
    interval: tuple[float, float]

    @classmethod
    def of(cls, correct: int, n: int) -> Figure:
        return cls(int(correct), int(n), wilson_interval(correct, n))

    def words(self) -> str:
        low, high = (round(100 * bound) for bound in self.interval)
        return f"{self.correct} of {self.n} (95 % interval {low}–{high} %)"


# --- what the card holds --------------------------------------------------------------------------


@dataclass(frozen=True)
class Backbone:
    weights: str
    file: str
    layer: str
    frozen: bool = True


@dataclass(frozen=True)
class Settings:
    """How the model is built; ``c`` is the head's inverse L2 strength, chosen among ``c_choices``."""

    backbone: Backbone
    top_k: int
    long_side: int
    prediction_views: list[str]
    c: float
    c_choices: list[float]

    def __post_init__(self):
        if not self.c > 0:
            raise ValueError(f"settings.c must be above 0, not {self.c}")


@dataclass(frozen=True)
class Method:
    summary: str
    training_views: str
    fit: str
    chosen_on_the_same_photos: str
    training_seconds: float


@dataclass(frozen=True)
class TrainingPhoto:
    photo: str
    folder: str
    label: str
    sha256: str
    local: bool = False


@dataclass(frozen=True)
class Data:
    folders: list[str]
    source: str
    counts: dict[str, int]
    photos: list[TrainingPhoto]


@dataclass(frozen=True)
class FolderFigure:
    folder: str
    figure: Figure


@dataclass(frozen=True)
class HeldOutPhoto:
    """One photo judged by a head that never saw it: its head's log-odds, and the calibrated chance
    a calibration fitted without it gave."""

    photo: str
    label: str
    log_odds: float
    p_crystal: float


@dataclass(frozen=True)
class Evaluation:
    """Nested leave-one-out over the training photos, on calibrated chances."""

    method: str
    figure: Figure
    recall: dict[str, float]
    confusion: list[list[int]]  # rows: truth crystal / no crystal; columns: verdict
    per_folder: list[FolderFigure] = field(default_factory=list)
    per_photo: list[HeldOutPhoto] = field(default_factory=list)
    wrong_and_very_sure: int = 0


@dataclass(frozen=True)
class CalibrationEntry:
    """How the chances were calibrated and what it did, both measured by leave-one-out."""

    method: str
    slope: float
    intercept: float
    before: Scores  # the head's own sigmoid of the held-out log-odds
    after: Scores  # calibrated, each photo by a calibration fitted without it

    def calibration(self) -> Calibration:
        return Calibration(self.slope, self.intercept)

    @classmethod
    def fitted(cls, method: str, log_odds: np.ndarray, truth: np.ndarray) -> tuple[CalibrationEntry, list[Calibration]]:
        """The calibration fitted on all the held-out ``log_odds``, with what it did by leave-one-out,
        and each photo's calibration fitted without that photo (whose chance it may then give)."""
        without = leave_one_out_calibrations(log_odds, truth)
        after = np.array([calibration.chance(score) for calibration, score in zip(without, log_odds)])
        shipped = fit_calibration(log_odds, truth)
        before = Scores.of(sigmoid(log_odds), truth)
        return cls(method, shipped.slope, shipped.intercept, before, Scores.of(after, truth)), without


@dataclass(frozen=True)
class JudgedPhoto:
    photo: str
    label: str
    p_crystal: float
    unfamiliar: bool
    sure: str


@dataclass(frozen=True)
class OtherLab:
    """Labelled photos from elsewhere, judged and never trained on."""

    source: str
    description: str
    figure: Figure
    unfamiliar: int
    before: Scores  # without calibration
    after: Scores  # calibrated, as shown
    wrong_and_very_sure: int
    per_photo: list[JudgedPhoto]


@dataclass(frozen=True)
class FamiliarityEntry:
    method: str
    threshold: float
    n: int
    flagged_when_held_out: int

    @classmethod
    def of(cls, rule: Familiarity) -> FamiliarityEntry:
        """How the 'unfamiliar' rule was set, for the card."""
        return cls(
            method="a photo is unfamiliar when its appearance as taken (grey-level histogram, colourfulness, the "
            "drop's size in pixels) is farther from every training photo's than the threshold; the threshold is set "
            "by leave-one-out over the training photos, each measured against the others, so that at most "
            f"{FLAGGED_SHARE:.0%} of them are flagged",
            threshold=round(rule.threshold, 4),
            n=len(rule.held_out),
            flagged_when_held_out=rule.flagged_when_held_out,
        )


@dataclass(frozen=True)
class RobustnessRow:
    change: str
    flips: int
    correct: int
    missed: list[str]


@dataclass(frozen=True)
class Robustness:
    method: str
    n: int
    views: list[str]
    changes: list[RobustnessRow]


@dataclass(frozen=True)
class AdaptedPhoto:
    photo: str
    sha256: str
    label: str
    p_crystal_held_out: float
    p_crystal_base: float


@dataclass(frozen=True)
class Adapted:
    """A lab's own photos taught on the page: leave-one-out over them, beside the base model's
    verdicts on the same photos."""

    date: str
    method: str
    counts: dict[str, int]
    weight_each: float
    leave_one_out: Figure
    base_model_on_the_same_photos: Figure
    per_photo: list[AdaptedPhoto]
    base_calibration: CalibrationEntry  # the base model's, to give its head back (crystal.model.adapt.split)


@dataclass(frozen=True)
class ModelCard:
    created: str
    threshold: float
    settings: Settings
    method: Method
    data: Data
    evaluation: Evaluation
    calibration: CalibrationEntry
    unfamiliar: FamiliarityEntry
    limits: list[str]
    other_labs: list[OtherLab] = field(default_factory=list)
    robustness: Robustness | None = None
    adapted: Adapted | None = None

    def __post_init__(self):
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must lie between 0 and 1, not {self.threshold}")

    def to_json(self) -> str:
        return json.dumps(to_json(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        """The card in ``text``; ValueError (naming the field) when it is not a card."""
        try:
            data = json.loads(text)
        except RecursionError:
            raise ValueError("the card is nested too deeply to be a model card") from None
        return from_json(cls, data)


def evaluate(p_crystal: np.ndarray, truth: np.ndarray, threshold: float = THRESHOLD) -> Evaluation:
    """Count right, its interval, per-class recall and the confusion matrix of chances judged at
    ``threshold`` (rows: truth crystal/no crystal; columns: verdict); ``method`` is left empty."""
    said, truth = np.asarray(p_crystal) >= threshold, np.asarray(truth).astype(bool)
    matrix = [
        [int((truth & said).sum()), int((truth & ~said).sum())],
        [int((~truth & said).sum()), int((~truth & ~said).sum())],
    ]
    recall = {LABELS[0]: matrix[0][0] / max(sum(matrix[0]), 1), LABELS[1]: matrix[1][1] / max(sum(matrix[1]), 1)}
    return Evaluation("", Figure.of(matrix[0][0] + matrix[1][1], len(truth)), recall, matrix)


# --- in plain words ------------------------------------------------------------------------------

ROBUSTNESS_COLUMNS = (
    "**Verdicts that changed**: the shipped model, which learned from all these photos, judged each photo "
    "as taken and again changed this way; this counts the verdicts that came out differently.",
    "**Right in leave-one-out**: each changed photo judged by a model that never saw that photo, changed or "
    "not. A verdict can stay the same and still be wrong, so this column can be lower although none "
    "changed: the first asks *does the change move the answer?*, the second *is the answer right?*",
)


def with_and_without(counts: dict[str, int]) -> str:
    """``"6 with crystals, 10 without"`` for a count per label.

    >>> with_and_without({"crystal": 6, "no_crystal": 10})
    '6 with crystals, 10 without'
    """
    return f"{counts.get(LABELS[0], 0)} with crystals, {counts.get(LABELS[1], 0)} without"


def summary(card: ModelCard) -> list[str]:
    """Five lines for someone in a hurry: what it learned from, how often it was right on photos it
    never saw, what its chances mean, when it says 'unfamiliar', and what to do about another lab."""
    counts, loo = card.data.counts, card.evaluation.figure
    other = "; ".join(
        f"{lab.figure.correct} of {lab.figure.n} right on {lab.source.lower()}" for lab in card.other_labs
    )
    return [
        f"- **Learned from** {sum(counts.values())} labelled drop photos of one lab's imager "
        f"({with_and_without(counts)}).",
        f"- **Right on {loo.words()}** photos it had not seen (leave-one-out)" + (f"; {other}." if other else "."),
        "- **Its chances are calibrated**: of the photos it gives 80 %, about 80 % should hold a crystal. With so "
        "few photos they stay away from 0 % and 100 %, as they should.",
        "- **'Unfamiliar'** means the photo looks unlike all its training photos (brightness, colour, size): "
        "it then never says it is sure.",
        "- **Another microscope?** Teach it a few of your own labelled photos (below the results).",
    ]


def describe_card(card: ModelCard) -> str:
    """The model card in plain words, as markdown, for someone who is not an ML specialist."""
    loo, counts = card.evaluation, card.data.counts
    confusion = loo.confusion
    lines = [*summary(card), "", f"**How it works.** {card.method.summary}", ""]
    lines += [
        f"**Trained on.** {sum(counts.values())} labelled photos of drops ({with_and_without(counts)}), "
        f"from {card.data.source}.",
        "",
        f"**Tested on photos it had not seen.** Leave-one-out: each photo was judged by a model trained on the other "
        f"{loo.figure.n - 1}, which never saw it. It judged **{loo.figure.words()}** correctly: {confusion[0][0]} of "
        f"{sum(confusion[0])} drops with crystals were found, and {confusion[1][1]} of {sum(confusion[1])} drops "
        f"without crystals were called clear. It called {loo.wrong_and_very_sure} wrong verdict"
        f"{'s' * (loo.wrong_and_very_sure != 1)} 'very sure'.",
    ]
    if len(loo.per_folder) > 1:
        lines += ["", *(f"- {entry.folder}: {entry.figure.words()} right" for entry in loo.per_folder)]
    calibration = card.calibration
    lines += [
        "",
        f"**How its chances were made honest.** {calibration.method} Measured on photos it had not seen "
        f"({calibration.after.n}), the Brier score went from {calibration.before.brier:.3f} to "
        f"{calibration.after.brier:.3f} and the log-loss from {calibration.before.log_loss:.2f} to "
        f"{calibration.after.log_loss:.2f} (lower is better for both; always saying 50 % scores 0.25 and 0.69).",
    ]
    for lab in card.other_labs:
        lines += [
            "",
            f"**{lab.source}** ({lab.figure.n} photos, {lab.description}, never trained on): "
            f"**{lab.figure.words()}** judged correctly; it called {lab.unfamiliar} of {lab.figure.n} unfamiliar, and "
            f"was very sure of {lab.wrong_and_very_sure} wrong verdict{'s' * (lab.wrong_and_very_sure != 1)}. "
            f"Brier score {lab.before.brier:.3f} before calibration, {lab.after.brier:.3f} after.",
        ]
    if card.adapted:
        adapted = card.adapted
        lines += [
            "",
            f"**Taught with {adapted.leave_one_out.n} of your photos** ({with_and_without(adapted.counts)}; each "
            f"counts as much as {adapted.weight_each:g} of its original photos). Each of your photos judged by a "
            f"model taught without it: **{adapted.leave_one_out.words()}** right; the shipped model got "
            f"{adapted.base_model_on_the_same_photos.words()} right on the same photos.",
        ]
    unfamiliar = card.unfamiliar
    lines += [
        "",
        "**When it says 'unfamiliar'.** It compares how each photo looks as taken (brightness, contrast, colour, the "
        f"drop's size in pixels) with its {unfamiliar.n} training photos. The limit was set by holding each training "
        f"photo out in turn: {unfamiliar.flagged_when_held_out} of {unfamiliar.n} would have been called unfamiliar.",
        "",
        "_The intervals are wide because the photos are few: treat these figures as rough._",
        "",
        f"**How its settings were chosen.** {card.method.chosen_on_the_same_photos} So these figures are somewhat "
        "optimistic.",
    ]
    if card.robustness:
        n = card.robustness.n
        lines += [
            "",
            f"**Other cameras, imitated.** Each of the {n} photos was also altered in "
            f"{len(card.robustness.changes)} ways (other resolution, colour casts, blur, JPEG, rotation, cropping, "
            "a rainbow tint...).",
            "",
            *(f"- {column}" for column in ROBUSTNESS_COLUMNS),
            "",
            "| change | verdicts that changed | right in leave-one-out |",
            "|---|---|---|",
            *(f"| {row.change} | {row.flips} of {n} | {row.correct} of {n} |" for row in card.robustness.changes),
        ]
    if card.limits:
        lines += ["", "**Limits.**", *(f"- {limit}" for limit in card.limits)]
    return "\n".join(lines)
