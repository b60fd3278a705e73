"""crystal.vision.filters: the made picture excites its channel far more than photos and noise do, and
more than it excites the layer's other channels; the parts are checked against plain arithmetic.

Every activation here is measured with a plain Keras model cut at the layer (its real output, after
the ReLU), not with the climb's own machinery.
"""

import math

import keras
import numpy as np
import pytest
from PIL import Image

from crystal.model import features as crystal_features
from crystal.model.store import DEFAULT_MODEL_DIR, read_model
from crystal.vision import filters
from crystal.vision.backbone import build_vgg16, preprocess, source_by_key
from crystal.vision.images import load_rgb
from crystal.vision.layer_maps import network_input
from crystal.vision.samples import list_samples

HED = source_by_key("hed")


@pytest.fixture(scope="module")
def vgg():
    return build_vgg16("hed")


@pytest.fixture(scope="module")
def sample_pictures():
    """Every shipped sample as the network would see it at the pictures' size (128 px)."""
    return [network_input(load_rgb(sample.path), filters.SIZE) for sample in list_samples()]


def channel_means(model, inputs: np.ndarray) -> np.ndarray:
    """(pictures, channels): each channel's mean activation on each network input."""
    return np.stack([np.asarray(model.predict_on_batch(x[None]))[0].mean(axis=(0, 1)) for x in inputs])


def relative_rank(picture_means: np.ndarray, sample_means: np.ndarray, channel: int) -> float:
    """The share of the layer's other channels that the picture excites less than ``channel``, each
    channel measured in units of its own mean response to the samples (channels differ in scale).
    Channels that no sample wakes have no such unit and are left out."""
    unit = sample_means.mean(axis=0)
    awake = unit > 0
    relative = picture_means[awake] / unit[awake]
    own = picture_means[channel] / unit[channel]
    return float((relative < own).sum() / (awake.sum() - 1))


# --- the parts, against plain arithmetic --------------------------------------------------------


def test_network_input_is_the_backbones_preprocessing():
    rgb = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    ours = filters.network_input(rgb / 255.0, np.asarray(HED.mean_bgr, np.float32))
    np.testing.assert_allclose(ours, preprocess(rgb, HED), atol=1e-4)


def test_a_spectrum_of_only_its_constant_term_is_a_flat_picture():
    # Only the zero-frequency coefficient c, scaled by size², comes back from the inverse FFT as c
    # in every pixel; a quarter of it through the sigmoid is the grey level.
    spectrum = np.zeros((1, 32, 17, 2), np.float32)
    spectrum[0, 0, 0, 0] = 2.0
    picture = np.asarray(filters.picture_from_spectrum(spectrum))
    assert picture.shape == (1, 32, 32, 3)
    np.testing.assert_allclose(picture, 1 / (1 + math.exp(-0.5)), atol=1e-5)


def test_colour_pictures_start_as_faint_noise_around_mid_grey():
    spectrum = filters.initial_spectrum(np.random.default_rng(0), 64, colours=3)
    picture = np.asarray(filters.picture_from_spectrum(spectrum))[0]
    assert abs(picture.mean() - 0.5) < 0.02 and 0 < picture.std() < 0.05
    assert not np.allclose(picture[..., 0], picture[..., 2])  # three colours, not grey


def test_random_moves_turn_and_scale_about_the_centre():
    rng = np.random.default_rng(3)
    for _ in range(50):
        a0, a1, a2, b0, b1, b2, c0, c1 = filters.random_transform(rng, 128)
        assert (c0, c1) == (0, 0)
        scale = 1 / math.sqrt(a0 * b1 - a1 * b0)  # the matrix is a turn divided by the scale
        assert filters.SCALES[0] - 1e-6 <= scale <= filters.SCALES[1] + 1e-6
        centre = 127 / 2
        read_from = (a0 * centre + a1 * centre + a2, b0 * centre + b1 * centre + b2)
        assert max(abs(read_from[0] - centre), abs(read_from[1] - centre)) <= filters.JITTER * 128 + 1e-4


@pytest.mark.parametrize("layer", ["block1_conv2", "block2_pool"])
def test_the_maps_before_the_relu_give_the_layers_own_output_after_it(vgg, layer):
    x = preprocess(np.random.default_rng(1).integers(0, 256, (40, 40, 3), dtype=np.uint8), HED)[None]
    own = keras.Model(vgg.input, vgg.get_layer(layer).output).predict_on_batch(x)
    before = filters.before_relu(vgg, layer).predict_on_batch(x)
    assert (before < 0).any()
    np.testing.assert_allclose(np.maximum(before, 0), own, rtol=1e-4, atol=1e-3)


# --- the contract: determinism, progress, readable errors ----------------------------------------


