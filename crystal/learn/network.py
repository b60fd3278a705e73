"""The tiny CNN and its training, one step or one epoch at a time, from random kernels.

The network is the playground's pipeline at its smallest: one convolution of :data:`FILTERS` 3x3
kernels with ReLU, 2x2 max pooling, flatten, one dense layer and softmax (about 2,000 weights). Its
kernels start as random numbers (seeded), and Keras' Adam optimiser moves them a little at every
training step: after a few epochs they have become detectors of the strokes that tell an X, an O
and a line apart. Everything is small enough that a step takes milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crystal.learn.data import CLASSES, SIDE, make_examples, split

FILTERS = 4
BATCH = 32
PER_CLASS = 200
HELD_OUT = 0.2
LEARNING_RATE = 0.01
MAX_EPOCHS = 30
"""A run stops here: a visitor cannot keep the server training for ever."""


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


@dataclass
class Run:
    """One training run: the network, its made examples (some held out), and what happened so far."""

    seed: int
    model: object = field(init=False, repr=False)
    _layers: object = field(init=False, repr=False)  # the model answering with every step's output
    train: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)
    test: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False)
    steps: int = 0
    history: list[dict] = field(default_factory=list)  # per epoch: epoch, loss, held-out accuracy

    def __post_init__(self):
        pictures, labels = make_examples(PER_CLASS, self.seed)
        self.train, self.test = split(pictures[..., None], labels, HELD_OUT, self.seed)
        self.model = build(self.seed)
        self._layers = _layer_outputs(self.model)
        self.history.append({"epoch": 0, **self.evaluate()})

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.train[1]) // BATCH)

    @property
    def epoch(self) -> float:
        return self.steps / self.steps_per_epoch

    @property
    def finished(self) -> bool:
        return self.epoch >= MAX_EPOCHS

    def add(self, pictures: np.ndarray, label: int) -> None:
        """The learner's own drawings (28x28, 1 is ink) joined to the training examples of class ``label``."""
        pictures = np.asarray(pictures, np.float32).reshape(-1, SIDE, SIDE, 1)
        self.train = (
            np.concatenate([self.train[0], pictures]),
            np.concatenate([self.train[1], np.full(len(pictures), label)]),
        )

    def step(self) -> None:
        """One training step: one batch, one small move of every weight (the batches go round in a seeded order)."""
        if self.finished:
            return
        start = (self.steps % self.steps_per_epoch) * BATCH
        order = np.random.default_rng(self.seed + self.steps // self.steps_per_epoch).permutation(len(self.train[1]))
        batch = order[start : start + BATCH]
        self.model.train_on_batch(self.train[0][batch], self.train[1][batch])
        self.steps += 1
        if self.steps % self.steps_per_epoch == 0:
            self.history.append({"epoch": self.steps // self.steps_per_epoch, **self.evaluate()})

    def run_epoch(self) -> None:
        """Steps up to the end of the current epoch."""
        for _ in range(self.steps_per_epoch - self.steps % self.steps_per_epoch):
            self.step()

    def evaluate(self) -> dict:
        """Loss on the training examples and accuracy on the held-out ones."""
        loss = float(self.model.evaluate(*self.train, verbose=0, batch_size=256)[0])
        accuracy = float(self.model.evaluate(*self.test, verbose=0, batch_size=256)[1])
        return {"loss": loss, "held-out accuracy": accuracy}

    def kernels(self) -> np.ndarray:
        """(FILTERS, 3, 3): the convolution's kernels as they are now."""
        return np.moveaxis(np.asarray(self.model.get_layer("conv").get_weights()[0])[:, :, 0, :], -1, 0)

    def look(self, picture: np.ndarray) -> Look:
        """Everything the network computes for one picture, layer by layer."""
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
