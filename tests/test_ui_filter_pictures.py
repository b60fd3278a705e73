"""ui.filter_pictures: a picture is made once per server (weights source, layer, channel), with progress
told, and the shipped ones come straight from the model folder. The climb itself is stood in for by a
fake here (it is tested in test_filters); what is checked is who makes what, and when."""

import io
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from crystal.model import filter_pictures as shipped
from ui import filter_pictures


@pytest.fixture
def fake_climb(monkeypatch):
    """Replaces VGG16 and the climb: each made picture is flat, its grey level the channel number."""
    made, told = [], []

    def visualise(backbone, layer, channel, *, source, progress):
        made.append((backbone, layer, channel, source))
        for done in range(1, 4):
            progress(done, 3)
            told.append((channel, done))
        return SimpleNamespace(picture=np.full((4, 4, 3), channel, np.uint8))

    monkeypatch.setattr(filter_pictures, "extractor", lambda key: SimpleNamespace(vgg16=f"vgg16 {key}", source=key))
    monkeypatch.setattr(filter_pictures.filters, "visualise", visualise)
    filter_pictures.memory().clear()
    yield made, told
    filter_pictures.memory().clear()


def grey_level(png: bytes) -> int:
    return int(np.asarray(Image.open(io.BytesIO(png)))[0, 0, 0])


def test_a_picture_is_made_once_per_server_and_source(fake_climb):
    made, told = fake_climb
    assert not filter_pictures.already_made("hed", "block4_conv3", 7)
    first = filter_pictures.picture_of("hed", "block4_conv3", 7)
    assert filter_pictures.already_made("hed", "block4_conv3", 7)
    assert not filter_pictures.already_made("imagenet", "block4_conv3", 7)
    again = filter_pictures.picture_of("hed", "block4_conv3", 7)
    other_source = filter_pictures.picture_of("imagenet", "block4_conv3", 7)
    assert first == again and grey_level(first) == 7 and grey_level(other_source) == 7
    assert made == [("vgg16 hed", "block4_conv3", 7, "hed"), ("vgg16 imagenet", "block4_conv3", 7, "imagenet")]
    assert told == [(7, 1), (7, 2), (7, 3)] * 2


def test_a_row_makes_only_the_missing_pictures_in_order(fake_climb):
    made, _ = fake_climb
    filter_pictures.picture_of("hed", "block1_conv2", 5)
    row = filter_pictures.pictures_of("hed", "block1_conv2", [3, 5, 9])
    assert [grey_level(png) for png in row] == [3, 5, 9]
    assert [channel for _, _, channel, _ in made] == [5, 3, 9]


def test_the_bar_runs_over_all_pictures_of_a_row():
    drawn = []

    class Status:
        def progress(self, value, text):
            drawn.append(round(value, 3))
            return self

    for before in range(2):
        progress = filter_pictures._progress_bar(Status(), "block4_conv3", before, 2)
        progress(1, 2)
        progress(2, 2)
    assert drawn == [0.0, 0.25, 0.5, 0.5, 0.75, 1.0]


def test_shipped_pictures_come_from_the_model_folder():
    channel = int(next(shipped.FOLDER.glob("*.png")).stem.rsplit("_", 1)[1])
    assert filter_pictures.shipped_picture(channel) == (shipped.FOLDER / shipped.file_name(channel)).read_bytes()
    names = {p.name for p in shipped.FOLDER.glob("*.png")}
    unshipped = next(c for c in range(512) if shipped.file_name(c) not in names)
    assert filter_pictures.shipped_picture(unshipped) is None


def test_the_captions_say_it_is_made_not_photographed():
    for caption in (filter_pictures.CAPTION, filter_pictures.SHIPPED_CAPTION):
        assert "made by the computer" in caption and "not a photo from the data" in caption
