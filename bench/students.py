"""What the load benchmark's simulated students do, and how their answers are checked, without I/O.

Three kinds, a third of a class each:

- :class:`PlaygroundStudent` changes the playground's zero padding or stride (inside the steps'
  fragment) and checks that the output grid has the size they give;
- :class:`FeatureMapStudent` switches the feature-map page's layer (inside its fragment) and checks
  that the maps shown are that layer's;
- :class:`CrystalStudent` uploads a drop photo the server has never seen (a labelled drop with two
  pixels changed) and checks the verdict against the drop's label; then looks at the result in its
  three views (where the model looked, the score per tile, the drop), one after another.

Between two actions a student thinks for :data:`THINK_SECONDS` (uniform, drawn from the student's
own seeded generator). :mod:`bench.load` drives them over :mod:`bench.streamlit_client`.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bench.streamlit_client import Run
from crystal.vision.layer_maps import LAYERS
from crystal.vision.samples import Sample, labelled_drops
from ui import site
from ui.crystal_check import VIEWS

THINK_SECONDS = (1.0, 5.0)
"""A student's pause between two actions: uniform between these, 3 s on average, so ten playground
students make about 390 changes in 120 s."""
PICTURE, KERNEL = 5, 3  # the playground's default: the classic 5×5 picture and a 3×3 kernel
VERDICTS = {"crystal": "### 💎 Crystal", "no_crystal": "### 🫧 No crystal"}
WAITING = "⏳ Waiting for the server"


def think(rng: random.Random) -> float:
    """Seconds until the student's next action."""
    return rng.uniform(*THINK_SECONDS)


def output_side(padding: int, stride: int) -> int:
    """The side of the playground's output grid for the default picture and kernel.

    >>> output_side(1, 1), output_side(3, 2), output_side(0, 2)
    (5, 5, 2)
    """
    return (PICTURE + 2 * padding - KERNEL) // stride + 1


class PlaygroundStudent:
    """Changes the zero padding (0-3) or the stride (1-2) of step 1, one at a time."""

    page, role, kind = site.PLAYGROUND.url_path, "playground", "playground change"

    def __init__(self, rng: random.Random):
        self.rng, self.settings = rng, {"conv_padding": 1, "conv_stride": 1}

    def next_change(self) -> tuple[str, int]:
        key = self.rng.choice(("conv_padding", "conv_padding", "conv_stride"))
        choices = range(4) if key == "conv_padding" else range(1, 3)
        self.settings[key] = self.rng.choice([v for v in choices if v != self.settings[key]])
        return key, self.settings[key]

    def wrong(self, run: Run) -> str | None:
        """What is wrong with what came back, or None when the output grid has the right size."""
        side = output_side(self.settings["conv_padding"], self.settings["conv_stride"])
        title = f">Output {side}×{side}<"
        if run.errors() or not any(title in text for text in run.texts()):
            return f"playground {self.settings}: no {title[1:-1]!r} grid came back ({run.errors()})"
        return None


class FeatureMapStudent:
    """Switches the layer slider to another of VGG16's 18 layers (or of ``layers``)."""

    page, role, kind = site.FEATURE_MAPS.url_path, "feature-map", "layer switch"

    def __init__(self, rng: random.Random, layers: tuple[str, ...] = LAYERS):
        self.rng, self.layers, self.layer = rng, layers, "block1_conv2"

    def next_change(self) -> tuple[str, str]:
        self.layer = self.rng.choice([layer for layer in self.layers if layer != self.layer])
        return "fm_layer", self.layer

    def wrong(self, run: Run) -> str | None:
        if run.errors() or not any(f"feature maps of {self.layer}," in text for text in run.texts()):
            return f"feature maps: {self.layer}'s maps did not come back ({run.errors()})"
        return None


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes
    label: str  # "crystal" or "no_crystal"


class PhotoBox:
    """Drop photos no server has seen: the labelled drops in turn, each copy with pixels (0, 0) and
    (0, 1) set from its number and a salt, and both written into the JPEG's comment, so that its
    bytes are new (the server caches by bytes) even where the encoder rounds the two pixels away."""

    def __init__(self, salt: int, drops: list[Sample] | None = None):
        self.salt, self.drops, self.made = salt, drops or labelled_drops(), 0
        self._rgb: dict[Path, np.ndarray] = {}

    def next(self) -> Photo:
        n, self.made = self.made, self.made + 1
        drop = self.drops[n % len(self.drops)]
        if drop.path not in self._rgb:
            self._rgb[drop.path] = np.asarray(Image.open(drop.path).convert("RGB"))
        rgb = self._rgb[drop.path].copy()
        rgb[0, 0] = (n % 256, n // 256 % 256, self.salt % 256)
        rgb[0, 1] = (self.salt // 256 % 256, self.salt // 65536 % 256, 255)
        out = io.BytesIO()
        Image.fromarray(rgb).save(out, "JPEG", quality=92, comment=f"copy {n} of run {self.salt}")
        return Photo(f"drop-{self.salt}-{n}.jpg", out.getvalue(), drop.label)


def said(run: Run) -> list[str]:
    """The verdicts' headlines in what came back, a '?' (the model is not sure) left off."""
    firsts = [text.split("\n")[0].rstrip("?") for text in run.texts()]
    return [first for first in firsts if first in VERDICTS.values()]


class CrystalStudent:
    """Switches the crystal check to uploads, checks one new photo, then switches between the
    result's views (each a rerun of the whole page, the verdict coming from the server's memory)."""

    page, role, kind = site.CRYSTAL_CHECK.url_path, "crystal-check", "crystal check"
    setup = ("crystal_source", "Upload")
    uploader = "crystal_upload"
    views = {  # the "Show" control's options, and the start of the caption each draws
        name: caption.split(";")[0] for name, caption in VIEWS.items()
    }
    view_kind = "result view"

    def __init__(self, rng: random.Random):
        self.rng, self.checked, self.view = rng, None, "Where it looked"

    def next_change(self) -> tuple[str, str]:
        self.view = self.rng.choice([view for view in self.views if view != self.view])
        return "crystal_view", self.view

    def wrong_view(self, run: Run) -> str | None:
        verdicts = said(run)
        caption = self.views[self.view]
        if run.errors() or verdicts != [VERDICTS[self.checked.label]] or not any(caption in t for t in run.texts()):
            return f"crystal check, view {self.view!r} of {self.checked.name}: {verdicts} {run.errors()}"
        return None

    @staticmethod
    def wrong(run: Run, photo: Photo) -> str | None:
        verdicts = said(run)
        if run.errors() or verdicts != [VERDICTS[photo.label]] or photo.name not in run.texts():
            return f"crystal check of {photo.name} ({photo.label}): {verdicts or 'no verdict'} {run.errors()}"
        return None

    @staticmethod
    def queued(run: Run) -> float:
        """Seconds the check waited for the heavy-work queue: until the first message after the
        page's last "waiting for the server" notice (0 when it never had to wait)."""
        last = None
        for n, msg in enumerate(run.messages):
            delta = msg.delta if msg.WhichOneof("type") == "delta" else None
            if delta and delta.WhichOneof("type") == "new_element" and delta.new_element.alert.body.startswith(WAITING):
                last = n
        if last is None:
            return 0.0
        return run.arrivals[min(last + 1, len(run.arrivals) - 1)] - run.sent
