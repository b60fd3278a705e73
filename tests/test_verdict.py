"""The plain reading of a prediction: words for certainty, the tile map, and the CSV format."""

import csv
import io

import numpy as np
import pytest

from crystal.model.verdict import CSV_HEADER, confidence_words, results_csv, scale_region, tile_heat


@pytest.mark.parametrize(
    ("p", "threshold", "words"),
    [
        (0.99, 0.5, "very sure"),
        (0.01, 0.5, "very sure"),
        (0.75, 0.5, "fairly sure"),
        (0.52, 0.5, "unsure: worth a look by eye"),
        # With a low threshold the scale stretches: 0.6 is halfway from 0.2 to 1.
        (0.6, 0.2, "fairly sure"),
        (0.19, 0.2, "unsure: worth a look by eye"),
    ],
)
def test_confidence_follows_distance_from_threshold(p, threshold, words):
    assert confidence_words(p, threshold) == words


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
            ("a, b.jpg", "crystal", 0.912345, True, "adapted", "crystal"),
            ("c.png", "no_crystal", 0.0, False, "shipped", ""),
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0][:4]) == CSV_HEADER == ("path", "label", "p_crystal", "unfamiliar")
    assert rows[0][4:] == ["model", "your_label"]
    assert rows[1] == ["a, b.jpg", "crystal", "0.9123", "yes", "adapted", "crystal"]
    assert rows[2] == ["c.png", "no_crystal", "0.0000", "no", "shipped", ""]
