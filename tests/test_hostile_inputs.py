"""Hostile and odd files, made here: each gets one plain message, costs bounded memory, is decoded as
an independent decoder reads it, and never stops a batch.

Images go through :func:`crystal.vision.images.load_rgb`, model files through
:func:`crystal.model.store.read_model`, both in this process and through ``python -m crystal predict``;
memory is measured as a child process's peak resident size above the same child's peak on a plain
input (no input under the 60 MB upload limit may take more than :data:`MEMORY_BOUND` above it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from crystal.model.store import CARD_FILE, DEFAULT_MODEL_DIR, FEATURES_FILE, HEAD_FILE, ModelFileError, read_model
from crystal.playground.matrix_input import parse_matrix, read_cell
from crystal.vision.images import ImageError, load_rgb
from crystal.vision.samples import labelled_drops

from .bad_inputs import encode
from .conftest import ROOT

MEMORY_BOUND = 2**30
TIME_BOUND = 10.0  # seconds for one mutated file: a hang fails, a slow machine does not


# --- files made here ----------------------------------------------------------------------------------


def tiff(array: np.ndarray, **options) -> bytes:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array, **options)
    return buffer.getvalue()


def png(array: np.ndarray) -> bytes:
    """A PNG of 8- or 16-bit samples (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA channels), written by hand."""
    array = array if array.ndim == 3 else array[..., None]
    height, width, channels = array.shape
    depth = array.dtype.itemsize * 8
    raw = b"".join(b"\x00" + array[row].astype(f">u{array.dtype.itemsize}").tobytes() for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, depth, {1: 0, 2: 4, 3: 2, 4: 6}[channels], 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def with_size(data: bytes, width: int, height: int) -> bytes:
    """A TIFF whose header claims ``width`` × ``height`` (its strips stay as small as they were)."""
    patched = bytearray(data)
    with tifffile.TiffFile(io.BytesIO(data)) as tif:
        for tag in tif.pages.first.tags.values():
            if tag.code in (256, 257):
                struct.pack_into("<I", patched, tag.valueoffset, width if tag.code == 256 else height)
    return bytes(patched)


def empty_tiff() -> bytes:
    with pytest.warns(UserWarning, match="zero-size"):
        return tiff(np.zeros((0, 0), np.uint8))


def drop_rgb() -> np.ndarray:
    return load_rgb(labelled_drops()[1].path)


# --- images: one plain message each --------------------------------------------------------------------


def bad_images() -> dict[str, tuple[bytes, str]]:
    jpeg = encode(Image.fromarray(np.full((64, 64, 3), 90, np.uint8)), "JPEG")
    bmp = encode(Image.new("RGB", (32, 32)), "BMP")
    nan = np.full((32, 32), np.nan, np.float32)
    return {
        "the first 300 bytes of a JPEG": (jpeg[:300], "damaged"),
        "a BMP with a broken header": (bmp[:14] + b"\xff" * 40 + bmp[54:], "damaged"),
        "a BMP cut inside its header": (bmp[:30], "damaged"),
        "a TIFF of no pixels": (empty_tiff(), "0×0"),
        "a TIFF cut inside its data": (tiff(np.full((64, 64), 7, np.uint8), compression="zlib")[:-40], "damaged|TIFF"),
        "an all-NaN float TIFF": (tiff(nan), "not-a-number"),
        "a mostly NaN float TIFF": (
            tiff(np.where(np.eye(32, dtype=bool), 1.0, nan).astype(np.float32)),
            "not-a-number",
        ),
        "16 planes of 8192x8192": (
            with_size(tiff(np.zeros((16, 8, 8), np.float16), planarconfig="separate"), 8192, 8192),
            "16 channels",
        ),
        "float32 RGB of 6300x6300": (
            with_size(tiff(np.zeros((8, 8, 3), np.float32)), 6300, 6300),
            "too much to decode",
        ),
        "float64 RGB of 6300x6300": (
            with_size(tiff(np.zeros((8, 8, 3), np.float64)), 6300, 6300),
            "too much to decode",
        ),
        "a stack of 3 pages of 4 planes": (
            tiff(np.zeros((3, 5, 16, 16), np.uint8), photometric="minisblack", planarconfig="separate"),
            "channels",
        ),
    }


@pytest.mark.parametrize("case", list(bad_images()))
def test_a_bad_image_gets_one_plain_message(case):
    data, message = bad_images()[case]
    with pytest.raises(ImageError, match=message):
        load_rgb(data, name="photo.tif")


def test_a_file_that_cannot_be_read_is_named(tmp_path, monkeypatch):
    photo = tmp_path / "locked.jpg"
    photo.write_bytes(b"x")

    def refused(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refused)
    with pytest.raises(ImageError, match="locked.jpg cannot be read .Permission denied"):
        load_rgb(photo)


def test_a_few_not_a_number_samples_are_black_and_said():
    ramp = np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)
    ramp[0, :3] = np.nan
    with pytest.warns(UserWarning, match="not numbers"):
        rgb = load_rgb(tiff(ramp))
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[-1, -1, 0] == 255


# --- images: decoded as an independent decoder reads them ----------------------------------------------


def test_planar_and_chunky_16_bit_rgb_tiffs_decode_alike_and_like_tifffile():
    rgb = drop_rgb()[:200, :300]
    sixteen = rgb.astype(np.uint16) * 257  # 8-bit data spread over 16 bits
    chunky = load_rgb(tiff(sixteen, photometric="rgb"))
    planar = load_rgb(tiff(np.moveaxis(sixteen, -1, 0), photometric="rgb", planarconfig="separate"))
    np.testing.assert_array_equal(planar, chunky)
    np.testing.assert_allclose(chunky, tifffile.imread(io.BytesIO(tiff(sixteen, photometric="rgb"))) / 257, atol=1)


def test_a_valid_planar_float_rgb_tiff_is_not_refused():
    values = np.random.default_rng(0).random((3, 200, 300)).astype(np.float32)
    rgb = load_rgb(tiff(values, photometric="rgb", planarconfig="separate"))
    assert rgb.shape == (200, 300, 3)
    np.testing.assert_allclose(rgb, np.moveaxis(values, 0, -1) * 255, atol=1)


@pytest.mark.parametrize("bits", [10, 12, 14])
@pytest.mark.parametrize("container", ["RGB PNG", "RGB TIFF", "grey+alpha PNG", "RGBA PNG"])
def test_n_bit_data_in_16_bit_containers_is_scaled_by_the_bits_it_uses(bits, container):
    """The photo as an 8-bit copy (what Pillow reads of the 8-bit original) is the reference."""
    rgb = drop_rgb()[:120, :160]
    deep = (rgb.astype(np.uint32) * (2**bits - 1) // 255).astype(np.uint16)  # 8-bit data widened to n bits
    alpha = np.full(rgb.shape[:2] + (1,), 2**bits - 1, np.uint16)
    data = {
        "RGB PNG": lambda: png(deep),
        "RGB TIFF": lambda: tiff(deep, photometric="rgb"),
        "grey+alpha PNG": lambda: png(np.concatenate([deep[..., :1], alpha], axis=2)),
        "RGBA PNG": lambda: png(np.concatenate([deep, alpha], axis=2)),
    }[container]()
    expected = rgb[..., :1].repeat(3, axis=2) if container.startswith("grey") else rgb
    np.testing.assert_allclose(load_rgb(data).astype(int), expected, atol=1)


@pytest.mark.slow
def test_a_drop_as_a_16_bit_planar_tiff_gets_the_verdict_of_its_8_bit_self(model):
    rgb = drop_rgb()
    planar = tiff(np.moveaxis(rgb.astype(np.uint16) * 257, -1, 0), photometric="rgb", planarconfig="separate")
    assert model.predict(load_rgb(planar), explain=False).p_crystal == pytest.approx(
        model.predict(rgb, explain=False).p_crystal, abs=0.01
    )


@pytest.fixture(scope="module")
def model():
    from crystal.model.predict import load_model

    return load_model()


# --- memory, measured in a child process ----------------------------------------------------------------

PEAK = """
import resource, sys
sys.path.insert(0, {root!r})
{imports}
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    {call}
except Exception as err:
    print(type(err).__name__, err, file=sys.stderr)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


