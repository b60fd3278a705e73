"""crystal.vision.layer_maps: one pass gives every layer, matches TensorFlow's own ops, and facts match Keras."""

import h5py
import numpy as np
import pytest
import tensorflow as tf

from crystal.vision import backbone
from crystal.vision import layer_maps as features
from crystal.vision.images import load_rgb
from crystal.vision.samples import list_samples

# (output side, channels, receptive field) for a 224 input, worked out by hand from VGG16's paper:
# 3x3 convs add 2 jumps to the field, 2x2 pools add 1 jump and double it.
EXPECTED = {
    "block1_conv1": (224, 64, 3),
    "block1_conv2": (224, 64, 5),
    "block1_pool": (112, 64, 6),
    "block2_conv1": (112, 128, 10),
    "block2_conv2": (112, 128, 14),
    "block2_pool": (56, 128, 16),
    "block3_conv1": (56, 256, 24),
    "block3_conv2": (56, 256, 32),
    "block3_conv3": (56, 256, 40),
    "block3_pool": (28, 256, 44),
    "block4_conv1": (28, 512, 60),
    "block4_conv2": (28, 512, 76),
    "block4_conv3": (28, 512, 92),
    "block4_pool": (14, 512, 100),
    "block5_conv1": (14, 512, 132),
    "block5_conv2": (14, 512, 164),
    "block5_conv3": (14, 512, 196),
    "block5_pool": (7, 512, 212),
}
HED_MEAN_BGR = np.array([104.00699, 116.66877, 122.67892], np.float32)  # HED's Caffe prototxt


@pytest.fixture(scope="module")
def extractor():
    return features.FeatureExtractor("hed")


@pytest.fixture(scope="module")
def cat():
    sample = next(s for s in list_samples("everyday") if s.path.stem == "cat")
    return load_rgb(sample.path)


@pytest.fixture(scope="module")
def cat_maps(extractor, cat):
    return extractor.maps(cat)


def test_one_pass_gives_all_eighteen_layers_in_order_with_their_shapes(cat_maps):
    assert list(cat_maps) == list(EXPECTED)
    for name, (side, channels, _) in EXPECTED.items():
        assert cat_maps[name].shape == (side, side, channels), name
        assert cat_maps[name].dtype == np.float32
        assert cat_maps[name].min() >= 0.0  # after ReLU or a max of ReLUs


def test_block1_conv1_equals_tf_conv2d_with_the_files_kernel(cat, cat_maps):
    with h5py.File(backbone.hed_weights_path(), "r") as file:
        kernel, bias = file["block1/layers/conv2d/vars/0"][()], file["block1/layers/conv2d/vars/1"][()]
    x = features.network_input(cat).astype(np.float32)[..., ::-1] - HED_MEAN_BGR
    expected = tf.nn.relu(tf.nn.conv2d(x[None], kernel, strides=1, padding="SAME") + bias)[0].numpy()
    np.testing.assert_allclose(cat_maps["block1_conv1"], expected, rtol=1e-4, atol=1e-3)


def test_pool_layers_are_tf_max_pool_of_the_conv_before(cat_maps):
    for block, last_conv in ((1, "block1_conv2"), (5, "block5_conv3")):
        expected = tf.nn.max_pool2d(cat_maps[last_conv][None], ksize=2, strides=2, padding="VALID")[0].numpy()
        np.testing.assert_array_equal(cat_maps[f"block{block}_pool"], expected)
        assert features.filters_of(f"block{block}_pool") == last_conv  # whose filters a pool's channels show


def test_every_conv_layer_is_its_own_filters_and_every_pool_names_the_last_conv_of_its_block():
    import keras

    vgg16 = keras.applications.VGG16(include_top=False, weights=None)  # Keras' own order of the layers
    names = [layer.name for layer in vgg16.layers[1:]]
    for layer in features.LAYERS:
        expected = layer if "conv" in layer else names[names.index(layer) - 1]
        assert features.filters_of(layer) == expected and "conv" in expected
    with pytest.raises(ValueError, match="no layer 'x'"):
        features.filters_of("x")


