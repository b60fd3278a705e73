"""The feature-map page, run headless with AppTest: a sample, uploads, a bad file, the handoff."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from crystal.vision import render
from crystal.vision.samples import list_samples
from ui import feature_maps
from ui.image_input import HANDOFF_KEY, NamedImage

from .bad_inputs import bad_uploads
from .conftest import app_page

PAGE = "pages/2_Feature_maps.py"
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_keras_cache(tmp_path, monkeypatch):
    """Every test starts from an empty Keras cache, whatever this machine has downloaded."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))


def run_page(**session) -> AppTest:
    at = app_page(PAGE, timeout=180)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.radio(key="fm_source").set_value("Upload").run()
    at.file_uploader(key="fm_upload").upload(name, data).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def captions(at: AppTest) -> str:
    """Every caption on the page, those under images included."""
    under_images = [image.caption for element in at.get("image") for image in element.proto.imgs]
    return " ".join([caption.value for caption in at.caption] + under_images)


def test_sample_shows_weights_facts_grid_and_one_channel_and_layer_switches_reuse_the_pass():
    at = run_page()
    assert not at.error
    assert "In use: VGG16 kernels from HED" in captions(at)
    assert "~/.keras/models/" in captions(at)  # how to get the ImageNet weights (absent on this machine)
    assert metrics(at) == {
        "Output": "224×224×64",
        "Weights (parameters)": "36,928",
        "Sees a patch of": "5×5 px",
        "Step between values": "1 px",
    }
    assert len(at.get("image")) == 5  # original, 224 input, overview strip, grid, overlay
    assert at.get("plotly_chart")

    passes = feature_maps.extractor("hed").cache_info().misses
    assert passes >= 1  # the page's own extractor: st.cache_resource is shared within the process
    at.select_slider(key="fm_layer").set_value("block5_pool").run()
    assert not at.exception, at.exception
    assert metrics(at)["Output"] == "7×7×512"
    assert metrics(at)["Sees a patch of"] == "212×212 px"
    at.radio(key="fm_sort").set_value("By channel number").run()
    assert not at.exception, at.exception
    assert "channels #0, #1, #2" in captions(at)
    assert feature_maps.extractor("hed").cache_info().misses == passes  # no new forward pass


@pytest.mark.parametrize("name", ["cat.png", "camera_16bit.tif"])
def test_uploads_are_shown_with_their_maps(name):
    files = {
        "cat.png": next(s for s in list_samples("everyday") if s.path.stem == "cat").path.read_bytes(),
        "camera_16bit.tif": next(u for u in bad_uploads() if u.name == "camera_16bit.tif").data,
    }
    at = upload(run_page(), name, files[name])
    assert not at.error
    assert name in captions(at)
    assert metrics(at)["Output"] == "224×224×64"


@pytest.mark.parametrize("bad", [u for u in bad_uploads() if u.refusal], ids=lambda u: u.name)
def test_a_refused_file_gets_a_clear_error_and_nothing_else(bad):
    at = upload(run_page(), bad.name, bad.data)
    assert len(at.error) == 1 and bad.refusal in at.error[0].value and bad.name in at.error[0].value
    assert not at.metric and not at.get("plotly_chart")


def test_an_image_handed_over_by_the_crystal_check_is_shown_first():
    drop = list_samples("drop")[-1]
    at = run_page(**{HANDOFF_KEY: NamedImage("my_drop.jpg", drop.path.read_bytes())})
    choice = next(radio for radio in at.radio if radio.label == "Image")
    assert choice.value is True
    assert "From the crystal check: my_drop.jpg" in choice.options
    assert "my_drop.jpg" in captions(at)
    choice.set_value(False).run()
    assert not at.exception, at.exception
    assert "my_drop.jpg" not in captions(at)

    at.session_state[HANDOFF_KEY] = NamedImage("next_drop.jpg", list_samples("drop")[0].path.read_bytes())
    at.run()  # a new image from the crystal check is shown first again
    assert "next_drop.jpg" in captions(at)


def test_imagenet_weights_are_offered_and_named_when_cached(tmp_path):
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    from crystal.vision import backbone

    (tmp_path / "models").mkdir()
    with h5py.File(tmp_path / "models" / backbone.IMAGENET_FILE, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, backbone.build_vgg16("hed"))  # stand-in for the download
    at = run_page()
    assert "not on this computer" not in captions(at)
    at.radio(key="fm_weights").set_value("imagenet").run()
    assert not at.exception, at.exception
    assert "In use: VGG16 ImageNet weights" in captions(at)
    assert metrics(at)["Output"] == "224×224×64"


def test_the_servers_shared_layer_views_follow_the_image_they_are_keyed_by():
    """The pictures are kept server-wide by the image's digest: each digest gets its own maps' pictures."""
    rng = np.random.default_rng(0)
    first, second = rng.random((14, 14, 8), dtype=np.float32), rng.random((14, 14, 8), dtype=np.float32)
    order, means, grid, _ = feature_maps.layer_view("hed", "first", "block5_conv3", True, 8, False, first)
    assert order == [int(c) for c in np.argsort(-first.mean(axis=(0, 1)), kind="stable")]
    np.testing.assert_allclose(means, first.mean(axis=(0, 1)), rtol=1e-6)
    assert grid == render.layer_grid(first, order, False)[0]
    assert feature_maps.layer_view("hed", "first", "block5_conv3", True, 8, False, second)[2] == grid  # kept
    other = feature_maps.layer_view("hed", "second", "block5_conv3", True, 8, False, second)
    assert other[2] != grid and other[0] == [int(c) for c in np.argsort(-second.mean(axis=(0, 1)), kind="stable")]
