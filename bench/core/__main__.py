"""``python -m bench core [SECTION ...] [--repeats N]``: print the app's speed figures.

Figures are medians over repeats, each next to a baseline measured in the same run, so the ratios
hold on whatever machine runs them. Sections: conv (the playground's numerics), features (VGG16
feature maps), crystal (verdicts and a plate of 96), adapt (teaching it a lab's photos on the
page), nested (the nested leave-one-out of a training with a lab's folder), calibration (Brier
score, log-loss and wrong-but-very-sure verdicts, before and after calibrating), learn (the tiny
CNN's training steps), filters (a picture of what one filter looks for, per block), training (a
training from scratch and cached).
Page-level timings live in ``python -m bench pages``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

SECTIONS = {
    "conv": ("bench.core.conv", "run"),
    "features": ("bench.core.features", "run"),
    "crystal": ("bench.core.crystal_check", "run"),
    "adapt": ("bench.core.adapt", "run"),
    "nested": ("bench.core.adapt", "run_nested"),
    "calibration": ("bench.core.calibration", "run"),
    "learn": ("bench.core.learn", "run"),
    "filters": ("bench.core.filters", "run"),
    "training": ("bench.core.crystal_check", "run_training"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench core", description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure (median is printed)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for section in args.sections or list(SECTIONS):
        module, function = SECTIONS[section]
        print(f"== {section} (median of {args.repeats}) ==", flush=True)
        for measurement in getattr(importlib.import_module(module), function)(args.repeats):
            print(measurement.row(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
