"""The tiny CNN and its training, one step or one epoch at a time, from random kernels.

The network is the playground's pipeline at its smallest: one convolution of :data:`FILTERS` 3x3
kernels with ReLU, 2x2 max pooling, flatten, one dense layer and softmax (about 2,000 weights). Its
kernels start as random numbers (seeded), and Keras' Adam optimiser moves them a little at every
training step: after a few epochs they have become detectors of the strokes that tell an X, an O
and a line apart. Everything is small enough that a step takes milliseconds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from crystal.learn.data import CLASSES, SIDE, make_examples, split

FILTERS = 4
BATCH = 32
PER_CLASS = 200
HELD_OUT = 0.2
LEARNING_RATE = 0.01
MAX_EPOCHS = 30
"""A run stops here: a visitor cannot keep the server training for ever."""
CHART_STEPS = 5
"""The chart gets a point every this many steps (three an epoch), and one at each epoch's end."""


def build(seed: int):
    """Conv(4 x 3x3, ReLU) -> 2x2 max pooling -> flatten -> dense(3) -> softmax, seeded, compiled."""
    import keras

    keras.utils.set_random_seed(seed)
    picture = keras.Input((SIDE, SIDE, 1), name="picture")
    maps = keras.layers.Conv2D(FILTERS, 3, activation="relu", name="conv")(picture)
    pooled = keras.layers.MaxPooling2D(2, name="pool")(maps)
    scores = keras.layers.Dense(len(CLASSES), name="dense")(keras.layers.Flatten(name="flatten")(pooled))
    chances = keras.layers.Softmax(name="softmax")(scores)
    model = keras.Model(picture, chances, name="tiny_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


@dataclass(frozen=True)
class Point:
    """The network's figures after ``steps`` training steps: what a status line or a chart shows."""

    steps: int
    epoch: float
    loss: float  # on the training pictures
    accuracy: float  # on the held-out pictures


@dataclass
class Run:
    """One training run: the network, its made examples (some held out), and what happened so far.

    A page may ask one run for a step from two threads at once: Streamlit starts a visitor's new
    script run as soon as they click, while the run before it may still be training. So every
    method that reads or changes the network holds the run's lock, and what a page shows comes from
    one :meth:`now`: the figures after exactly the steps it names, never another moment's.
    """

    seed: int
    model: object = field(init=False, repr=False)
    _layers: object = field(init=False, repr=False)  # the model answering with every step's output
    train: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)
    test: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)
    steps: int = 0
    _epochs: Fraction = field(default=Fraction(0), init=False, repr=False)  # steps / steps per epoch, summed
    history: list[Point] = field(default_factory=list)  # every CHART_STEPS steps and at each epoch's end
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _between: Point | None = field(default=None, init=False, repr=False)  # figures between chart points, made once

    def __post_init__(self):
        pictures, labels = make_examples(PER_CLASS, self.seed)
        self.train, self.test = split(pictures[..., None], labels, HELD_OUT, self.seed)
        self.model = build(self.seed)
        self._layers = _layer_outputs(self.model)
        self._start = self._evaluate()  # the untrained network: the status before the first step

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.train[1]) // BATCH)

    @property
    def epoch(self) -> float:
        """Steps / steps per epoch, added up step by step (an epoch grows when drawings are added)."""
        return float(self._epochs)

    @property
    def finished(self) -> bool:
        return self._epochs >= MAX_EPOCHS

    def add(self, pictures: np.ndarray, label: int) -> None:
        """The learner's own drawings (28x28, 1 is ink) joined to the training examples of class ``label``."""
        pictures = np.asarray(pictures, np.float32).reshape(-1, SIDE, SIDE, 1)
        with self._lock:
            self.train = (
                np.concatenate([self.train[0], pictures]),
                np.concatenate([self.train[1], np.full(len(pictures), label)]),
            )
            self._between = None  # its loss was on the examples without these

    def step(self) -> None:
        """One training step: one batch, one small move of every weight (the batches go round in a seeded order)."""
        with self._lock:
            if self.finished:
                return
            per_epoch = self.steps_per_epoch
            start = (self.steps % per_epoch) * BATCH
            order = np.random.default_rng(self.seed + self.steps // per_epoch).permutation(len(self.train[1]))
            batch = order[start : start + BATCH]
            self.model.train_on_batch(self.train[0][batch], self.train[1][batch])
            self.steps += 1
            self._epochs += Fraction(1, per_epoch)
            if self.steps % per_epoch == 0 or self.steps % CHART_STEPS == 0:
                self.history.append(self._evaluate())

    def run_epoch(self) -> None:
        """Steps up to the end of the current epoch."""
        with self._lock:
            for _ in range(self.steps_per_epoch - self.steps % self.steps_per_epoch):
                self.step()

    def now(self) -> tuple[Point, list[Point], np.ndarray]:
        """The figures after the steps made so far, the chart's points up to them (from the
        untrained network to this moment), and the kernels: one consistent moment of the run."""
        with self._lock:
            points = [self._start, *self.history]
            if points[-1].steps != self.steps:
                if self._between is None or self._between.steps != self.steps:
                    self._between = self._evaluate()
                points.append(self._between)
            return points[-1], points, self.kernels()

    def _evaluate(self) -> Point:
        """Loss on the training examples and accuracy on the held-out ones, now."""
        loss = float(self.model.evaluate(*self.train, verbose=0, batch_size=256)[0])
        accuracy = float(self.model.evaluate(*self.test, verbose=0, batch_size=256)[1])
        return Point(self.steps, self.epoch, loss, accuracy)

    def kernels(self) -> np.ndarray:
        """(FILTERS, 3, 3): the convolution's kernels as they are now."""
        with self._lock:
            return np.moveaxis(np.asarray(self.model.get_layer("conv").get_weights()[0])[:, :, 0, :], -1, 0)

    def look(self, picture: np.ndarray) -> Look:
        """Everything the network computes for one picture, layer by layer."""
        with self._lock:
            outputs = self._layers(np.asarray(picture, np.float32).reshape(1, SIDE, SIDE, 1))
        maps, pooled, scores, chances = (np.asarray(a)[0] for a in outputs)
        return Look(np.moveaxis(maps, -1, 0), np.moveaxis(pooled, -1, 0), scores, chances)


def _layer_outputs(model):
    """The same network (its layers and weights shared, so it follows the training) answering
    with every step's output: the convolution's maps, the pooled maps, the scores and the chances."""
    import keras

    return keras.Model(model.input, [model.get_layer(name).output for name in ("conv", "pool", "dense", "softmax")])


@dataclass(frozen=True)
class Look:
    maps: np.ndarray  # (FILTERS, 26, 26) after ReLU
    pooled: np.ndarray  # (FILTERS, 13, 13)
    scores: np.ndarray  # (classes,) the dense layer's scores
    chances: np.ndarray  # (classes,) softmax of the scores
