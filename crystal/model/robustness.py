"""How verdicts hold up when the imaging changes: the robustness table and the limit it adds to a card.

Per change (:data:`crystal.model.imaging.CHANGES`), every labelled photo is altered and judged
again as a prediction judges it: *flips* counts the shipped model's verdicts that change, and
*correct* the nested leave-one-out verdicts that are right with the held-out photo altered (its
fold's head never saw it, altered or not).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from crystal.model.card import ModelCard, Robustness, RobustnessRow
from crystal.model.fit import THRESHOLD, Fold
from crystal.model.imaging import CHANGES
from crystal.model.views import PREDICTION_VIEWS
from crystal.model.weights import HeadWeights

GOAL_FLIPS = 1
GOAL_MISSES = 1
"""A change that flips more verdicts than GOAL_FLIPS, or under which leave-one-out gets more than
GOAL_MISSES wrong, is named in the model card's limits."""
LIMIT_MARKER = "Less reliable on photos changed in these ways"
METHOD = (
    "flips = verdicts of the shipped model that change; correct = nested leave-one-out with the held-out photo "
    "changed; missed = the photos it got wrong"
)


def robustness_table(
    rgbs: Sequence[np.ndarray],
    names: Sequence[str],
    truth: np.ndarray,
    head: HeadWeights,
    folds: Sequence[Fold],
    features: Callable[[np.ndarray], np.ndarray],
    progress: Callable[[str], None] = print,
) -> Robustness:
    """The table over :data:`CHANGES`; ``features(rgb)`` gives a photo's prediction-view features."""
    truth = np.asarray(truth).astype(bool)
    before = np.array([head.p_crystal(features(rgb)) >= THRESHOLD for rgb in rgbs])
    rows = []
    for change_name, change in CHANGES.items():
        changed = [features(change(rgb)) for rgb in rgbs]
        after = np.array([head.p_crystal(f) >= THRESHOLD for f in changed])
        held_out = np.array([fold.head.p_crystal(f) >= THRESHOLD for fold, f in zip(folds, changed)])
        missed = [name for name, right in zip(names, held_out == truth) if not right]
        row = RobustnessRow(change_name, int((after != before).sum()), len(rgbs) - len(missed), missed)
        rows.append(row)
        progress(
            f"{change_name:<28} flips {row.flips:>2} of {len(rgbs)}   "
            f"leave-one-out correct {row.correct:>2} of {len(rgbs)}   " + " ".join(missed)
        )
    return Robustness(METHOD, len(rgbs), [view.name for view in PREDICTION_VIEWS], rows)


def run_with_robustness(run, progress: Callable[[str], None] = print) -> ModelCard:
    """A training run's card with the robustness table of its photos, shipped head and folds
    (``run`` is a :class:`crystal.model.training.TrainingRun`)."""
    from crystal.model.features import FeatureMaker
    from crystal.vision.images import load_rgb

    maker = FeatureMaker()
    truth = run.training.labels[run.training.view == PREDICTION_VIEWS[0].name]
    table = robustness_table(
        [load_rgb(p.path) for p in run.photos],
        [p.name for p in run.photos],
        truth,
        run.head,
        run.folds,
        lambda rgb: maker(rgb, PREDICTION_VIEWS, seed=""),
        progress,
    )
    return with_robustness(run.card, table)


def with_robustness(card: ModelCard, table: Robustness) -> ModelCard:
    """The card with the table in it, and one limit naming every change that misses a goal (an
    earlier such limit replaced, not stacked)."""
    n = table.n
    weak = [row for row in table.changes if row.flips > GOAL_FLIPS or row.correct < n - GOAL_MISSES]
    limits = [limit for limit in card.limits if LIMIT_MARKER not in limit]
    if weak:
        named = "; ".join(f"{row.change} ({row.flips} changed, {row.correct} right)" for row in weak)
        limits.append(
            f"{LIMIT_MARKER} (our test's goal: at most {GOAL_FLIPS} of {n} verdicts changed and at least "
            f"{n - GOAL_MISSES} of {n} right in leave-one-out): {named}."
        )
    return replace(card, robustness=table, limits=limits)
