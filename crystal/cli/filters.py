"""``python -m crystal filters [--out DIR] [--count N] [--model DIR|ZIP]``: what the head's strongest features look for.

For the ``N`` block4_conv3 channels the crystal head weighs most towards "crystal" and the ``N`` it
weighs most against, makes the picture that excites each most (:func:`crystal.vision.filters.visualise`,
grey, on the crystal model's own backbone) and writes it as a small grey PNG into ``--out`` (default:
the shipped ``models/crystal/filters``), with a README that says what they are and how they were
made. Pictures of other channels left in that folder are removed, so it holds exactly this set.
A picture takes 10-20 s on two cores: about 15 minutes for the default 2 x 24.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

README = """# What the crystal head's strongest features look for

Each PNG here is a picture made by the computer to excite one filter (one channel of VGG16's
`{layer}`, the crystal model's backbone) as strongly as it can: not a photo from the data. The
crystal check shows them beside the features that pushed a verdict ("feature #{example} pushed towards
crystal"), so that a student can see what that feature responds to.

They are the {count} channels the shipped head weighs most towards "crystal" and the {count} it weighs
most against. Each was made from faint noise by {steps} steps of gradient ascent on a picture stored as
its Fourier spectrum and moved at random at each step ({size} px, grey as the backbone is shown grey
photos, seed {seed}); see `crystal/vision/filters.py` and `docs/filter-pictures.md`.

Remake them (about 15 minutes on two cores) after the head or the backbone changes:

    python -m crystal filters --count {count}

| channel | head's weight | file |
|--------:|--------------:|------|
{rows}
"""


def main(argv: list[str] | None = None) -> int:
    from crystal.model import filter_pictures

    parser = argparse.ArgumentParser(prog="python -m crystal filters", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=filter_pictures.FOLDER, help="folder to write (default: %(default)s)"
    )
    parser.add_argument(
        "--count", type=int, default=filter_pictures.COUNT, help="channels each way (default: %(default)s)"
    )
    parser.add_argument("--model", type=Path, default=None, help="model folder or .zip (default: the shipped model)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from crystal.model.store import DEFAULT_MODEL_DIR, ModelFileError, read_model

    try:
        kernel = read_model(args.model or DEFAULT_MODEL_DIR).weights.kernel
    except ModelFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    towards, against = filter_pictures.weighed_most(kernel, args.count)
    channels = towards + against
    args.out.mkdir(parents=True, exist_ok=True)
    make_pictures(channels, kernel, args.out)
    for stale in set(args.out.glob(f"{filter_pictures.LAYER}_*.png")) - {
        args.out / filter_pictures.file_name(c) for c in channels
    }:
        stale.unlink()
    (args.out / "README.md").write_text(readme(channels, kernel, args.count), encoding="utf-8")
    print(f"{len(channels)} pictures and README.md in {args.out}")
    return 0


def make_pictures(channels: list[int], kernel, folder: Path) -> None:
    """Each channel's picture, grey, as a PNG in ``folder``; one line per picture on stderr."""
    from PIL import Image

    from crystal.model.features import shared_backbone
    from crystal.model.filter_pictures import LAYER, SEED, SIZE, file_name
    from crystal.vision.filters import visualise

    backbone = shared_backbone()
    for number, channel in enumerate(channels, start=1):
        start = time.perf_counter()
        made = visualise(backbone, LAYER, channel, size=SIZE, seed=SEED, grey=True)
        Image.fromarray(made.picture[..., 0]).save(folder / file_name(channel), optimize=True)
        print(
            f"[{number:>2}/{len(channels)}] {LAYER} #{channel} (weight {kernel[channel]:+.2f}): "
            f"{time.perf_counter() - start:.1f} s",
            file=sys.stderr,
            flush=True,
        )


def readme(channels: list[int], kernel, count: int) -> str:
    from crystal.model.filter_pictures import LAYER, SEED, SIZE, file_name
    from crystal.vision.filters import STEPS

    rows = "\n".join(f"| {c} | {kernel[c]:+.3f} | `{file_name(c)}` |" for c in channels)
    return README.format(layer=LAYER, example=channels[0], count=count, steps=STEPS, size=SIZE, seed=SEED, rows=rows)
