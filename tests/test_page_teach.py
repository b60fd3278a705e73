"""Teaching the crystal check on the page, run headless with AppTest: label, adapt, new verdicts, the
zip out and in again, photos sorted beforehand, two visitors at once, unfamiliar photos, a camera."""

import pytest

from crystal.model.store import model_zip
from crystal.vision.samples import OTHER_LABS_DIR, labelled_drops

from .test_page_crystal_check import run_page, verdicts

pytestmark = pytest.mark.slow


def label_rows(at, labels: dict[int, str]):
    """Choose the user's label in the results table's rows, as a click in the table would."""
    editor = at.data_editor[0]
    at.session_state[editor.key] = {
        "edited_rows": {row: {"Your label": text} for row, text in labels.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    return at.run()


def click(at, label: str):
    next(button for button in at.button if button.label == label).click().run()
    assert not at.exception, at.exception
    return at


def markdown(at) -> str:
    return " ".join(m.value for m in at.markdown)


def two_drops(at):
    """A drop with crystals and one without, as samples."""
    drops = labelled_drops()
    at.multiselect(key="crystal_samples").set_value([drops[0].name, drops[-1].name]).run()
    return at


def open_panel(at):
    at.session_state["crystal_teach_open"] = True
    return at.run()


def test_label_adapt_and_see_both_models_verdicts_and_what_changed():
    at = open_panel(label_rows(two_drops(run_page()), {0: "Crystal", 1: "No crystal"}))
    assert "1 with crystals, 1 without" in markdown(at)
    at = click(at, "Adapt to my photos")
    table = at.dataframe[0].value
    assert "Shipped model said" in table and list(table["Your label"]) == ["Crystal", "No crystal"]
    assert "What adapting changed, on your 2 photos" in markdown(at) and "The shipped model got" in markdown(at)
    assert any(b.label == "Download your adapted model (zip)" for b in at.get("download_button"))
    assert "adapted model's verdict" in " ".join(c.value for c in at.caption)
    about = " ".join(e.value for e in at.expander[0].markdown)
    assert "Taught with 2 of your photos" in about


def test_two_visitors_keep_their_own_models():
    teacher = click(
        open_panel(label_rows(two_drops(run_page()), {0: "No crystal", 1: "No crystal"})), "Adapt to my photos"
    )
    other = two_drops(run_page())
    assert teacher.session_state.teaching.model is not None
    assert other.session_state.teaching.model is None and "Shipped model said" not in other.dataframe[0].value
    assert "Taught with" not in " ".join(e.value for e in other.expander[0].markdown)


def test_the_downloaded_zip_continues_the_teaching_and_a_damaged_one_is_refused():
    first = click(open_panel(label_rows(two_drops(run_page()), {0: "Crystal", 1: "No crystal"})), "Adapt to my photos")
    zipped = model_zip(first.session_state.teaching.model.data)

    again = open_panel(run_page())
    again.file_uploader(key="teach_zip").set_value([("bad.zip", b"PK\x03\x04 not really", "application/zip")]).run()
    assert any("bad.zip" in e.value and "not a readable zip" in e.value and "stays" in e.value for e in again.error)
    assert again.session_state.teaching.model is None  # still the shipped one

    again.file_uploader(key="teach_zip").set_value([("mine.zip", zipped, "application/zip")]).run()
    assert not again.exception, again.exception
    assert again.session_state.teaching.model is not None and len(again.session_state.teaching.photos) == 2
    assert "1 with crystals, 1 without" in markdown(two_drops(again))
    assert "Shipped model said" in again.dataframe[0].value


def test_photos_sorted_beforehand_are_checked_labelled_and_written_to_the_csv_by_file_name(monkeypatch):
    from ui import teach

    written = []
    monkeypatch.setattr(teach, "results_csv", lambda rows: written.append(list(rows)) or "")
    drops = labelled_drops()
    at = open_panel(run_page())
    at.file_uploader(key="teach_crystal").set_value([(drops[1].path.name, drops[1].path.read_bytes(), "image/jpeg")])
    at.file_uploader(key="teach_no_crystal").set_value(
        [(d.path.name, d.path.read_bytes(), "image/jpeg") for d in drops[-2:]]
    )
    at.run()
    assert not at.exception, at.exception
    assert "1 with crystals, 2 without" in markdown(at)
    table = at.dataframe[0].value  # the sorted photos join the results, with their labels
    assert list(table["Photo"])[1:] == [drops[1].path.name, *(d.path.name for d in drops[-2:])]
    assert list(table["Your label"])[1:] == ["Crystal", "No crystal", "No crystal"]
    rows = written[-1]  # (path, label, p_crystal, unfamiliar, sure, model, your_label)
    assert [row[0] for row in rows] == [drops[0].path.name, drops[1].path.name, *(d.path.name for d in drops[-2:])]
    assert [row[-1] for row in rows] == ["", "crystal", "no_crystal", "no_crystal"]


def test_another_labs_photo_from_the_camera_is_called_unfamiliar():
    photo = sorted((OTHER_LABS_DIR / "diamond" / "crystal").glob("*.jpg"))[0]
    at = run_page()
    at.radio(key="crystal_source").set_value("Camera").run()
    at.camera_input[0].set_value(("shot.jpg", photo.read_bytes(), "image/jpeg")).run()
    assert not at.exception, at.exception
    (headline,) = verdicts(at)
    assert "cannot judge photos like this one well" in headline and "sure" not in headline
    assert list(at.dataframe[0].value["Unfamiliar"]) == ["⚠️ yes"]
    assert list(at.dataframe[0].value["How sure"]) == ["not sure"]
    next(b for b in at.button if b.label == "Teach it your lab's photos").click().run()
    assert at.session_state["crystal_teach_open"] and "Adapt to my photos" in [b.label for b in at.button]
