"""``python -m crystal.bench [SECTION ...] [--repeats N]``: print the app's speed figures.

Figures are medians over repeats, each next to a naive baseline measured in the same run, so the
ratios hold on whatever machine runs them. Sections: conv (playground page rerun), features
(VGG16 feature maps), classifier (crystal check).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

SECTIONS = {
    "conv": "crystal.benchmarks.conv",
    "features": "crystal.benchmarks.features",
    "classifier": "crystal.benchmarks.classifier",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crystal.bench", description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure (median is printed)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for section in args.sections or list(SECTIONS):
        module = importlib.import_module(SECTIONS[section])
        print(f"== {section} (median of {args.repeats}) ==")
        for measurement in module.run(args.repeats):
            print(measurement.row(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
