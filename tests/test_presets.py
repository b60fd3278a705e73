"""crystal.playground.presets: the examples do what their descriptions promise."""

import doctest

import numpy as np
import pytest

from crystal.playground import presets
from crystal.playground.ops import conv2d
from crystal.playground.presets import CURVE, EDGE, IMAGES, KERNELS, identity_kernel, random_image


def test_the_classic_examples_are_the_published_ones():
    np.testing.assert_array_equal(
        presets.CLASSIC_IMAGE.values,
        [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
    )
    np.testing.assert_array_equal(presets.CLASSIC_KERNEL.values, [[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(presets.POOL_EXAMPLE.values, [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])


@pytest.mark.parametrize("preset", [*IMAGES.values(), *KERNELS.values(), presets.POOL_EXAMPLE], ids=lambda p: p.name)
def test_every_preset_is_a_described_read_only_grid(preset):
    assert preset.values.ndim == 2 and np.isfinite(preset.values).all()
    assert preset.description.strip()
    assert not preset.values.flags.writeable


def test_kernel_sizes_stay_within_the_playground_range():
    assert all(1 <= side <= 7 for kernel in KERNELS.values() for side in kernel.values.shape)


def test_edge_kernels_light_up_on_the_edge_and_stay_zero_on_flat_areas():
    vertical = conv2d(EDGE.values, KERNELS["Vertical edge (Sobel)"].values)
    assert vertical[:, 2:4].min() > 0 and not vertical[:, [0, 1, 4, 5]].any()
    assert not conv2d(EDGE.values, KERNELS["Horizontal edge (Sobel)"].values).any()


def test_blur_keeps_a_flat_picture_flat():
    np.testing.assert_allclose(conv2d(np.full((5, 5), 3.0), KERNELS["Box blur"].values), 3.0)


def test_curve_detector_peaks_on_the_bend_not_on_the_straight_line():
    response = conv2d(CURVE.values, KERNELS["Curve detector"].values)
    peak = np.unravel_index(response.argmax(), response.shape)
    assert peak == (1, 2)  # the window over rows 2-5, columns 3-6 on screen: the bend
    assert response[peak] == KERNELS["Curve detector"].values.sum()
    assert (response == response[peak]).sum() == 1
    assert response[:, 4:].max() <= response[peak] - 2  # the straight line on the right scores less


def test_identity_kernel_copies_the_input():
    for size in (1, 3, 5):
        copied = conv2d(CURVE.values, identity_kernel(size), padding=(size - 1) // 2)
        np.testing.assert_array_equal(copied, CURVE.values)


def test_random_image_is_repeatable_and_in_range():
    first, again, other = random_image(6, seed=1), random_image(6, seed=1), random_image(6, seed=2)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == (6, 6) and set(np.unique(first)) <= set(range(6))


def test_docstring_examples_hold():
    result = doctest.testmod(presets)
    assert result.attempted >= 2 and result.failed == 0
