"""``python -m crystal predict PATH... [--csv] [--model DIR|ZIP] [--output FILE [--resume]]``: one verdict per photo.

A PATH may be a photo or a folder of photos (a plate, say). Each verdict is written as soon as it is
known, with a progress bar on stderr when that is a terminal. ``--csv`` writes ``path,label,p_crystal,unfamiliar``
(``unfamiliar`` is ``yes`` when the photo looks unlike every photo the model learned from);
``--output FILE`` appends those rows to FILE instead of printing, and ``--resume`` then skips the
photos already in it, so an interrupted plate carries on where it stopped. A file that cannot be
read gets one line on stderr (``path: why``), the others are still judged, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

from crystal.model.verdict import CSV_HEADER, csv_fields
from crystal.vision.images import EXTENSIONS, ImageError, image_files, load_rgb


def photo_paths(paths: list[Path]) -> list[Path]:
    """The given paths, each folder replaced by the photos in it (sorted by name)."""
    expanded = []
    for path in paths:
        if path.is_dir():
            expanded += image_files(path)
        else:
            expanded.append(path)
    return expanded


def already_done(output: Path) -> set[str]:
    """Paths that already have a row in a CSV written by ``--output``."""
    if not output.is_file():
        return set()
    with output.open(newline="", encoding="utf-8") as file:
        return {row[0] for row in csv.reader(file) if row and row[0] != CSV_HEADER[0]}


class ProgressBar:
    """``[#####-----] 12/96  0.9 s a photo`` on one line of stderr, redrawn in place; silent when
    stderr is not a terminal, so logs and pipes get only the error lines."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.done, self.start = total, stream, 0, time.perf_counter()
        self.shown = total > 1 and stream.isatty()

    def step(self) -> None:
        self.done += 1
        if self.shown:
            filled = round(20 * self.done / self.total)
            each = (time.perf_counter() - self.start) / self.done
            self.stream.write(f"\r[{'#' * filled}{'-' * (20 - filled)}] {self.done}/{self.total}  {each:.1f} s a photo")
            self.stream.flush()

    def say(self, line: str) -> None:
        """A line of its own (an error), without breaking the bar."""
        self.stream.write(("\r\x1b[K" if self.shown else "") + line + "\n")

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crystal predict", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--csv", action="store_true", help="machine-readable rows: path,label,p_crystal,unfamiliar")
    parser.add_argument("--model", type=Path, default=None, help="model folder or .zip (default: the shipped model)")
    parser.add_argument("--output", type=Path, default=None, help="append CSV rows to this file instead of printing")
    parser.add_argument("--resume", action="store_true", help="with --output: skip photos already in that file")
    args = parser.parse_args(argv)
    if args.resume and args.output is None:
        parser.error("--resume needs --output FILE: the file whose photos are already done")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from crystal.model.predict import load_model
    from crystal.model.store import ModelFileError

    try:
        model = load_model(args.model)
    except ModelFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    done = already_done(args.output) if args.resume else set()
    paths = [p for p in photo_paths(args.paths) if str(p) not in done]
    out = args.output.open("a", newline="", encoding="utf-8") if args.output else sys.stdout
    writer = csv.writer(out, lineterminator="\n") if args.csv or args.output else None
    if writer and not (args.output and args.output.stat().st_size > 0):
        writer.writerow(CSV_HEADER)
    bar, failed = ProgressBar(len(paths)), False
    for folder in (p for p in args.paths if p.is_dir() and not image_files(p)):
        bar.say(f"{folder}: no photos in this folder (.{', .'.join(EXTENSIONS)}; folders inside it are not searched)")
        failed = True
    try:
        for path in paths:
            try:
                rgb = load_rgb(path, name=path.name)
            except ImageError as err:
                bar.say(f"{path}: {err}")
                failed = True
            else:
                prediction = model.predict(rgb, explain=False)
                if writer:
                    writer.writerow(
                        csv_fields(str(path), prediction.label, prediction.p_crystal, prediction.unfamiliar)
                    )
                else:
                    caution = "  (unfamiliar: looks unlike its training photos)" if prediction.unfamiliar else ""
                    out.write(f"{prediction.label:<11} {prediction.p_crystal:6.1%}  {path}{caution}\n")
                out.flush()
            bar.step()
    finally:
        bar.close()
        if args.output:
            out.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
