"""The card's arithmetic against worked answers, its plain words, and its JSON read back as typed data."""

import json
from dataclasses import replace

import numpy as np
import pytest

from crystal.model.calibration import Scores
from crystal.model.card import (
    ROBUSTNESS_COLUMNS,
    Figure,
    ModelCard,
    OtherLab,
    Robustness,
    RobustnessRow,
    describe_card,
    evaluate,
    summary,
    wilson_interval,
)

from .cards import a_card


@pytest.mark.parametrize(
    ("correct", "n", "expected"),
    [
        (0, 10, (0.0, 0.278)),  # textbook values of the Wilson score interval at 95 %
        (10, 10, (0.722, 1.0)),
        (3, 3, (0.439, 1.0)),
        (5, 10, (0.237, 0.763)),
    ],
)
def test_wilson_interval(correct, n, expected):
    assert wilson_interval(correct, n) == pytest.approx(expected, abs=0.001)


def test_evaluate_on_a_worked_example():
    # truth: 3 crystal, 2 not; verdicts at 0.5: crystal, crystal, no | crystal, no
    result = evaluate(np.array([0.9, 0.6, 0.2, 0.7, 0.1]), np.array([1, 1, 1, 0, 0]))
    assert result.confusion == [[2, 1], [1, 1]]
    assert result.figure.correct == 3 and result.recall == {"crystal": 2 / 3, "no_crystal": 0.5}
    assert result.figure.interval == wilson_interval(3, 5)


def test_the_words_give_each_figure_with_its_count_and_interval():
    lab = OtherLab(
        "Another lab", "all with crystals", Figure.of(3, 3), 3, Scores(3, 0.3, 2.0), Scores(3, 0.1, 0.4), 0, []
    )
    card = a_card(
        16,
        evaluation=evaluate(np.r_[np.ones(6), np.zeros(9), [0.9]], np.r_[np.ones(6), np.zeros(10)]),
        other_labs=[lab],
    )
    text = describe_card(card)
    assert "15 of 16 (95 % interval 72–99 %)" in text
    assert "3 of 3 (95 % interval 44–100 %)" in text and "Another lab" in text and "called 3 of 3 unfamiliar" in text
    assert "rough" in text and "- Few photos." in text
    assert "Picked on these photos. So these figures are somewhat optimistic." in text
    assert "Brier score went from 0.100 to 0.120" in text


def test_the_card_starts_with_five_plain_lines_and_explains_the_robustness_columns():
    rows = [RobustnessRow("gamma 1.6", 0, 12, ["a.jpg"] * 4)]
    card = a_card(16, robustness=Robustness("flips and leave-one-out", 16, ["upright"], rows))
    text = describe_card(card)
    assert text.startswith("\n".join(summary(card))) and len(summary(card)) == 5
    assert all(column in text for column in ROBUSTNESS_COLUMNS) and "| gamma 1.6 | 0 of 16 | 12 of 16 |" in text


def test_a_card_reads_back_from_its_json_as_the_same_typed_card():
    card = a_card(robustness=Robustness("m", 4, ["v"], [RobustnessRow("blur", 1, 3, ["x"])]))
    assert ModelCard.from_json(card.to_json()) == card


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(threshold="0.5"), "threshold: expected a number"),
        (lambda d: d.update(threshold=[0.5]), "threshold: expected a number"),
        (lambda d: d.update(threshold=float("nan")), "threshold: expected a number"),
        (lambda d: d.update(threshold=1.5), "threshold must lie between 0 and 1"),
        (lambda d: d.update(data=[]), "data: expected an object"),
        (lambda d: d["settings"].update(c=-1), "settings.c must be above 0"),
        (lambda d: d["evaluation"]["figure"].update(correct=2.5), "evaluation.figure.correct: expected a whole number"),
        (lambda d: d.pop("calibration"), "calibration is missing"),
        (lambda d: d.update(adapted={}), "adapted.date is missing"),
    ],
)
def test_a_card_of_the_wrong_shape_is_refused_naming_the_field(change, message):
    data = json.loads(a_card().to_json())
    change(data)
    with pytest.raises(ValueError, match=message):
        ModelCard.from_json(json.dumps(data, allow_nan=True))


def test_a_deeply_nested_card_is_refused_without_a_crash():
    with pytest.raises(ValueError, match="nested too deeply"):
        ModelCard.from_json("[" * 100_000 + "]" * 100_000)


def test_unknown_fields_are_left_out():
    data = json.loads(a_card().to_json()) | {"from_the_future": {"x": 1}}
    assert ModelCard.from_json(json.dumps(data)) == a_card()
    assert replace(a_card(), limits=[]).limits == []