def test_same_seed_same_picture_other_seed_other_picture(vgg):
    first, again, other = (filters.visualise(vgg, "block1_conv2", 5, size=48, steps=8, seed=s) for s in (0, 0, 1))
    assert first.picture.shape == (48, 48, 3) and first.picture.dtype == np.uint8
    np.testing.assert_array_equal(first.picture, again.picture)
    np.testing.assert_array_equal(first.activations, again.activations)
    assert np.abs(first.picture.astype(int) - other.picture).mean() > 2


def test_progress_is_told_after_every_step(vgg):
    told = []
    made = filters.visualise(vgg, "block1_conv1", 0, size=32, steps=3, progress=lambda *done: told.append(done))
    assert told == [(1, 3), (2, 3), (3, 3)]
    assert made.activations.shape == (3,) and (made.layer, made.channel) == ("block1_conv1", 0)


def test_grey_pictures_have_one_value_per_pixel(vgg):
    made = filters.visualise(vgg, "block1_conv2", 5, size=32, steps=3, grey=True)
    np.testing.assert_array_equal(made.picture[..., 0], made.picture[..., 1])
    np.testing.assert_array_equal(made.picture[..., 0], made.picture[..., 2])


@pytest.mark.parametrize(
    ("layer", "channel", "words"),
    [
        ("block9_conv1", 0, "no layer 'block9_conv1'; choose one of block1_conv1"),
        (None, 0, "neither a convolution nor the pooling after one"),  # the input layer, by whatever name Keras gave it
        ("block1_conv2", 64, "channels 0 to 63; there is no channel 64"),
        ("block4_pool", -1, "channels 0 to 511; there is no channel -1"),
    ],
)
def test_a_bad_layer_or_channel_is_refused_in_words(vgg, layer, channel, words):
    layer = layer or vgg.layers[0].name
    with pytest.raises(ValueError, match=words):
        filters.visualise(vgg, layer, channel, size=32, steps=1)


# --- what the picture is for: it excites its own channel, at the real settings ----------------------


@pytest.mark.slow
def test_a_block4_picture_excites_its_channel_far_more_than_every_sample_and_noise(vgg, sample_pictures):
    # The channel the shipped crystal head weighs most towards "crystal": chosen by the head, not by us.
    channel = int(np.argmax(read_model(DEFAULT_MODEL_DIR).weights.kernel))
    layer = keras.Model(vgg.input, vgg.get_layer("block4_conv3").output)
    samples = channel_means(layer, np.stack([preprocess(p, HED) for p in sample_pictures]))
    noise = np.random.default_rng(0).integers(0, 256, (filters.SIZE, filters.SIZE, 3), dtype=np.uint8)

    made = filters.visualise(vgg, "block4_conv3", channel)
    picture, noise = channel_means(layer, np.stack([preprocess(made.picture, HED), preprocess(noise, HED)]))

    assert picture[channel] >= 5 * samples[:, channel].max()
    assert picture[channel] >= 10 * noise[channel]
    assert relative_rank(picture, samples, channel) >= 0.9
    assert made.activations[-10:].mean() > 5 * made.activations[:10].mean()  # it climbed


@pytest.mark.slow
def test_a_grey_picture_on_the_crystal_backbone_excites_its_channel_as_no_grey_sample_does(sample_pictures):
    # The channel the shipped head weighs most *against* "crystal", on the crystal model's own backbone,
    # which is shown grey pictures (the samples are turned grey the same way for the comparison).
    channel = int(np.argmin(read_model(DEFAULT_MODEL_DIR).weights.kernel))
    backbone = crystal_features.shared_backbone()
    greys = [np.asarray(Image.fromarray(p).convert("L")) for p in sample_pictures]
    samples = channel_means(backbone, np.concatenate([crystal_features.network_input(g) for g in greys]))

    made = filters.visualise(backbone, "block4_conv3", channel, grey=True)
    picture = channel_means(backbone, crystal_features.network_input(made.picture[..., 0]))[0]

    assert picture[channel] >= 5 * samples[:, channel].max()
    assert relative_rank(picture, samples, channel) >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("channel", [0, 2, 11])
def test_a_block1_picture_excites_its_channel_more_than_every_sample_and_far_more_than_noise(
    vgg, sample_pictures, channel
):
    # First-block filters see 5×5 pixels: a colour filter (2, 11) answers a plain patch of its colour
    # almost as well as any pattern, so a colourful photo can come close; edges (0) cannot.
    layer = keras.Model(vgg.input, vgg.get_layer("block1_conv2").output)
    samples = channel_means(layer, np.stack([preprocess(p, HED) for p in sample_pictures]))
    noise = np.random.default_rng(0).integers(0, 256, (filters.SIZE, filters.SIZE, 3), dtype=np.uint8)

    made = filters.visualise(vgg, "block1_conv2", channel)
    picture, noise = channel_means(layer, np.stack([preprocess(made.picture, HED), preprocess(noise, HED)]))

    assert picture[channel] > 1.2 * samples[:, channel].max()
    assert picture[channel] >= 5 * noise[channel]
    # Many first-block filters answer the same edges and colours, so neighbours light up too.
    assert relative_rank(picture, samples, channel) >= 0.8
