"""The card's arithmetic against worked answers, and its plain words."""

import numpy as np
import pytest

from crystal.model.card import describe_card, evaluate, wilson_interval


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
    assert result["confusion"]["matrix"] == [[2, 1], [1, 1]]
    assert result["correct"] == 3 and result["recall"] == {"crystal": 2 / 3, "no_crystal": 0.5}
    assert result["interval"] == list(wilson_interval(3, 5))


def test_the_words_give_each_figure_with_its_count_and_interval():
    card = {
        "method": {"summary": "It looks.", "chosen_on_the_same_photos": "Picked on these photos."},
        "data": {"counts": {"crystal": 6, "no_crystal": 10}},
        "evaluation": evaluate(np.r_[np.ones(6), np.zeros(9), [0.9]], np.r_[np.ones(6), np.zeros(10)]),
        "other_labs": [
            {
                "source": "Another lab",
                "description": "all with crystals",
                "n": 3,
                "correct": 3,
                "interval": [0.439, 1.0],
            }
        ],
        "limits": ["Few photos."],
    }
    text = describe_card(card)
    assert "15 of 16 (95 % interval 72%–99%)" in text
    assert "3 of 3 (95 % interval 44%–100%)" in text and "Another lab" in text
    assert "rough" in text and "- Few photos." in text
    assert "Picked on these photos. So these figures are somewhat optimistic." in text
