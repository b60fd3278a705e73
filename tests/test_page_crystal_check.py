"""The crystal-check page, run headless with AppTest: samples, uploads, bad files, many images."""

import pytest
from streamlit.testing.v1 import AppTest

from crystal.vision.samples import labelled_drops

from .bad_inputs import bad_uploads
from .conftest import app_page

PAGE = "pages/3_Crystal_check.py"
pytestmark = pytest.mark.slow


def run_page() -> AppTest:
    at = app_page(PAGE, timeout=180).run()
    assert not at.exception, at.exception
    return at


def verdicts(at: AppTest) -> list[str]:
    """The big verdict boxes: 'Crystal' (success), 'No crystal' (info) or 'cannot judge' (warning)."""
    return [box.value for box in [*at.success, *at.info, *at.warning] if box.value.startswith("### ")]


def upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.radio(key="crystal_source").set_value("Upload").run()
    at.file_uploader(key="crystal_upload").set_value([(name, data, "application/octet-stream") for name, data in files])
    at.run()
    assert not at.exception, at.exception
    return at


def test_default_sample_gets_a_verdict_a_chance_and_an_explanation():
    at = run_page()
    assert len(verdicts(at)) == 1
    assert any("Chance of crystal" in (bar.proto.text or "") for bar in at.get("progress"))
    assert at.get("image"), "the Grad-CAM overlay should be shown"
    about = " ".join(e.value for e in at.expander[0].markdown)
    assert "leave-one-out" in about.lower() and "95 % interval" in about and "Another lab" in about


def test_several_samples_give_a_table_and_a_csv_download():
    at = run_page()
    names = [s.name for s in labelled_drops()[:3]]
    at.multiselect(key="crystal_samples").set_value(names).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["Photo"]) == names
    assert set(table["Verdict"]) <= {"Crystal", "No crystal"}
    assert table["Chance"].str.fullmatch(r"(\d{1,2} %|< 1 %|> 99 %)").all()
    assert set(table["How sure"]) <= {"very sure", "fairly sure", "not sure"}
    assert at.get("download_button")


def test_each_image_is_checked_once_even_the_one_looked_at_closer(monkeypatch):
    """The table's verdicts and the close-up's Grad-CAM come from the same pass (seconds each)."""
    from crystal.model.predict import CrystalModel
    from ui import crystal_check

    crystal_check.predictions.clear()
    passes = []
    original = CrystalModel.predict
    monkeypatch.setattr(CrystalModel, "predict", lambda self, rgb, **kw: passes.append(1) or original(self, rgb, **kw))
    at = run_page()  # the first sample alone
    at.multiselect(key="crystal_samples").set_value([s.name for s in labelled_drops()[:3]]).run()
    assert not at.exception, at.exception
    assert len(passes) == 3


def test_a_real_drop_and_a_corrupt_file_uploaded_together():
    drop = labelled_drops()[0]
    at = upload(run_page(), [(drop.path.name, drop.path.read_bytes()), ("notes.jpg", b"not a picture" * 50)])
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "notes.jpg" in errors[0] and "not an image" in errors[0]
    assert len(verdicts(at)) == 1


def test_every_awkward_upload_is_refused_clearly_or_checked():
    cases = bad_uploads()
    at = upload(run_page(), [(u.name, u.data) for u in cases])
    errors = " ".join(e.value for e in at.error)
    for case in cases:
        if case.refusal:
            assert case.name in errors and case.refusal in errors
        else:
            assert case.name not in errors
    accepted = [u.name for u in cases if u.refusal is None]
    assert list(at.dataframe[0].value["Photo"]) == accepted


def test_how_the_verdict_added_up_and_a_feature_opened_in_the_feature_map_page():
    at = run_page()
    assert not any("chance of crystal" in block.value for block in at.code)  # drawn only once opened
    at.session_state["crystal_how_it_added_up"] = True  # the visitor opens it
    at.run()
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Feature", "Value", "Weight", "Value × weight", "Pushes"]
    assert table["Feature"].str.startswith("block4_conv3 #").all()
    sums = next(block.value for block in at.code if "chance of crystal" in block.value)
    assert "the other 50" in sums and "calibrated score" in sums and "softmax" in " ".join(c.value for c in at.caption)
    chance = next(bar.proto.text for bar in at.get("progress") if "Chance of crystal" in (bar.proto.text or ""))
    assert sums.rsplit("= ", 1)[1] in chance  # the same digits in the sum and the panel
    channel = int(table["Feature"][0].split("#")[1])
    next(b for b in at.button if b.label == f"Open #{channel}").click().run()
    assert not at.exception, at.exception
    assert at.select_slider(key="fm_layer").value == "block4_conv3"
    assert at.selectbox(key="fm_channel_block4_conv3").value == channel
    assert any("as the crystal model saw it" in option for radio in at.radio for option in radio.options)


def test_a_check_takes_a_bounded_number_of_photos_and_says_so(monkeypatch):
    from ui import crystal_check

    monkeypatch.setattr(crystal_check, "MAX_PHOTOS_PER_CHECK", 2)
    at = run_page()
    at.multiselect(key="crystal_samples").set_value([s.name for s in labelled_drops()[:3]]).run()
    assert not at.exception, at.exception
    assert any("Only the first 2 of your 3 photos" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 2
