"""What a filter looks for: the time of one picture (:func:`crystal.vision.filters.visualise`) per block.

The unit is one forward pass of plain VGG16 (no top) on a 224x224 image, measured in the same run,
so the ratios hold on any machine. Each picture is 128 px with the default steps, for a channel of
block1, block3 and block4: a deeper layer costs more per step, since each step runs the network
down to the layer and the gradient back up. The goal is a block4 picture within 60 plain passes
(10-20 s on a 2-core server, with a progress bar on the page). The first picture of a layer also
builds the cut model and traces its step once; that cost is shown on its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from bench.core.timing import Measurement, median_seconds

LAYERS = ("block1_conv2", "block3_conv3", "block4_conv3")
BLOCK4_GOAL = 60.0  # plain passes
MAX_PICTURES = 3  # per layer: a block4 picture takes 10-20 s on 2 cores


def run(repeats: int) -> Iterator[Measurement]:
    from crystal.vision.backbone import build_vgg16
    from crystal.vision.filters import visualise

    vgg = build_vgg16("hed")
    x = np.random.default_rng(0).uniform(-100, 100, (1, 224, 224, 3)).astype(np.float32)
    unit = median_seconds(lambda: vgg.predict_on_batch(x), repeats * 2)
    yield Measurement("plain VGG16 pass, 224x224 (the unit)", unit, "s")

    pictures = max(1, min(repeats, MAX_PICTURES))
    for layer in LAYERS:
        start = time.perf_counter()
        visualise(vgg, layer, 1, steps=2)  # builds the layer's cut model and traces its step
        first = time.perf_counter() - start
        yield Measurement(
            f"first use of {layer}: cut and trace, 2 steps",
            first,
            "s",
            note=f"{first / unit:.1f} plain passes, once per layer and server",
        )
        seconds = median_seconds(lambda: visualise(vgg, layer, 0), pictures, warmup=0)
        goal = f" (goal <= {BLOCK4_GOAL:g})" if layer.startswith("block4") else ""
        yield Measurement(
            f"one picture, {layer} channel 0, 128 px",
            seconds,
            "s",
            note=f"{seconds / unit:.1f} plain passes{goal}; median of {pictures}",
        )
