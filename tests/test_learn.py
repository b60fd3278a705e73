"""The tiny CNN: made data that repeats for a seed, training that learns, kernels read from Keras."""

import numpy as np
import pytest

from crystal.learn.data import CLASSES, make_examples, split
from crystal.learn.describe import PATTERNS, describe, match


def test_the_made_pictures_repeat_for_a_seed_and_differ_between_seeds():
    first, labels = make_examples(5, seed=3)
    again, _ = make_examples(5, seed=3)
    other, _ = make_examples(5, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == (15, 28, 28) and first.min() >= 0 and first.max() <= 1
    assert np.bincount(labels).tolist() == [5] * len(CLASSES)
    (train, _), (test, _) = split(first, labels, 0.2, seed=0)
    assert len(train) == 12 and len(test) == 3


def test_patterns_and_their_opposites_are_named_and_noise_is_called_a_mix():
    for pattern, words, opposite in PATTERNS:
        assert describe(np.array(pattern)) == words and describe(-np.array(pattern)) == opposite
    assert match(np.ones((3, 3)))[1] == 0.0
    assert describe(np.array([[0, 1, 0], [0, 0, 0], [0, 0, 0]])).startswith("a mix of patterns")


@pytest.mark.slow
def test_a_few_epochs_from_random_kernels_learn_the_three_shapes():
    from crystal.learn.network import Run

    run = Run(seed=0)
    assert run.now()[0].accuracy < 0.6  # random kernels: about chance (1 in 3)
    before = run.kernels().copy()
    np.testing.assert_array_equal(before[2], np.asarray(run.model.get_layer("conv").get_weights()[0])[:, :, 0, 2])
    for _ in range(12):
        run.run_epoch()
    assert run.now()[0].accuracy >= 0.9, run.history
    assert not np.allclose(run.kernels(), before)
    look = run.look(run.test[0][0])
    assert look.maps.shape == (4, 26, 26) and look.pooled.shape == (4, 13, 13)
    np.testing.assert_allclose(look.chances, np.exp(look.scores) / np.exp(look.scores).sum(), rtol=1e-5)


@pytest.mark.slow
def test_clicks_from_two_threads_at_once_train_in_turn_and_every_moment_is_consistent():
    """Streamlit starts a visitor's next script run while the last one may still train: four 'One
    epoch' from four threads at once make four whole epochs, and what a run shows (its figures, its
    chart) is the state after exactly the steps it names, as a run trained the same way alone."""
    import threading

    from crystal.learn.network import Run

    run, alone = Run(seed=0), Run(seed=0)
    threads = [threading.Thread(target=run.run_epoch) for _ in range(4)]
    for thread in threads:
        thread.start()
    seen = [run.now() for _ in range(20)]  # read while they train
    for thread in threads:
        thread.join()
    for _ in range(4):
        alone.run_epoch()
    latest, history, _ = run.now()
    expected, expected_history, _ = alone.now()
    assert latest.steps == 4 * run.steps_per_epoch and latest.epoch == 4.0
    assert latest.accuracy == pytest.approx(expected.accuracy, abs=0.02)
    assert [p.steps for p in history] == [p.steps for p in expected_history]
    assert all(h[-1].steps <= now.steps for now, h, _ in seen)  # the chart never runs ahead of the status
    assert all(b.epoch > a.epoch for a, b in zip(history, history[1:]))
