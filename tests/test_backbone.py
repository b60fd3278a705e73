"""crystal.vision.backbone: the HED file's kernels land in the right VGG16 layers, and sources are honest."""

import h5py
import numpy as np
import pytest

from crystal.vision import backbone

# Written out by hand from the HED file's layout, independently of the mapping code under test.
EXPECTED_KEYS = {
    "block1_conv1": "block1/layers/conv2d",
    "block1_conv2": "block1/layers/conv2d_1",
    "block2_conv1": "block2/layers/conv2d",
    "block2_conv2": "block2/layers/conv2d_1",
    "block3_conv1": "block3/layers/conv2d",
    "block3_conv2": "block3/layers/conv2d_1",
    "block3_conv3": "block3/layers/conv2d_2",
    "block4_conv1": "block4/layers/conv2d",
    "block4_conv2": "block4/layers/conv2d_1",
    "block4_conv3": "block4/layers/conv2d_2",
    "block5_conv1": "block5/layers/conv2d",
    "block5_conv2": "block5/layers/conv2d_1",
    "block5_conv3": "block5/layers/conv2d_2",
}


@pytest.fixture(scope="module")
def hed_model():
    return backbone.build_vgg16("hed")


def test_every_conv_layer_holds_the_files_arrays(hed_model):
    with h5py.File(backbone.hed_weights_path(), "r") as file:
        for layer, key in EXPECTED_KEYS.items():
            kernel, bias = hed_model.get_layer(layer).get_weights()
            np.testing.assert_array_equal(kernel, file[key + "/vars/0"][()])
            np.testing.assert_array_equal(bias, file[key + "/vars/1"][()])


def test_model_is_keras_vgg16_without_head(hed_model):
    conv_layers = [layer.name for layer in hed_model.layers if "conv" in layer.name]
    assert conv_layers == list(EXPECTED_KEYS)
    assert hed_model.count_params() == 14_714_688  # VGG16's published conv-base size
    out = hed_model.predict(np.zeros((1, 64, 96, 3), np.float32), verbose=0)
    assert out.shape == (1, 2, 3, 512)


def test_preprocess_is_bgr_minus_the_sources_mean():
    source = backbone.source_by_key("hed")
    rgb = np.array([[[10, 20, 30]]], dtype=np.uint8)
    expected = np.array([[[30 - 104.00699, 20 - 116.66877, 10 - 122.67892]]], dtype=np.float32)
    np.testing.assert_allclose(backbone.preprocess(rgb, source), expected, rtol=1e-6)


def test_imagenet_is_offered_only_when_its_file_is_cached(tmp_path, monkeypatch, hed_model):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert [s.key for s in backbone.available_sources()] == ["hed"]
    with pytest.raises(ValueError, match="not available"):
        backbone.source_by_key("imagenet")

    from keras.src.legacy.saving import legacy_h5_format

    (tmp_path / "models").mkdir()
    with h5py.File(tmp_path / "models" / backbone.IMAGENET_FILE, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, hed_model)  # stand-in for the real download
    assert [s.key for s in backbone.available_sources()] == ["hed", "imagenet"]
    loaded = backbone.build_vgg16("imagenet")
    np.testing.assert_array_equal(
        loaded.get_layer("block3_conv2").get_weights()[0], hed_model.get_layer("block3_conv2").get_weights()[0]
    )
