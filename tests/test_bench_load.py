"""The load benchmark's protocol client against a real ``streamlit run app.py`` on loopback: it opens
pages, changes widgets inside fragments, uploads a photo, and reads back what a browser would show;
and it sends nothing to any other machine."""

import subprocess
import sys

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.app_server import serve
from bench.streamlit_client import Run, StreamlitClient
from bench.students import CrystalStudent, FeatureMapStudent, PhotoBox, PlaygroundStudent
from crystal.vision.images import photo_id
from crystal.vision.samples import labelled_drops
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def server_url():
    with serve() as server:
        yield server.url


def visit(url: str, steps):
    """Run ``steps(client)`` in one new session, and close it."""
    client = StreamlitClient.connect(url, timeout=300)
    try:
        return steps(client)
    finally:
        client.close()


class Fixed:
    """A stand-in for a student's random generator that always picks the first choice."""

    @staticmethod
    def choice(options):
        return options[0]


def test_a_padding_change_reruns_only_the_steps_and_brings_the_new_output_grid(server_url):
    student = PlaygroundStudent(Fixed())

    def steps(client):
        opened = client.open(student.page)
        changed = client.set(*student.next_change())  # the padding, from 1 to 0
        return opened, changed

    opened, changed = visit(server_url, steps)
    assert opened.status == ForwardMsg.FINISHED_SUCCESSFULLY
    assert any(">Output 5×5<" in text for text in opened.texts())
    assert student.settings == {"conv_padding": 0, "conv_stride": 1}
    assert changed.status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY  # the fragment alone
    assert student.wrong(changed) is None  # a 3×3 output grid came back
    assert not any("The picture" in text for text in changed.texts())  # the editors above were not redrawn
    assert 0 < changed.seconds < 60


def test_a_layer_switch_brings_that_layers_maps_and_their_pictures(server_url):
    student = FeatureMapStudent(Fixed())

    def steps(client):
        client.open(student.page)
        switched = client.set(*student.next_change())
        return switched, client.fetch_media(switched)

    switched, fetched = visit(server_url, steps)
    assert student.layer == "block1_conv1"
    assert student.wrong(switched) is None
    assert switched.status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
    assert fetched > 1000  # the grid of maps and the overlay, in bytes


def test_a_missing_output_grid_is_a_wrong_answer():
    student = PlaygroundStudent(Fixed())
    student.next_change()
    assert "no 'Output 3×3' grid came back" in student.wrong(Run(0.0))


@pytest.mark.slow
def test_a_new_photo_uploaded_gets_the_verdict_of_its_label(server_url):
    student, photo = CrystalStudent(Fixed()), PhotoBox(salt=7).next()

    def steps(client):
        client.open(student.page)
        client.set(*student.setup)
        checked = client.upload(student.uploader, photo.name, photo.data, "image/jpeg")
        student.checked = photo
        return checked, client.set(*student.next_change())  # "Where it looked" -> "Score per tile"

    checked, viewed = visit(server_url, steps)
    assert student.wrong(checked, photo) is None, student.wrong(checked, photo)
    assert 0 <= student.queued(checked) < checked.seconds
    assert student.view == "Score per tile"
    assert student.wrong_view(viewed) is None, student.wrong_view(viewed)


def test_only_servers_on_this_machine_are_loaded():
    with pytest.raises(ValueError, match="servers on this machine only"):
        StreamlitClient.connect("http://192.0.2.1:8501")
    command = [sys.executable, "-m", "bench", "load", "--url", "http://192.0.2.1:8501", "--waves", "1"]
    refused = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert "not on this machine" in refused.stderr


def test_every_photo_of_a_box_is_new_bytes_even_from_one_drop():
    """JPEG rounds a change of one pixel away (copies 1 and 2 of one drop came out the same bytes,
    and the server answered the second from its cache), so a copy must differ in more than pixels."""
    box = PhotoBox(salt=7, drops=labelled_drops()[:1])
    ids = [photo_id(box.next().data) for _ in range(40)]
    assert len(set(ids)) == len(ids)
