"""crystal.model.filter_pictures and python -m crystal filters: the shipped pictures are those of the
channels the shipped head weighs most, each readable by channel, and the folder stays small."""

import io

import numpy as np
import pytest
from PIL import Image

from crystal.cli import filters as filters_cli
from crystal.model import filter_pictures
from crystal.model.store import DEFAULT_MODEL_DIR, read_model


@pytest.fixture(scope="module")
def kernel():
    return read_model(DEFAULT_MODEL_DIR).weights.kernel


def test_weighed_most_are_the_largest_weights_either_way():
    kernel = np.random.default_rng(0).normal(size=512)
    by_weight = sorted(range(512), key=lambda c: kernel[c])  # plain Python sort as the reference
    towards, against = filter_pictures.weighed_most(kernel, 24)
    assert towards == by_weight[::-1][:24]
    assert against == by_weight[:24]


def test_a_head_with_few_negative_weights_gives_only_those():
    towards, against = filter_pictures.weighed_most(np.array([0.3, 0.0, -0.2, 0.1]), 3)
    assert towards == [0, 3] and against == [2]


def test_the_shipped_folder_holds_exactly_the_pictures_of_the_heads_strongest_channels(kernel):
    towards, against = filter_pictures.weighed_most(kernel, filter_pictures.COUNT)
    shipped = {path.name for path in filter_pictures.FOLDER.glob("*.png")}
    assert shipped == {filter_pictures.file_name(c) for c in towards + against}
    assert len(shipped) == 2 * filter_pictures.COUNT
    assert sum(path.stat().st_size for path in filter_pictures.FOLDER.iterdir()) < 1.5 * 2**20
    readme = (filter_pictures.FOLDER / "README.md").read_text(encoding="utf-8")
    assert "python -m crystal filters" in readme and "not a photo from the data" in readme


def test_a_shipped_picture_is_read_by_channel_as_a_grey_png(kernel):
    strongest = int(np.argmax(kernel))
    picture = Image.open(io.BytesIO(filter_pictures.shipped_filter_picture(strongest)))
    assert picture.format == "PNG" and picture.mode == "L"
    assert picture.size == (filter_pictures.SIZE, filter_pictures.SIZE)
    assert np.asarray(picture).std() > 20  # a pattern, not a flat grey
    weakest = int(np.argmin(np.abs(kernel)))
    assert filter_pictures.shipped_filter_picture(weakest) is None


def test_the_command_writes_the_pictures_and_a_readme_and_removes_stale_ones(tmp_path, monkeypatch, kernel):
    made = []

    def fake_pictures(channels, kernel, folder):  # the pictures themselves are tested in test_filters
        for channel in channels:
            made.append(channel)
            Image.new("L", (8, 8)).save(folder / filter_pictures.file_name(channel))

    monkeypatch.setattr(filters_cli, "make_pictures", fake_pictures)
    stale = tmp_path / filter_pictures.file_name(int(np.argmin(np.abs(kernel))))  # a channel the head hardly weighs
    stale.write_bytes(b"old")
    assert filters_cli.main(["--out", str(tmp_path), "--count", "2"]) == 0
    towards, against = filter_pictures.weighed_most(kernel, 2)
    assert made == towards + against
    assert not stale.exists()
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    for channel in made:
        assert f"| {channel} | {kernel[channel]:+.3f} | `{filter_pictures.file_name(channel)}` |" in readme
    assert "python -m crystal filters --count 2" in readme


def test_the_command_refuses_a_model_that_is_not_there(tmp_path, capsys):
    assert filters_cli.main(["--out", str(tmp_path), "--model", str(tmp_path / "missing")]) == 2
    assert "error: No crystal model" in capsys.readouterr().err
