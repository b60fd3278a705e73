"""``python -m crystal robustness [DATA_DIR]``: how verdicts hold up when the imaging changes.

Trains as ``python -m crystal train`` does (features from its cache), then prints, for each of 13
imaging changes, how many of the trained model's verdicts flip and how many leave-one-out verdicts
stay right with the held-out photo changed (:mod:`crystal.model.robustness`). It writes nothing;
``python -m crystal train --robustness`` writes the same table into the model's card.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from crystal.vision.samples import DROPS_DIR

    parser = argparse.ArgumentParser(prog="python -m crystal robustness", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DROPS_DIR)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from crystal.model.features import FeatureCache
    from crystal.model.robustness import run_with_robustness
    from crystal.model.training import train

    progress = partial(print, flush=True)
    try:
        run_with_robustness(train([args.data_dir], cache=FeatureCache(), progress=progress), progress)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
