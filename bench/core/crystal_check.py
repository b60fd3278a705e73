"""Crystal check: one verdict, a plate of 96 photos, and a training, against one plain VGG16 pass.

The unit is one forward pass of plain VGG16 (no top) on a 224x224 image, measured in the same run,
so the ratios hold on any machine. Each verdict is timed from the file (decode included, nothing
cached), on a bundled sample, on a Diamond photo and on the sample enlarged to the 2560x1920 pixels
that our imager saves (the bundled samples are smaller copies); the plate is
``python -m crystal predict FOLDER`` on 96 photos; training is
``python -m crystal train samples/drops`` with its features already cached, and from scratch.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bench.core.timing import Measurement, median_seconds
from crystal.vision.images import load_rgb
from crystal.vision.samples import DROPS_DIR, OTHER_LABS_DIR, labelled_drops

VERDICT_GOAL, PLAIN_GOAL = 4.0, 3.5  # in plain VGG16 passes, with and without Grad-CAM
PLATE = 96


def run(repeats: int) -> Iterator[Measurement]:
    from crystal.model.predict import load_model
    from crystal.vision.backbone import build_vgg16

    vgg = build_vgg16("hed")
    x = np.random.default_rng(0).uniform(-100, 100, (1, 224, 224, 3)).astype(np.float32)
    unit = median_seconds(lambda: vgg.predict_on_batch(x), repeats * 2)
    yield Measurement("plain VGG16 pass, 224x224 (the unit)", unit, "s")
    start = time.perf_counter()
    model = load_model()
    yield Measurement("load the crystal model", time.perf_counter() - start, "s", note="once per server")

    plain = {}
    with tempfile.TemporaryDirectory() as scratch:
        photos = {
            "1155x866 sample drop": labelled_drops()[0].path,
            "1224x1024 Diamond photo": sorted((OTHER_LABS_DIR / "diamond" / "crystal").glob("*.jpg"))[0],
            "2560x1920 imager-sized photo": _enlarged(labelled_drops()[0].path, Path(scratch)),
        }
        for name, path in photos.items():
            explained = median_seconds(lambda: model.predict(load_rgb(path), explain=True), repeats)
            plain[name] = median_seconds(lambda: model.predict(load_rgb(path), explain=False), repeats)
            yield Measurement(
                f"verdict + Grad-CAM, {name}",
                explained,
                "s",
                note=f"{explained / unit:.1f} plain passes (goal <= {VERDICT_GOAL:g})",
            )
            yield Measurement(
                f"verdict alone, {name}",
                plain[name],
                "s",
                note=f"{plain[name] / unit:.1f} plain passes (goal <= {PLAIN_GOAL:g})",
            )

    per_photo = _plate_seconds() / PLATE
    single = plain["1155x866 sample drop"]
    yield Measurement(
        f"plate of {PLATE} drops (python -m crystal predict FOLDER), per photo",
        per_photo,
        "s",
        note=f"{per_photo / unit:.1f} plain passes; one verdict alone: {single / unit:.1f}",
    )


def run_training(repeats: int) -> Iterator[Measurement]:
    """``python -m crystal train samples/drops`` from scratch and again with its features cached."""
    cached, fresh = _training_seconds()
    yield Measurement("train on samples/drops, features cached", cached, "s", note="goal < 2 min")
    yield Measurement(
        "train on samples/drops, features computed",
        fresh,
        "s",
        note=f"goal <= 10 min; {fresh / cached:.1f}x the cached training",
    )


def _enlarged(path: Path, folder: Path) -> Path:
    """The photo at 2560x1920 pixels, saved as JPEG in ``folder``: what a verdict costs on a photo
    as large as the imager saves it."""
    from PIL import Image

    enlarged = folder / f"{path.stem}_2560x1920.jpg"
    Image.open(path).convert("RGB").resize((2560, 1920), Image.Resampling.BICUBIC).save(enlarged, quality=92)
    return enlarged


def _plate_seconds() -> float:
    """``python -m crystal predict`` on a folder of 96 photos (the labelled drops, copied over and over)."""
    from crystal.cli import predict

    with tempfile.TemporaryDirectory() as folder:
        drops = labelled_drops()
        for n in range(PLATE):
            shutil.copy(drops[n % len(drops)].path, Path(folder) / f"well_{n:02d}.jpg")
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            predict.main([folder, "--csv"])
        return time.perf_counter() - start


def _training_seconds() -> tuple[float, float]:
    """``python -m crystal train samples/drops`` into a scratch folder: once with a fresh cache (every
    feature computed), then again (every feature from that cache)."""
    from crystal.cli import train
    from crystal.model import features

    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()):
        default = features.DEFAULT_CACHE_DIR
        features.DEFAULT_CACHE_DIR = Path(scratch) / "cache"
        try:
            times = []
            for run in ("fresh", "cached"):
                start = time.perf_counter()
                train.main([str(DROPS_DIR), "--out", str(Path(scratch) / run)])
                times.append(time.perf_counter() - start)
        finally:
            features.DEFAULT_CACHE_DIR = default
    return times[1], times[0]
