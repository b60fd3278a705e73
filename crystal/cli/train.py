"""``python -m crystal train FOLDER [FOLDER ...] [--out DIR] [--judge DIR ...] [--robustness]``: train a crystal model.

Each FOLDER holds class folders (gotcrystal/, nocrystal/, ...: :mod:`crystal.model.dataset` has the
rule). The first FOLDER is the base training set (``samples/drops``); further folders are a lab's
own photos, weighted so that together they count as much as the base photos, and the card gives
leave-one-out per folder and per photo. The model folder written to ``--out`` (default: the
shipped ``models/crystal``) holds the head's weights, its card and every training view's features
(:mod:`crystal.model.store`). ``--judge`` folders are only judged, never trained on; their figures
go into the card as another lab's. Features are cached in ``.cache/features/`` by file hash, so a second run is quick.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from crystal.model.store import DEFAULT_MODEL_DIR

    parser = argparse.ArgumentParser(prog="python -m crystal train", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_MODEL_DIR, help="model folder to write (default: %(default)s)"
    )
    parser.add_argument(
        "--judge",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="labelled photos from another lab to judge, never to train on (repeatable)",
    )
    parser.add_argument(
        "--robustness",
        action="store_true",
        help="also judge every photo under 13 imaging changes and write the table into the card",
    )
    parser.add_argument("--no-cache", action="store_true", help="compute every feature again")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from crystal.model.features import FeatureCache
    from crystal.model.store import save_model
    from crystal.model.training import train

    start, progress = time.perf_counter(), partial(print, flush=True)
    try:
        run = train(args.folders, judge=args.judge, cache=None if args.no_cache else FeatureCache(), progress=progress)
    except ValueError as err:  # ImageError is a ValueError; both carry a readable message
        print(f"error: {err}", file=sys.stderr)
        return 2
    card = run.card
    if args.robustness:
        from crystal.model.robustness import run_with_robustness

        card = run_with_robustness(run, progress)
    save_model(args.out, run.model(card))
    loo, calibration = card.evaluation, card.calibration
    print(f"leave-one-out: {loo.figure.words()} right")
    print(
        f"calibrated chances, by leave-one-out over {calibration.after.n} photos: Brier score "
        f"{calibration.before.brier:.3f} -> {calibration.after.brier:.3f}, log-loss "
        f"{calibration.before.log_loss:.3f} -> {calibration.after.log_loss:.3f}"
    )
    for lab in card.other_labs:
        print(
            f"{lab.source}: {lab.figure.words()} right, {lab.unfamiliar} unfamiliar, {lab.wrong_and_very_sure} wrong "
            f"and very sure; Brier {lab.before.brier:.3f} -> {lab.after.brier:.3f}, log-loss "
            f"{lab.before.log_loss:.3f} -> {lab.after.log_loss:.3f}"
        )
    if len(loo.per_folder) > 1:
        print("per folder: " + "; ".join(f"{f.folder}: {f.figure.words()}" for f in loo.per_folder))
    print(f"wrote {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