def peak_growth(imports: str, call: str, path: Path) -> int:
    """Bytes the peak resident size of a fresh process grew by while ``call`` ran on ``path``."""
    script = PEAK.format(root=str(ROOT), imports=imports, call=call.format(path=str(path)))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def hostile_model_zip(case: str) -> bytes:
    files = model_files()
    if case == "compressed features of 1 GB":
        return zipped({**files, FEATURES_FILE: streamed_npz("features", (524288, 512))})
    if case == "a card that lies about its size":
        return lying_zip({**files, CARD_FILE: b" " * 2**28 + b"{}"}, CARD_FILE)
    header = io.BytesIO()
    np.save(header, np.zeros(3, np.float32))
    return zipped({**files, HEAD_FILE: zipped({"mean.npy": header.getvalue().replace(b"(3,)", b"(1000000000000,)")})})


def streamed_npz(name: str, shape: tuple[int, ...]) -> bytes:
    """An .npz (compressed) of one float32 array of zeros, written a megabyte at a time."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{name}.npy", "w", force_zip64=True) as member,
    ):
        member.write(header.getvalue())
        for _ in range(int(np.prod(shape)) * 4 // 2**20):
            member.write(bytes(2**20))
    return out.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def lying_zip(files: dict[str, bytes], liar: str) -> bytes:
    """A zip whose ``liar`` member declares 100 bytes, however much it inflates to: in its local
    header and in its entry of the central directory."""
    data = bytearray(zipped(files))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(liar).header_offset
    struct.pack_into("<I", data, local + 22, 100)
    central = next(
        start
        for start in range(len(data) - 46)
        if data[start : start + 4] == b"PK\x01\x02" and data[start + 46 : start + 46 + len(liar)] == liar.encode()
    )
    struct.pack_into("<I", data, central + 24, 100)
    return bytes(data)


def shipped_zip() -> bytes:
    from crystal.model.store import model_zip

    return model_zip(read_model(DEFAULT_MODEL_DIR))


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["compressed features of 1 GB", "a card that lies about its size", "an array header claiming 4 TB"]
)
def test_a_hostile_model_zip_is_refused_in_bounded_memory(case, tmp_path):
    path = tmp_path / "model.zip"
    path.write_bytes(hostile_model_zip(case))
    assert path.stat().st_size < 60 * 2**20
    with pytest.raises(ModelFileError):
        read_model(path)
    imports = "from crystal.model.store import read_model, DEFAULT_MODEL_DIR; read_model(DEFAULT_MODEL_DIR)"
    assert peak_growth(imports, "read_model({path!r})", path) < 64 * 2**20  # far under the bound: refused early


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", ["palette PNG of 6300x6300", "float32 RGB TIFF of 6300x6300", "16-bit RGB TIFF of 40 MP"]
)
def test_a_small_image_file_decodes_in_bounded_memory(case, tmp_path):
    path = tmp_path / "photo"
    if case.startswith("palette"):
        path.write_bytes(encode(Image.new("P", (6300, 6300)), "PNG"))
    elif case.startswith("float32"):
        path.write_bytes(tiff(np.zeros((6300, 6300, 3), np.float32), compression="zlib"))
    else:
        path.write_bytes(tiff(np.zeros((4000, 6000, 3), np.uint16), photometric="rgb", compression="zlib"))
    assert path.stat().st_size < 60 * 2**20
    growth = peak_growth("from crystal.vision.images import load_rgb", "load_rgb({path!r})", path)
    assert growth < MEMORY_BOUND / 2


@pytest.mark.slow
def test_a_40_megapixel_palette_png_is_judged_within_the_bound_above_a_normal_photo(tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(encode(Image.new("P", (6300, 6300), 3), "PNG"))
    imports = "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'; from crystal.cli.predict import main"
    normal = peak_growth(imports, "main([{path!r}, '--csv'])", labelled_drops()[0].path)
    palette = peak_growth(imports, "main([{path!r}, '--csv'])", big)
    assert palette - normal < MEMORY_BOUND


# --- model files: refused as data -----------------------------------------------------------------------


def model_files() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(shipped_zip())) as good:
        return {name: good.read(name) for name in good.namelist()}


def with_card(change) -> bytes:
    files = model_files()
    card = json.loads(files[CARD_FILE])
    change(card)
    return zipped({**files, CARD_FILE: json.dumps(card).encode()})


def with_arrays(name: str, **arrays) -> bytes:
    files = model_files()
    with np.load(io.BytesIO(files[name])) as stored:
        merged = {key: stored[key] for key in stored.files} | arrays
    out = io.BytesIO()
    np.savez(out, **merged)
    return zipped({**files, name: out.getvalue()})


ROWS = 16 * 48  # the shipped model's training rows
BAD_MODELS = {
    "a deeply nested card": (lambda: zipped({**model_files(), CARD_FILE: b"[" * 200_000 + b"]" * 200_000}), "deeply"),
    "a threshold given as text": (lambda: with_card(lambda c: c.update(threshold="0.5")), "threshold: expected a"),
    "a threshold given as a list": (lambda: with_card(lambda c: c.update(threshold=[0.5])), "threshold: expected a"),
    "a NaN threshold": (lambda: with_card(lambda c: c.update(threshold=float("nan"))), "threshold: expected a"),
    "data as a list": (lambda: with_card(lambda c: c.update(data=[])), "data: expected an object"),
    "adapted as {}": (lambda: with_card(lambda c: c.update(adapted={})), "adapted.date is missing"),
    "NaN photo indices": (lambda: with_arrays(FEATURES_FILE, photo=np.full(ROWS, np.nan)), "'photo' holds float64"),
    "indices past the end": (lambda: with_arrays(FEATURES_FILE, photo=np.arange(ROWS)), "photos it does not have"),
    "kernel values of 3e38": (lambda: with_arrays(HEAD_FILE, kernel=np.full(512, 3e38, np.float32)), "impossible"),
    "object arrays": (lambda: with_arrays(HEAD_FILE, bias=np.array(object(), dtype=object)), "not what a model"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BAD_MODELS))
def test_a_bad_model_file_is_a_model_file_error_naming_the_problem(case):
    make, message = BAD_MODELS[case]
    with pytest.raises(ModelFileError, match=message):
        read_model(make())


# --- the command line: one line per bad file, the batch goes on -----------------------------------------


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "crystal", "predict", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
def test_a_batch_of_bad_files_gets_one_stderr_line_each_and_every_good_file_judged(tmp_path):
    good = [str(s.path) for s in labelled_drops()[:2]]
    bad = []
    for i, (data, _) in enumerate(bad_images().values()):
        bad.append(tmp_path / f"bad_{i}.tif")
        bad[-1].write_bytes(data)
    done = run_cli(good[0], *map(str, bad), good[1], "--csv")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == len(bad) and all(line.startswith(str(path) + " ") for line, path in zip(lines, bad)), lines
    assert "Traceback" not in done.stderr
    assert [row.split(",")[0] for row in done.stdout.splitlines()[1:]] == good


@pytest.mark.parametrize(
    ("where", "message"),
    [("missing/out.csv", "does not exist"), (".", "is a folder")],
)
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, where, message):
    done = run_cli(str(labelled_drops()[0].path), "--output", str(tmp_path / where))
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"path,label\xff\xfe\n", "not a CSV this command wrote"),
        (b"path,label,p_crystal,unfamiliar,sure\n" + b"x" * 200_000 + b",a,b,c,d\n", "not a CSV this command wrote"),
        (b'path,label,p_crystal,unfamiliar,sure\n"a.jpg,crystal,0.5,no,not\n', "not a CSV this command wrote"),
        (b"a,b\n", "other columns"),
    ],
    ids=["not UTF-8", "a field over 128 KB", "an unterminated quote", "other columns"],
)
def test_resume_refuses_a_damaged_csv_and_never_appends_to_it(tmp_path, content, message):
    out = tmp_path / "plate.csv"
    out.write_bytes(content)
    done = run_cli(str(labelled_drops()[0].path), "--output", str(out), "--resume")
    assert done.returncode == 2 and message in done.stderr and out.read_bytes() == content


@pytest.mark.slow
def test_resume_adds_a_missing_newline_and_knows_a_photo_by_any_path(tmp_path):
    photos = tmp_path / "plate"
    photos.mkdir()
    for sample in labelled_drops()[:2]:
        (photos / sample.path.name).write_bytes(sample.path.read_bytes())
    first, second = sorted(photos.iterdir())
    out = tmp_path / "plate.csv"
    assert run_cli(str(first), "--output", str(out)).returncode == 0
    out.write_bytes(out.read_bytes().rstrip(b"\n"))  # as if the last write was cut short of its newline
    relative = os.path.relpath(first, tmp_path / "elsewhere")
    (tmp_path / "elsewhere").mkdir()
    done = run_cli(relative, str(second), "--output", str(out), "--resume", cwd=tmp_path / "elsewhere")
    assert done.returncode == 0, done.stderr
    rows = [line.split(",") for line in out.read_text().splitlines()]
    assert [row[0] for row in rows] == ["path", str(first), str(second)] and all(len(row) == 5 for row in rows)


def test_a_bad_model_zip_on_the_command_line_is_one_line(tmp_path):
    bad = tmp_path / "model.zip"
    bad.write_bytes(zipped({"card.json": b"{}"}))
    done = run_cli(str(labelled_drops()[0].path), "--model", str(bad))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "missing" in done.stderr


# --- typed matrices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [("−3", -3.0), ("–3", -3.0), ("‐3", -3.0), ("‑3", -3.0), ("2.5/0.5", 5.0), ("−1/4", -0.25), ("0,5", 0.5)],
)
def test_the_minus_signs_and_fractions_people_paste_are_numbers(cell, value):
    assert read_cell(cell) == value


def test_a_thousands_comma_is_refused_with_why_and_a_huge_cell_is_quoted_short():
    with pytest.raises(ValueError, match="thousands separator or a decimal comma"):
        parse_matrix([["1,000"]])
    with pytest.raises(ValueError) as refused:
        parse_matrix([["7" + "x" * 10 * 2**20]])
    assert len(str(refused.value)) < 400 and "'7xxxxxxxxxxxxxxxxxxx…'" in str(refused.value)


# --- mutated files: only our own errors, never a hang ------------------------------------------------------


def valid_images() -> list[bytes]:
    rgb = drop_rgb()[:64, :96]
    return [encode(Image.fromarray(rgb), fmt) for fmt in ("PNG", "JPEG", "BMP")] + [
        tiff(rgb, photometric="rgb"),
        tiff(np.moveaxis(rgb.astype(np.uint16) * 64, -1, 0), photometric="rgb", planarconfig="separate"),
        png(rgb.astype(np.uint16) * 16),
    ]


def mutated(data: bytes, how: str, where: float, byte: int) -> bytes:
    at = int(where * (len(data) - 1))
    if how == "flip":
        return data[:at] + bytes([data[at] ^ (byte or 1)]) + data[at + 1 :]
    if how == "cut":
        return data[:at]
    return data[:at] + bytes([byte]) * 8 + data[at + 8 :]  # overwrite: headers changed


MUTATION = dict(how=st.sampled_from(["flip", "cut", "overwrite"]), where=st.floats(0, 1), byte=st.integers(0, 255))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, 5), **MUTATION)
def test_a_mutated_image_is_read_or_refused_and_nothing_else(which, how, where, byte):
    data = mutated(valid_images()[which], how, where, byte)
    start = time.perf_counter()
    try:
        rgb = load_rgb(data)
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
    except ImageError:
        pass
    assert time.perf_counter() - start < TIME_BOUND


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(member=st.sampled_from([None, HEAD_FILE, CARD_FILE, FEATURES_FILE]), **MUTATION)
def test_a_mutated_model_zip_is_read_or_refused_and_nothing_else(member, how, where, byte):
    files = model_files()
    if member is None:
        data = mutated(zipped(files), how, where, byte)
    else:
        data = zipped({**files, member: mutated(files[member], how, where, byte)})
    start = time.perf_counter()
    with contextlib.suppress(ModelFileError):
        read_model(data)
    assert time.perf_counter() - start < TIME_BOUND