def test_where_a_map_responds_in_words():
    spot = np.zeros((14, 14), np.float32)
    spot[12, 1] = 5.0  # one bright cell near the bottom left corner: 1 of 196
    spot[6:8, 6:8] = 2.4  # a weaker patch in the middle: under half the peak
    assert (
        features.where_it_responds(spot)
        == "strongest at the bottom left; at half that or more on under 1 % of the picture"
    )
    spot[6:8, 6:8] = 9.0  # now the middle is strongest; the patch and the corner cell, 5 of 196, reach half
    assert features.where_it_responds(spot) == "strongest at the centre; at half that or more on 3 % of the picture"
    wide = np.ones((7, 7), np.float32)
    wide[0, 3] = 1.5  # everything is at least half the peak
    assert features.where_it_responds(wide) == "strongest at the top; at half that or more on 100 % of the picture"
    assert features.where_it_responds(np.zeros((7, 7))) == "no response anywhere"
    assert features.where_it_responds(np.full((7, 7), np.nan)) == "no response anywhere"


def test_same_image_twice_runs_the_network_once(extractor, cat, cat_maps):
    before = extractor.cache_info()
    again = extractor.maps(cat.copy())  # equal pixels, different array object
    assert again is cat_maps
    after = extractor.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
    assert not again["block3_conv1"].flags.writeable  # shared between callers, so frozen


def test_a_different_image_is_a_new_pass_and_the_cache_stays_bounded(cat):
    small = features.FeatureExtractor("hed", cache_size=1)
    first = small.maps(cat)
    small.maps(cat[::-1])  # upside down: different pixels
    assert small.cache_info().misses == 2
    assert small.cache_info().currsize == 1
    assert small.maps(cat) is not first  # evicted, so computed again
    assert small.cache_info().misses == 3


def test_layer_facts_match_the_hand_worked_table_and_keras_param_counts():
    import keras

    vgg = keras.applications.VGG16(include_top=False, weights=None, input_shape=(224, 224, 3))
    for name, (side, channels, field) in EXPECTED.items():
        facts = features.layer_facts(name)
        layer = vgg.get_layer(name)
        assert facts.output_shape == (side, side, channels) == tuple(layer.output.shape[1:]), name
        assert facts.params == layer.count_params(), name
        assert facts.receptive_field == field, name
        assert facts.kind == ("max pooling" if name.endswith("pool") else "convolution")
        assert facts.note
    assert features.layer_facts("block5_pool").jump == 32
    assert [n for n in features.LAYERS if "conv" in n] == list(backbone.CONV_LAYERS)


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(ValueError, match="no layer 'fc1'"):
        features.layer_facts("fc1")


def test_network_input_centre_crops_wide_and_tall_images():
    wide = np.zeros((300, 600, 3), np.uint8)
    wide[:, :150] = (255, 0, 0)
    wide[:, 150:450] = (0, 255, 0)
    wide[:, 450:] = (0, 0, 255)
    seen = features.network_input(wide)
    assert seen.shape == (224, 224, 3) and seen.dtype == np.uint8
    np.testing.assert_array_equal(seen, np.broadcast_to(np.array([0, 255, 0], np.uint8), (224, 224, 3)))

    tall = np.zeros((500, 100, 3), np.uint8)
    tall[200:300] = 200  # the middle square is all grey, the rest black
    np.testing.assert_array_equal(features.network_input(tall), np.full((224, 224, 3), 200, np.uint8))

    exact = np.random.default_rng(0).integers(0, 256, (224, 224, 3), dtype=np.uint8)
    np.testing.assert_array_equal(features.network_input(exact), exact)


def test_network_input_rejects_anything_but_rgb_uint8():
    with pytest.raises(ValueError, match="RGB uint8"):
        features.network_input(np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError, match="RGB uint8"):
        features.network_input(np.zeros((32, 32, 3), np.float32))


def test_strongest_channels_orders_by_mean_with_ties_by_index():
    maps = np.zeros((4, 4, 5), np.float32)
    maps[..., 3] = 2.0
    maps[0, 0, 1] = 16.0  # mean 1.0
    maps[..., 4] = 1.0  # mean 1.0 too: index 1 comes first
    assert features.strongest_channels(maps).tolist() == [3, 1, 4, 0, 2]
