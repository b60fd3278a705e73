"""The prediction CLI: exact CSV header, valid rows, one stderr line per bad file, non-zero exit."""
import csv
import io
import os
import subprocess
import sys

from crystal.samples import labelled_drops

from .conftest import ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crystal.predict", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300)  # fmt: skip


def test_csv_on_samples_and_bad_files(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image at all")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    good = [str(s.path) for s in labelled_drops()[:2]]
    result = run_cli(good[0], str(bad), str(tmp_path / "missing.tif"), str(tmp_path), str(empty), good[1], "--csv")
    assert result.returncode != 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["path", "label", "p_crystal"]
    assert [r[0] for r in rows[1:]] == good
    for _, label, p in rows[1:]:
        assert label in ("crystal", "no_crystal") and 0.0 <= float(p) <= 1.0
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(tmp_path))]
    assert len(errors) == 4 and "Traceback" not in result.stderr
