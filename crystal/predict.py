"""``python -m crystal.predict PATH... [--csv]``: one verdict per image, from the shipped model.

With ``--csv`` the output is ``path,label,p_crystal``. A file that cannot be read gets one line on
stderr (``path: why``), the others are still scored, and the exit code is 1.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from crystal.images import ImageError, load_rgb
from crystal.verdict import CSV_HEADER, csv_fields


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crystal.predict", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--csv", action="store_true", help="machine-readable output: path,label,p_crystal")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped models/)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from crystal.classifier import DEFAULT_MODEL_DIR, load_classifier

    try:
        classifier = load_classifier(args.model or DEFAULT_MODEL_DIR)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    writer = csv.writer(sys.stdout, lineterminator="\n") if args.csv else None
    if writer:
        writer.writerow(CSV_HEADER)
    failed = False
    for path in args.paths:
        try:
            rgb = load_rgb(path, name=path.name)
        except ImageError as err:
            print(f"{path}: {err}", file=sys.stderr)
            failed = True
            continue
        prediction = classifier.predict(rgb, explain=False)
        if writer:
            writer.writerow(csv_fields(str(path), prediction.label, prediction.p_crystal))
        else:
            print(f"{prediction.label:<11} {prediction.p_crystal:6.1%}  {path}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
