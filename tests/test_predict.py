"""``python -m crystal predict``: the CSV, folders, one stderr line per bad file, resuming a plate,
another model from a zip, and a damaged model refused in one line."""

import csv
import io
import os
import shutil
import subprocess
import sys

import pytest

from crystal.model.store import DEFAULT_MODEL_DIR, model_zip, read_model
from crystal.vision.samples import OTHER_LABS_DIR, labelled_drops

from .conftest import ROOT

pytestmark = pytest.mark.slow


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crystal", "predict", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def our_lines(stderr: str) -> list[str]:
    """stderr's lines: the command's own only (TensorFlow's start-up chatter is held back)."""
    return stderr.strip().splitlines()


def test_csv_on_photos_and_bad_files(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    good = [str(s.path) for s in labelled_drops()[:2]]
    result = run_cli(good[0], str(bad), str(tmp_path / "missing.tif"), str(empty), good[1], "--csv")
    assert result.returncode == 1
    table = rows(result.stdout)
    assert table[0] == ["path", "label", "p_crystal", "unfamiliar", "sure"] and [r[0] for r in table[1:]] == good
    for _, label, p, unfamiliar, sure in table[1:]:
        assert label in ("crystal", "no_crystal") and 0.0 < float(p) < 1.0 and unfamiliar == "no"  # our lab's
        assert sure in ("very", "fairly", "not")
    errors = our_lines(result.stderr)
    assert (
        len(errors) == 3 and all(line.startswith(str(tmp_path)) for line in errors) and "Traceback" not in result.stderr
    )


def test_another_labs_photos_are_marked_unfamiliar_and_a_folder_without_photos_is_named():
    result = run_cli(str(OTHER_LABS_DIR / "diamond" / "crystal"), str(OTHER_LABS_DIR / "diamond"), "--csv")
    assert [row[3] for row in rows(result.stdout)[1:]] == ["yes"] * 3
    assert result.returncode == 1 and our_lines(result.stderr) == [
        f"{OTHER_LABS_DIR / 'diamond'}: no photos in this folder (.jpg, .jpeg, .png, .bmp, .tif, .tiff; "
        "folders inside it are not searched)"
    ]


def test_a_folder_is_a_plate_and_resume_skips_what_is_done(tmp_path):
    plate = tmp_path / "plate"
    plate.mkdir()
    for sample in labelled_drops()[:3]:
        shutil.copy(sample.path, plate / sample.path.name)
    (plate / "notes.txt").write_text("not a photo")  # not an image file name: left out
    out = tmp_path / "plate.csv"
    first = sorted(plate.glob("*.jpg"))[:2]
    assert run_cli(*map(str, first), "--output", str(out)).returncode == 0
    assert [r[0] for r in rows(out.read_text())[1:]] == [str(p) for p in first]
    again = run_cli(str(plate), "--output", str(out), "--resume")
    assert again.returncode == 0
    table = rows(out.read_text())
    assert table[0] == ["path", "label", "p_crystal", "unfamiliar", "sure"] and table.count(table[0]) == 1
    assert sorted(r[0] for r in table[1:]) == sorted(str(p) for p in plate.glob("*.jpg"))  # each photo once


def test_resume_without_an_output_file_is_refused(tmp_path):
    result = run_cli(str(tmp_path), "--resume")
    assert result.returncode == 2 and "--resume needs --output" in result.stderr


def test_another_model_from_a_zip_and_a_damaged_one(tmp_path):
    zipped = tmp_path / "mine.zip"
    zipped.write_bytes(model_zip(read_model(DEFAULT_MODEL_DIR)))
    photo = str(labelled_drops()[0].path)
    shipped, mine = run_cli(photo, "--csv"), run_cli(photo, "--csv", "--model", str(zipped))
    assert mine.returncode == 0 and rows(mine.stdout) == rows(shipped.stdout)
    zipped.write_bytes(b"PK" + b"\0" * 100)
    damaged = run_cli(photo, "--model", str(zipped))
    assert damaged.returncode == 2 and len(our_lines(damaged.stderr)) == 1
    assert "not a readable zip of a crystal model" in damaged.stderr
