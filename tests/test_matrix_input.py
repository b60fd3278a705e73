"""crystal.playground.matrix_input: typed cells and drawings into grids, with messages that name the cell."""

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from crystal.playground import matrix_input
from crystal.playground.matrix_input import MAX_SIDE, drawing_to_grid, parse_matrix, parse_number, to_cells
from crystal.playground.presets import KERNELS


def editor_frame(rows):
    """What st.data_editor hands back for a text table: object cells, None for cleared ones."""
    return pd.DataFrame(rows, columns=[str(c + 1) for c in range(len(rows[0]))], dtype=object)


def test_typed_text_of_every_usual_form_is_read():
    cells = editor_frame([["1", " -1.5 ", "−3"], ["0,5", "1/9", "2e1"]])
    np.testing.assert_allclose(parse_matrix(cells), [[1, -1.5, -3], [0.5, 1 / 9, 20]])


def test_every_bad_cell_is_named_with_its_screen_position():
    cells = editor_frame([["1", None, "x"], [float("nan"), "  ", "2"]])
    with pytest.raises(ValueError) as err:
        parse_matrix(cells, what="kernel")
    message = str(err.value)
    assert message.startswith("Some kernel cells are not usable numbers:")
    for part in (
        "row 1, column 2 is blank",
        "row 1, column 3 holds 'x'",
        "row 2, column 1 is blank",
        "row 2, column 2 is blank",
    ):
        assert part in message
    assert "row 2, column 3" not in message


def test_a_long_list_of_bad_cells_is_cut_short():
    with pytest.raises(ValueError, match=r"row 1, column 4 is blank; and 5 more\."):
        parse_matrix([[None] * 3 + [""]] + [["?"] * 4] + [[1] * 3 + ["inf"]])


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([], "is empty"),
        ([[1, 2], [3]], "same number of cells"),
        (np.zeros((MAX_SIDE + 1, 2)), f"up to {MAX_SIDE}×{MAX_SIDE}"),
        ([["1e7"]], "row 1, column 1 holds '1e7', which is too large"),
        (5, "table of rows and columns"),
    ],
)
def test_unusable_tables_get_a_plain_message(cells, message):
    with pytest.raises(ValueError, match=message):
        parse_matrix(cells)


def test_a_28_by_28_grid_is_accepted():
    assert parse_matrix(to_cells(np.arange(28 * 28).reshape(28, 28) / 7)).shape == (28, 28)


@pytest.mark.parametrize("cell", [None, True, "", "abc", "1/0", "nan", "-inf", float("inf"), "1,2,3"])
def test_cells_that_are_not_finite_numbers_give_none(cell):
    assert parse_number(cell) is None


def test_preset_kernels_survive_the_trip_through_the_editor():
    for preset in KERNELS.values():
        np.testing.assert_allclose(parse_matrix(to_cells(preset.values)), preset.values, rtol=1e-12)
    assert to_cells(KERNELS["Box blur"].values)[0] == ["1/9"] * 3


def block_mean(ink, n):
    """Exact area average: split every pixel into equal parts until n blocks tile the canvas."""
    parts = n // math.gcd(ink.shape[0], n)
    fine = np.repeat(np.repeat(ink, parts, axis=0), parts, axis=1)
    side = fine.shape[0] // n
    return fine.reshape(n, side, n, side).mean(axis=(1, 3))


def test_drawing_is_averaged_over_exactly_the_area_of_each_cell():
    rng = np.random.default_rng(0)
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = rng.integers(0, 256, (280, 280))  # black paint, transparent background
    ink = rgba[..., 3] / 255
    for n in (10, 12, 28):  # 12 does not divide 280: cells cover fractions of pixels
        np.testing.assert_allclose(drawing_to_grid(rgba, n, decimals=9), block_mean(ink, n), atol=1e-9)
    # the PIL box filter, which rounds cell edges to whole pixels, agrees where cells are whole pixels
    resized = Image.fromarray(ink.astype(np.float32)).resize((28, 28), Image.BOX)
    np.testing.assert_allclose(drawing_to_grid(rgba, 28, decimals=9), np.asarray(resized), atol=1e-6)


def test_ink_is_dark_opaque_paint_whatever_the_background():
    white = np.full((20, 20, 4), 255, dtype=np.uint8)
    white[:10, :, :3] = 0  # black strokes over the top half of a white canvas
    transparent = np.zeros((20, 20, 4), dtype=np.uint8)
    transparent[:10, :, 3] = 255  # the same strokes on a transparent canvas
    expected = [[1, 1], [0, 0]]
    np.testing.assert_array_equal(drawing_to_grid(white, 2), expected)
    np.testing.assert_array_equal(drawing_to_grid(transparent, 2), expected)
    np.testing.assert_array_equal(drawing_to_grid(white[..., :3], 2), expected)


@pytest.mark.parametrize(
    ("image", "n", "message"),
    [
        (np.zeros((10, 10)), 2, "RGB or RGBA"),
        (np.zeros((10, 10, 4)), 0, "between 1 and 10"),
        (np.zeros((10, 10, 4)), 11, "between 1 and 10"),
    ],
)
def test_bad_drawings_get_a_plain_message(image, n, message):
    with pytest.raises(ValueError, match=message):
        drawing_to_grid(image, n)


def test_docstring_examples_hold():
    result = doctest.testmod(matrix_input)
    assert result.attempted > 5 and result.failed == 0
