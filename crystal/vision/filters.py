"""What a filter looks for: a picture made to excite one channel of VGG16 as strongly as it can.

The feature maps show *where* a channel responds in one photo; this answers *what* it responds to.
The method is feature visualisation (Erhan, Bengio, Courville and Vincent, "Visualizing Higher-Layer
Features of a Deep Network", 2009; Olah, Mordvintsev and Schubert, "Feature Visualization",
Distill 2017): start from faint noise and change the picture, by gradient ascent, towards a higher
mean activation of the channel. Climbing on raw pixels finds speckle that excites the filter but
that no eye can read, so the picture is kept natural the ways the Distill article does:

- it is stored as a spectrum whose high frequencies are scaled down (a Fourier parametrisation),
  so every step changes broad shapes as readily as fine detail;
- its colours are mixed from the three decorrelated components of natural photos' colours, so a
  step changes lightness and hue the way photos vary, not red, green and blue each on its own;
- at each step the network sees it shifted, slightly scaled and slightly turned at random, so only
  patterns that excite the filter wherever they sit, and at about any size and angle, survive.

The gradients come from the Keras model itself, through ``tf.GradientTape``. Every random choice
comes from one generator seeded by ``seed``, so a seed always gives the same picture on the same
machine.

>>> freqs = frequencies(4)
>>> freqs.shape, float(freqs[0, 0]), float(freqs[0, 2]), float(freqs[2, 2])
((4, 3), 0.0, 0.5, 0.7071067811865476)
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from crystal.memory import Recent
from crystal.vision.backbone import WeightsSource, source_by_key

SIZE = 128
STEPS = 80
LEARNING_RATE = 0.1
LEAK = 0.05
"""Slope the climb follows below zero, where the ReLU passes no gradient back: from faint noise
many channels are zero everywhere, and without it their climb could never start."""
JITTER = 1 / 16  # largest random shift, as a fraction of the picture's side
SCALES = (0.92, 1.08)  # range of the random scale at each step
DEGREES = 10.0  # largest random turn at each step
COLOUR_SQRT = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], np.float32)
"""Square root of the colour correlation of natural photos (rows red, green, blue), as published
with the Distill article (Lucid): its columns are the three decorrelated colour components."""


@dataclass(frozen=True)
class FilterPicture:
    """A picture made to excite one channel, and how that channel's response grew while it was made."""

    layer: str
    channel: int
    picture: np.ndarray  # (size, size, 3) uint8 RGB
    activations: np.ndarray  # (steps,) float32: the channel's mean activation at each step, as it climbed
    seed: int


def visualise(
    backbone,
    layer: str,
    channel: int,
    *,
    size: int = SIZE,
    steps: int = STEPS,
    seed: int = 0,
    grey: bool = False,
    progress: Callable[[int, int], None] | None = None,
    source: WeightsSource | str = "hed",
) -> FilterPicture:
    """The picture that makes ``channel`` of ``layer`` respond most, found by ``steps`` of gradient ascent.

    ``backbone`` is a Keras model with a convolution or pooling layer of that name: VGG16 from
    :func:`crystal.vision.backbone.build_vgg16`, or the crystal model's backbone; ``source`` gives the
    colour means its input is measured against. With ``grey`` the picture has one grey value per
    pixel, repeated in all three channels: what the crystal model's backbone is shown. ``progress``,
    if given, is called as ``progress(done, steps)`` after every step, so a page can draw a bar.
    """
    if steps < 1 or size < 32:
        raise ValueError(f"A filter picture needs at least 1 step and 32 pixels, not {steps} steps of {size} px.")
    climb = _climber(backbone, layer)
    if not 0 <= channel < climb.channels:
        raise ValueError(f"{layer} has channels 0 to {climb.channels - 1}; there is no channel {channel}.")
    mean_bgr = (source_by_key(source) if isinstance(source, str) else source).mean_bgr
    rng = np.random.default_rng(seed)
    spectrum = initial_spectrum(rng, size, colours=1 if grey else 3)
    adam = Adam(spectrum.shape, LEARNING_RATE)
    activations = np.zeros(steps, np.float32)
    for step in range(steps):
        activations[step], gradient = climb(spectrum, random_transform(rng, size), channel, mean_bgr)
        spectrum = adam.ascend(spectrum, gradient)
        if progress is not None:
            progress(step + 1, steps)
    picture = np.asarray(picture_from_spectrum(spectrum))[0]
    return FilterPicture(layer, int(channel), np.round(picture * 255).astype(np.uint8), activations, seed)


