"""The model card: what a model was trained on, how, how well it did on photos it never saw, and its
limits; as JSON beside the weights, and in plain words for the page.

Every accuracy figure carries its count of photos and a 95 % Wilson interval: 16 or 3 photos are
small samples, and "15 of 16" means anything from about 72 % to 99 %.

>>> wilson_interval(15, 16)
(0.717, 0.989)
>>> evaluate(np.array([0.9, 0.6, 0.2, 0.7, 0.1]), np.array([1, 1, 1, 0, 0]))["confusion"]["matrix"]
[[2, 1], [1, 1]]
"""

from __future__ import annotations

import datetime
import math

import numpy as np

from crystal.model.dataset import LABELS
from crystal.model.familiarity import FLAGGED_SHARE, Familiarity
from crystal.model.fit import THRESHOLD

Z_95 = 1.959964


def wilson_interval(correct: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for ``correct`` successes out of ``n``, rounded to 3 digits."""
    if n == 0:
        return 0.0, 1.0
    share, z2 = correct / n, Z_95**2
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return round(max(0.0, centre - half), 3), round(min(1.0, centre + half), 3)


def evaluate(p_crystal: np.ndarray, truth: np.ndarray, threshold: float = THRESHOLD) -> dict:
    """Count right, its interval, per-class recall and the confusion matrix (rows: truth
    crystal/no crystal; columns: verdict)."""
    said, truth = np.asarray(p_crystal) >= threshold, np.asarray(truth).astype(bool)
    matrix = [
        [int((truth & said).sum()), int((truth & ~said).sum())],
        [int((~truth & said).sum()), int((~truth & ~said).sum())],
    ]
    correct, n = matrix[0][0] + matrix[1][1], int(len(truth))
    return {
        "n": n,
        "correct": correct,
        "interval": list(wilson_interval(correct, n)),
        "recall": {LABELS[0]: matrix[0][0] / max(sum(matrix[0]), 1), LABELS[1]: matrix[1][1] / max(sum(matrix[1]), 1)},
        "confusion": {"rows": "truth", "columns": "verdict", "labels": list(LABELS), "matrix": matrix},
    }


def figure(correct: int, n: int, interval) -> str:
    """'15 of 16 (95 % interval 72-99 %)'."""
    low, high = interval
    return f"{correct} of {n} (95 % interval {low:.0%}–{high:.0%})"


def make_card(
    *,
    settings: dict,
    data: dict,
    evaluation: dict,
    other_labs: list[dict],
    method: dict,
    unfamiliar: dict,
    limits: list[str],
) -> dict:
    """The card's fields in one order, dated today."""
    return {
        "created": datetime.date.today().isoformat(),
        "threshold": THRESHOLD,
        "settings": settings,
        "method": method,
        "data": data,
        "evaluation": evaluation,
        "other_labs": other_labs,
        "unfamiliar": unfamiliar,
        "limits": limits,
    }


def familiarity_entry(rule: Familiarity) -> dict:
    """How the 'unfamiliar' rule was set, for the card."""
    return {
        "method": "a photo is unfamiliar when its appearance as taken (grey-level histogram, colourfulness, the drop's "
        "size in pixels) is farther from every training photo's than the threshold; the threshold is set by "
        "leave-one-out over the training photos, each measured against the others, so that at most "
        f"{FLAGGED_SHARE:.0%} of them are flagged",
        "threshold": round(rule.threshold, 4),
        "n": len(rule.held_out),
        "flagged_when_held_out": rule.flagged_when_held_out,
    }


def describe_card(card: dict) -> str:
    """The model card in plain words, as markdown, for someone who is not an ML specialist."""
    data, loo = card.get("data", {}), card.get("evaluation", {})
    counts = data.get("counts", {})
    lines = [
        f"**How it works.** {card.get('method', {}).get('summary', '')}",
        "",
        f"**Trained on.** {sum(counts.values())} labelled photos of drops ({counts.get('crystal', 0)} with crystals, "
        f"{counts.get('no_crystal', 0)} without), from {data.get('source', 'the folders in its card')}.",
    ]
    if loo:
        confusion = loo["confusion"]["matrix"]
        lines += [
            "",
            "**Tested on photos it had not seen.** Leave-one-out: each photo was judged by a model trained "
            f"on the other {loo['n'] - 1}, which never saw it. It judged "
            f"**{figure(loo['correct'], loo['n'], loo['interval'])}** correctly: {confusion[0][0]} of "
            f"{sum(confusion[0])} drops with crystals were found, and {confusion[1][1]} "
            f"of {sum(confusion[1])} drops without crystals were called clear.",
        ]
        folders = loo.get("per_folder", [])
        if len(folders) > 1:
            lines += [
                "",
                *(
                    f"- {entry['folder']}: {figure(entry['correct'], entry['n'], entry['interval'])} right"
                    for entry in folders
                ),
            ]
    for lab in card.get("other_labs", []):
        flagged = f" It called {lab['unfamiliar']} of {lab['n']} unfamiliar." if "unfamiliar" in lab else ""
        lines += [
            "",
            f"**{lab['source']}** ({lab['n']} photos, {lab['description']}, never trained on): "
            f"**{figure(lab['correct'], lab['n'], lab['interval'])}** judged correctly.{flagged}",
        ]
    adapted = card.get("adapted")
    if adapted:
        mine, base = adapted["leave_one_out"], adapted["base_model_on_the_same_photos"]
        lines += [
            "",
            f"**Taught with {mine['n']} of your photos** ({adapted['counts'].get('crystal', 0)} with crystals, "
            f"{adapted['counts'].get('no_crystal', 0)} without; each counts as much as {adapted['weight_each']:g} "
            f"of its original photos). Each of your photos judged by a model taught without it: "
            f"**{figure(mine['correct'], mine['n'], mine['interval'])}** right; the shipped model got "
            f"{figure(base['correct'], base['n'], base['interval'])} right on the same photos.",
        ]
    unfamiliar = card.get("unfamiliar")
    if unfamiliar:
        lines += [
            "",
            f"**When it says 'unfamiliar'.** It compares how each photo looks as taken (brightness, contrast, "
            f"colour, the drop's size in pixels) with its {unfamiliar['n']} training photos. The limit was set "
            f"by holding each training photo out in turn: {unfamiliar['flagged_when_held_out']} of "
            f"{unfamiliar['n']} would have been called unfamiliar.",
        ]
    if loo or card.get("other_labs"):
        lines += ["", "_The intervals are wide because the photos are few: treat these figures as rough._"]
    tuned = card.get("method", {}).get("chosen_on_the_same_photos")
    if tuned:
        lines += ["", f"**How its settings were chosen.** {tuned} So these figures are somewhat optimistic."]
    robustness = card.get("robustness")
    if robustness:
        n = robustness["n"]
        lines += [
            "",
            f"**Other cameras, imitated.** Each of the {n} photos was also altered in "
            f"{len(robustness['changes'])} ways "
            "(other resolution, colour casts, blur, JPEG, rotation, cropping, a rainbow tint...):",
            "",
            "| change | verdicts that changed | right in leave-one-out |",
            "|---|---|---|",
            *(
                f"| {row['change']} | {row['flips']} of {n} | {row['correct']} of {n} |"
                for row in robustness["changes"]
            ),
        ]
    limits = card.get("limits", [])
    if limits:
        lines += ["", "**Limits.**", *(f"- {limit}" for limit in limits)]
    return "\n".join(lines)
