"""crystal.playground.ops against TensorFlow's own ops and the classic worked examples."""

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crystal.playground import ops
from crystal.playground.ops import conv2d, conv_step, conv_trace, partial_output, pool2d, pool_step, pool_trace, relu
from crystal.playground.presets import (
    CLASSIC_FEATURE_MAP,
    CLASSIC_IMAGE,
    CLASSIC_KERNEL,
    POOL_EXAMPLE,
    POOL_EXAMPLE_RESULT,
)

tf = pytest.importorskip("tensorflow")


def tf_conv(x, kernel, stride, padding):
    """TensorFlow's Conv2D with explicit zero padding, for one image and one channel."""
    images = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    filters = tf.constant(np.asarray(kernel, dtype=np.float64)[:, :, None, None])
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(images, filters, strides=stride, padding=pads).numpy()[0, :, :, 0]


def tf_pool(x, size, stride, mode):
    images = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return pool(images, ksize=size, strides=stride, padding="VALID").numpy()[0, :, :, 0]


small_numbers = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 2))


@st.composite
def conv_cases(draw):
    rows, cols = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    padding = draw(st.integers(0, 3))
    k_rows = draw(st.integers(1, min(7, rows + 2 * padding)))
    k_cols = draw(st.integers(1, min(7, cols + 2 * padding)))
    x = np.array(draw(st.lists(small_numbers, min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
    kernel = np.array(draw(st.lists(small_numbers, min_size=k_rows * k_cols, max_size=k_rows * k_cols)))
    return x, kernel.reshape(k_rows, k_cols), draw(st.integers(1, 4)), padding


@st.composite
def pool_cases(draw):
    rows, cols = draw(st.integers(1, 10)), draw(st.integers(1, 10))
    x = np.array(draw(st.lists(small_numbers, min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)
    size = draw(st.integers(1, min(rows, cols, 4)))
    return x, size, draw(st.integers(1, 4)), draw(st.sampled_from(ops.POOL_MODES))


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_conv2d_and_its_trace_match_tensorflow(case):
    x, kernel, stride, padding = case
    expected = tf_conv(x, kernel, stride, padding)
    result = conv2d(x, kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(result, expected, atol=1e-9)
    assert expected.shape == (
        ops.output_size(x.shape[0], kernel.shape[0], stride, padding),
        ops.output_size(x.shape[1], kernel.shape[1], stride, padding),
    )
    steps = list(conv_trace(x, kernel, stride=stride, padding=padding))
    np.testing.assert_allclose([s.value for s in steps], expected.ravel(), atol=1e-9)
    last = conv_step(x, kernel, len(steps) - 1, stride=stride, padding=padding)
    assert (last.out_row, last.out_col) == (expected.shape[0] - 1, expected.shape[1] - 1)
    np.testing.assert_array_equal(last.window, np.pad(x, padding)[last.rows, last.cols])


@settings(max_examples=60, deadline=None)
@given(pool_cases())
def test_pool2d_and_its_trace_match_tensorflow(case):
    x, size, stride, mode = case
    expected = tf_pool(x, size, stride, mode)
    np.testing.assert_allclose(pool2d(x, size=size, stride=stride, mode=mode), expected, atol=1e-9)
    values = [s.value for s in pool_trace(x, size=size, stride=stride, mode=mode)]
    np.testing.assert_allclose(values, expected.ravel(), atol=1e-9)


def test_relu_matches_tensorflow():
    x = np.array([[-2.5, 0.0, 3.0], [1e-9, -1e-9, 7.0]])
    np.testing.assert_array_equal(relu(x), tf.nn.relu(x).numpy())


def test_classic_convolution_gives_the_published_feature_map():
    result = conv2d(CLASSIC_IMAGE.values, CLASSIC_KERNEL.values)
    np.testing.assert_array_equal(result, CLASSIC_FEATURE_MAP)
    np.testing.assert_array_equal(tf_conv(CLASSIC_IMAGE.values, CLASSIC_KERNEL.values, 1, 0), CLASSIC_FEATURE_MAP)


def test_classic_max_pooling_gives_the_published_result():
    np.testing.assert_array_equal(pool2d(POOL_EXAMPLE.values, 2, 2, "max"), POOL_EXAMPLE_RESULT)
    np.testing.assert_array_equal(tf_pool(POOL_EXAMPLE.values, 2, 2, "max"), POOL_EXAMPLE_RESULT)


def test_first_classic_step_writes_out_the_worked_sum():
    step = conv_step(CLASSIC_IMAGE.values, CLASSIC_KERNEL.values, 0)
    assert step.equation() == "1×1 + 1×0 + 1×1 + 0×0 + 1×1 + 1×0 + 0×1 + 0×0 + 1×1 = 4"
    assert (step.rows, step.cols) == (slice(0, 3), slice(0, 3))
    np.testing.assert_array_equal(step.products, [[1, 0, 1], [0, 1, 0], [0, 0, 1]])


def test_pool_step_names_the_window_of_the_classic_example():
    step = pool_step(POOL_EXAMPLE.values, 1)
    assert step.equation() == "max(2, 4, 7, 8) = 8"
    assert (step.out_row, step.out_col, step.rows, step.cols) == (0, 1, slice(0, 2), slice(2, 4))


def test_padding_moves_the_window_over_the_zero_ring():
    step = conv_step([[5.0]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], 0, padding=1)
    np.testing.assert_array_equal(step.window, [[0, 0, 0], [0, 5, 0], [0, 0, 0]])
    assert step.value == 25.0


def test_steps_are_read_only():
    step = conv_step([[1, 2], [3, 4]], [[1]], 0)
    with pytest.raises(ValueError):
        step.window[0, 0] = 9


def test_partial_output_blanks_the_cells_not_reached_yet():
    shown = partial_output(CLASSIC_FEATURE_MAP, 4)
    np.testing.assert_array_equal(shown.ravel()[:4], [4, 3, 4, 2])
    assert np.isnan(shown.ravel()[4:]).all()
    assert not np.isnan(CLASSIC_FEATURE_MAP).any()  # the original is left alone


def test_size_formula_shows_the_rounding_down():
    assert ops.size_formula(7, 3, stride=2, padding=1) == "(7 + 2·1 − 3) / 2 + 1 = 4"
    assert ops.size_formula(6, 3, stride=2, padding=0) == "⌊(6 + 2·0 − 3) / 2⌋ + 1 = ⌊1.5⌋ + 1 = 2"


@pytest.mark.parametrize("stride", [0, -1, 1.5, True])
def test_a_stride_that_does_not_move_the_window_is_refused(stride):
    for call in (
        lambda: conv2d([[1, 2], [3, 4]], [[1]], stride=stride),
        lambda: pool2d([[1, 2], [3, 4]], size=1, stride=stride),
        lambda: conv_step([[1, 2], [3, 4]], [[1]], 0, stride=stride),
        lambda: ops.output_size(4, 2, stride=stride),
    ):
        with pytest.raises(ValueError, match="stride must be a whole number of at least 1"):
            call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv2d(np.ones((2, 2)), np.ones((3, 3))), "3×3 kernel is larger than the 2×2 input"),
        (lambda: conv2d(np.ones((2, 2)), np.ones((5, 5)), padding=1), "even with padding 1"),
        (lambda: conv2d(np.ones((2, 2)), np.ones((1, 1)), padding=-1), "padding must be a whole number"),
        (lambda: conv2d([[1, np.nan]], [[1]]), "not a finite number at row 1, column 2"),
        (lambda: conv2d([[1, 2], [3]], [[1]]), "only numbers, in rows of equal length"),
        (lambda: conv2d(np.ones(3), [[1]]), "2-D grid"),
        (lambda: conv2d(np.ones((0, 3)), [[1]]), "empty"),
        (lambda: pool2d(np.ones((3, 3)), size=4), "4×4 pooling window is larger than the 3×3 grid"),
        (lambda: pool2d(np.ones((3, 3)), mode="min"), "'max' or 'avg'"),
        (lambda: pool2d(np.ones((3, 3)), size=0), "at least 1×1"),
        (lambda: conv_step(np.ones((3, 3)), np.ones((2, 2)), 4), "Step 5 does not exist: this walk-through has 4"),
        (lambda: pool_step(np.ones((4, 4)), -1), "does not exist"),
    ],
)
def test_bad_arguments_get_a_plain_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_docstring_examples_hold():
    result = doctest.testmod(ops)
    assert result.attempted > 10 and result.failed == 0
