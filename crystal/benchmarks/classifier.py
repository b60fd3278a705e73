"""Crystal check page: model load, one prediction with and without Grad-CAM, a batch of 16.

The batch baseline is the naive route: load the image files and build a fresh classifier per file
(what a script calling the CLI once per image pays), against one loaded classifier reused.
"""
from __future__ import annotations

from typing import Iterator

from crystal.benchmarks.timing import Measurement, median_seconds
from crystal.classifier import load_classifier
from crystal.images import load_rgb
from crystal.samples import labelled_drops


def run(repeats: int) -> Iterator[Measurement]:
    rgbs = [load_rgb(s.path) for s in labelled_drops()]
    load = median_seconds(load_classifier, repeats)
    yield Measurement("load classifier (backbone + head)", load, "s")
    classifier = load_classifier()
    plain = median_seconds(lambda: classifier.predict(rgbs[0], explain=False), repeats)
    yield Measurement("one prediction, no Grad-CAM (1155x866)", plain, "s")
    explained = median_seconds(lambda: classifier.predict(rgbs[0], explain=True), repeats)
    yield Measurement("one prediction with Grad-CAM", explained, "s", baseline=None,
                      note=f"{explained / plain:.1f}x the plain prediction")  # fmt: skip
    batch = median_seconds(lambda: classifier.predict_many(rgbs), max(1, repeats // 3))
    naive = load * len(rgbs) + plain * len(rgbs)
    yield Measurement(f"batch of {len(rgbs)}, one classifier", batch, "s", baseline=naive,
                      note="baseline: a fresh classifier per image (load + predict, from the medians above)")  # fmt: skip