def initial_spectrum(rng: np.random.Generator, size: int, colours: int) -> np.ndarray:
    """Faint random noise, as the (colours, size, size // 2 + 1, 2) real and imaginary parts of a spectrum."""
    return rng.normal(0.0, 0.01, (colours, size, size // 2 + 1, 2)).astype(np.float32)


def picture_from_spectrum(spectrum):
    """The (1, size, size, 3) picture in [0, 1] that a spectrum stands for, as a TensorFlow tensor.

    Each coefficient is scaled by 1 / frequency, so that equal changes to every coefficient give
    the 1/f spectrum of natural photos; the result is turned back into pixels, mixed from the
    decorrelated colour components (or one grey component, repeated), and squashed into [0, 1].
    """
    import tensorflow as tf

    size = int(spectrum.shape[1])
    scale = (size / np.maximum(frequencies(size), 1.0 / size)).astype(np.float32)
    spectrum = tf.convert_to_tensor(spectrum)
    coefficients = tf.complex(spectrum[..., 0] * scale, spectrum[..., 1] * scale)
    components = tf.transpose(tf.signal.irfft2d(coefficients, fft_length=(size, size)), (1, 2, 0)) / 4.0
    if components.shape[-1] == 1:
        return tf.sigmoid(tf.tile(components, (1, 1, 3)))[None]
    mixing = COLOUR_SQRT / np.linalg.norm(COLOUR_SQRT, axis=0).max()
    return tf.sigmoid(tf.tensordot(components, mixing.T, axes=1))[None]


def frequencies(size: int) -> np.ndarray:
    """How fast each coefficient of the real 2-D spectrum of a ``size`` square waves, in cycles per pixel."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    return np.sqrt(fx * fx + fy * fy)


def random_transform(rng: np.random.Generator, size: int) -> np.ndarray:
    """One random shift, scale and turn about the centre, as the 8 numbers of a projective transform.

    The numbers say where each pixel of the result is read from in the picture (the convention of
    Keras' ``affine_transform``), so the shift and turn are undone rather than applied; drawn at
    random from ranges symmetric about zero, that is the same thing.
    """
    dx, dy = rng.uniform(-JITTER, JITTER, 2) * size
    zoom = rng.uniform(*SCALES)
    angle = math.radians(rng.uniform(-DEGREES, DEGREES))
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    centre = (size - 1) / 2
    x0 = centre - cos * centre + sin * centre + dx
    y0 = centre - sin * centre - cos * centre + dy
    return np.array([cos, -sin, x0, sin, cos, y0, 0.0, 0.0], np.float32)


def network_input(rgb, mean_bgr):
    """A picture in [0, 1] (an array or tensor) -> VGG16's input: :func:`crystal.vision.backbone.preprocess` of it
    in 0-255, written in tensor operations so that gradients flow through it."""
    return rgb[..., ::-1] * 255.0 - mean_bgr


class Adam:
    """Adam's update (Kingma and Ba, 2015), in NumPy, for one array climbed uphill.

    Adam scales each coefficient's step by the size of its recent gradients, so the climb keeps
    the same pace whatever the layer's scale of activations.
    """

    def __init__(self, shape: tuple[int, ...], rate: float, beta1: float = 0.9, beta2: float = 0.999):
        self.rate, self.beta1, self.beta2, self.steps = rate, beta1, beta2, 0
        self.mean, self.square = np.zeros(shape, np.float32), np.zeros(shape, np.float32)

    def ascend(self, value: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        self.steps += 1
        self.mean = self.beta1 * self.mean + (1 - self.beta1) * gradient
        self.square = self.beta2 * self.square + (1 - self.beta2) * gradient * gradient
        mean = self.mean / (1 - self.beta1**self.steps)
        square = self.square / (1 - self.beta2**self.steps)
        return (value + self.rate * mean / (np.sqrt(square) + 1e-8)).astype(np.float32)


class _Climber:
    """The backbone cut at one layer (before its ReLU), and one compiled step of the climb."""

    def __init__(self, backbone, layer: str):
        import keras
        import tensorflow as tf

        model = before_relu(backbone, layer)
        self.backbone, self.channels = backbone, int(model.output.shape[-1])

        @tf.function
        def step(spectrum, transform, channel, mean_bgr):
            """The channel's mean activation on the moved picture, and the gradient of the climb's goal."""
            with tf.GradientTape() as tape:
                tape.watch(spectrum)
                seen = keras.ops.image.affine_transform(picture_from_spectrum(spectrum), transform, fill_mode="reflect")
                maps = tf.gather(model(network_input(seen, mean_bgr), training=False), channel, axis=-1)
                goal = tf.reduce_mean(tf.nn.leaky_relu(maps, LEAK))
            return tf.reduce_mean(tf.nn.relu(maps)), tape.gradient(goal, spectrum)

        self._step = step

    def __call__(self, spectrum, transform, channel: int, mean_bgr) -> tuple[float, np.ndarray]:
        activation, gradient = self._step(spectrum, transform, np.int32(channel), np.float32(mean_bgr))
        return float(activation), gradient.numpy()


def before_relu(backbone, layer: str):
    """A Keras model from the backbone's input to ``layer``'s maps as they are before the ReLU.

    The climb needs the values the ReLU cuts at zero (see :data:`LEAK`). A pooling layer gives its
    convolution's maps before the ReLU, pooled: taking the largest value and cutting at zero give
    the same result in either order.
    """
    import keras

    try:
        target = backbone.get_layer(layer)
    except ValueError:
        names = [x.name for x in backbone.layers if isinstance(x, (keras.layers.Conv2D, keras.layers.MaxPooling2D))]
        raise ValueError(f"The network has no layer {layer!r}; choose one of {', '.join(names)}.") from None
    pooling = target if isinstance(target, keras.layers.MaxPooling2D) else None
    if pooling is not None:
        target = next((x for x in backbone.layers if x.output is pooling.input), None)
    if not isinstance(target, keras.layers.Conv2D):
        raise ValueError(f"{layer} is neither a convolution nor the pooling after one: it has no filters to show.")
    linear = keras.layers.Conv2D.from_config({**target.get_config(), "activation": "linear", "name": f"{layer}_linear"})
    maps = linear(target.input)
    linear.set_weights(target.get_weights())
    return keras.Model(backbone.input, pooling(maps) if pooling is not None else maps, name=f"{layer}_before_relu")


_climbers: Recent[_Climber] = Recent(8)
_building = threading.Lock()


def _climber(backbone, layer: str) -> _Climber:
    """The climber for this backbone and layer, built once: every channel of a layer shares it."""
    with _building:
        kept = _climbers.get((id(backbone), layer))
        if kept is None or kept.backbone is not backbone:  # a later model can reuse a freed one's id
            kept = _Climber(backbone, layer)
            _climbers.put((id(backbone), layer), kept)
        return kept
