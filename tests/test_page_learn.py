"""The kernel-learning page, headless with AppTest: random kernels, training steps, a kernel sent to the playground."""

import numpy as np
import pytest

from crystal.numbers import format_number

from .conftest import app_page
from .test_page_convolution import grids

PAGE = "pages/4_Kernels_that_learn.py"
pytestmark = pytest.mark.slow


def run_page():
    at = app_page(PAGE, timeout=120).run()
    assert not at.exception, at.exception
    return at


def _kernel_grids(at):
    from .test_page_convolution import Grid

    return [Grid(e.value) for e in at.html if "Kernel " in Grid(e.value).title]


def shown_kernels(at) -> list[list[list[str]]]:
    return [[row for row in grid.cells if row] for grid in _kernel_grids(at)]


def test_before_training_there_is_a_plain_empty_state_and_no_empty_chart():
    at = run_page()
    assert any("Epoch 0.0" in m.value and "(0 steps)" in m.value for m in at.markdown)
    assert any("chart of the loss and the accuracy starts with the first training step" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")
    next(b for b in at.button if b.label == "One step").click().run()
    assert at.get("vega_lite_chart") and any("(1 steps)" in m.value for m in at.markdown)


def test_kernels_start_random_and_change_with_training():
    at = run_page()
    before = shown_kernels(at)
    assert len(before) == 4 and all(len(k) == 3 for k in before)
    assert any("Random numbers" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "One epoch").click().run()
    assert not at.exception, at.exception
    assert shown_kernels(at) != before
    assert any("**Epoch 1.0**" in m.value for m in at.markdown)
    assert any(c.value.startswith("Responds to ") for c in at.caption)


def test_the_kernels_shown_are_the_keras_layers_weights_and_one_goes_to_the_playground():
    at = run_page()
    next(b for b in at.button if b.label == "One step").click().run()
    run = at.session_state["learn_run"]
    weights = np.asarray(run.model.get_layer("conv").get_weights()[0])[:, :, 0, 1]  # kernel 2, read from Keras
    assert shown_kernels(at)[1] == [[format_number(v) for v in row] for row in weights]
    at.button(key="learn_use_2").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="conv_kernel").value.startswith("Learned kernel 2")
    assert [row for row in grids(at)["Kernel"].cells if row] == [[format_number(v) for v in row] for row in weights]


def test_a_new_seed_starts_again_from_other_random_kernels():
    at = run_page()
    first = shown_kernels(at)
    at.number_input(key="learn_seed").set_value(1).run()
    assert not at.exception and shown_kernels(at) != first
