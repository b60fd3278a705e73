"""The plain reading of a prediction: words for certainty, the tile map, and the CSV format."""

import csv
import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crystal.labels import LABELS
from crystal.model.verdict import CSV_HEADER, headline, results_csv, scale_region, sureness, tile_heat
from crystal.numbers import chance_text, chance_value


@pytest.mark.parametrize(
    ("p", "unfamiliar", "drop_found", "sure"),
    [
        (0.95, False, True, "very"),  # 95 % that "crystal" is right
        (0.05, False, True, "very"),  # 95 % that "no crystal" is right
        (0.9, False, True, "very"),  # the bounds are "at least"
        (0.75, False, True, "fairly"),
        (0.3, False, True, "fairly"),
        (0.69, False, True, "not"),
        (0.5, False, True, "not"),
        (0.001, True, True, "not"),  # unfamiliar: never sure, however extreme
        (0.999, False, False, "not"),  # no drop found: the same
    ],
)
def test_sureness_follows_the_calibrated_chance_and_the_evidence(p, unfamiliar, drop_found, sure):
    assert sureness(p, 0.5, unfamiliar=unfamiliar, drop_found=drop_found) == sure


@given(p=st.floats(0, 1), unfamiliar=st.booleans(), drop_found=st.booleans(), label=st.sampled_from(LABELS))
def test_a_photo_the_model_cannot_judge_is_never_called_sure(p, unfamiliar, drop_found, label):
    sure = sureness(p, 0.5, unfamiliar=unfamiliar, drop_found=drop_found)
    words = headline(label, p, sure, unfamiliar=unfamiliar, drop_found=drop_found)
    if unfamiliar or not drop_found:
        assert "sure" not in (words.title + words.text).lower()
    if unfamiliar:
        assert words.tone == "caution" and "leans towards" in words.text and "teach" in words.text
    assert chance_text(p) in words.text


@pytest.mark.parametrize(
    ("p", "text", "value"),
    [
        (0.0, "< 1 %", 0.001),
        (0.0049, "< 1 %", 0.005),
        (0.5, "50 %", 0.5),
        (0.9951, "> 99 %", 0.995),
        (1.0, "> 99 %", 0.999),
    ],
)
def test_one_rounding_rule_never_says_0_or_100(p, text, value):
    assert chance_text(p) == text and chance_value(p) == value


def test_tile_heat_places_each_tile_over_its_own_pixels():
    scores = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    heat = tile_heat(scores, (10, 20, 30, 50), (40, 60))
    assert heat.shape == (40, 60)
    assert heat[:10].max() == 0 and heat[:, :20].max() == 0 and heat[30:].max() == 0 and heat[:, 50:].max() == 0
    # Region is 20 rows x 30 columns: each tile covers 10 x 10 pixels.
    for r in range(2):
        for c in range(3):
            block = heat[10 + 10 * r : 20 + 10 * r, 20 + 10 * c : 30 + 10 * c]
            assert np.allclose(block, scores[r, c])


def test_scale_region_rounds_to_pixels():
    assert scale_region((10, 21, 100, 201), 0.5) == (5, 10, 50, 100)


def test_results_csv_reads_back_with_the_cli_columns_first():
    text = results_csv(
        [
            ("a, b.jpg", "crystal", 0.912345, True, "not", "adapted", "crystal"),
            ("c.png", "no_crystal", 0.0, False, "very", "shipped", ""),
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0][:5]) == CSV_HEADER == ("path", "label", "p_crystal", "unfamiliar", "sure")
    assert rows[0][5:] == ["model", "your_label"]
    assert rows[1] == ["a, b.jpg", "crystal", "0.912", "yes", "not", "adapted", "crystal"]
    assert rows[2] == ["c.png", "no_crystal", "0.001", "no", "very", "shipped", ""]
