"""``python -m crystal predict PATH... [--csv] [--model DIR|ZIP] [--output FILE [--resume]]``: one verdict per photo.

A PATH may be a photo or a folder of photos (a plate, say). Each verdict is written as soon as it is
known, with a progress bar on stderr when that is a terminal. ``--csv`` writes
``path,label,p_crystal,unfamiliar,sure``: the calibrated chance of a crystal, ``unfamiliar`` is
``yes`` when the photo looks unlike every photo the model learned from, and ``sure`` is ``very``,
``fairly`` or ``not``, as the page words it (:func:`crystal.model.verdict.sureness`).
``--output FILE`` appends those rows to FILE instead of printing, and ``--resume`` then skips the
photos already in it, so an interrupted plate carries on where it stopped.

A file that cannot be read gets one line on stderr (the path and why), the other files are still
judged, and the exit code is 1; nothing else is written on stderr (TensorFlow's start-up lines and
the libraries' warnings are held back). Bad arguments, a model that cannot be read and an output
file that cannot be used stop it before any photo is judged, with exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from crystal.model.verdict import CSV_HEADER, SURE_WORDS, csv_fields
from crystal.numbers import chance_text
from crystal.vision.images import EXTENSIONS, ImageError, image_files, load_rgb

MAX_CSV_FIELD = 64 * 1024
"""No field of a CSV this command writes comes near this; a longer one means the file is not ours."""
TRAIN_HINT = "train one with: python -m crystal train samples/drops --out DIR"


class OutputError(ValueError):
    """An ``--output`` file that cannot be appended to safely; ``str(err)`` says why."""


def photo_paths(paths: list[Path]) -> list[Path]:
    """The given paths, each folder replaced by the photos in it (sorted by name)."""
    expanded = []
    for path in paths:
        if path.is_dir():
            expanded += image_files(path)
        else:
            expanded.append(path)
    return expanded


def already_done(output: Path) -> set[Path]:
    """The photos (resolved paths) that already have a row in a CSV written by ``--output``;
    OutputError when the file is not such a CSV, so it is never appended to blindly."""
    if not output.is_file() or output.stat().st_size == 0:
        return set()
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_CSV_FIELD)
        with output.open(newline="", encoding="utf-8") as file:
            table = list(csv.reader(file, strict=True))
    except (UnicodeDecodeError, csv.Error) as err:
        raise OutputError(f"{output} is not a CSV this command wrote ({err}); give another --output file") from None
    finally:
        csv.field_size_limit(limit)
    if not table or tuple(table[0]) != CSV_HEADER:
        raise OutputError(f"{output} has other columns than {','.join(CSV_HEADER)}; give another --output file")
    if any(len(row) != len(CSV_HEADER) for row in table[1:]):
        raise OutputError(f"{output} has damaged rows (not {len(CSV_HEADER)} fields each); give another --output file")
    return {Path(row[0]).resolve() for row in table[1:]}


def open_output(output: Path):
    """``output`` opened for appending whole rows: the header first if it is new, a newline first if
    its last row lacks one; OutputError when it cannot be written."""
    if output.is_dir():
        raise OutputError(f"{output} is a folder; give a file name for --output")
    if not output.parent.is_dir():
        raise OutputError(f"{output.parent} does not exist; make the folder first, or give another --output file")
    try:
        ends_in_newline = True
        if output.is_file() and output.stat().st_size:
            with output.open("rb") as existing:
                existing.seek(-1, os.SEEK_END)
                ends_in_newline = existing.read(1) == b"\n"
        file = output.open("a", newline="", encoding="utf-8")
    except OSError as err:
        raise OutputError(f"{output} cannot be written ({err.strerror or err})") from None
    if not ends_in_newline:
        file.write("\n")
    if file.tell() == 0:
        csv.writer(file, lineterminator="\n").writerow(CSV_HEADER)
    return file


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
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")


@contextmanager
def quiet_stderr():
    """Hold back what libraries write straight to the process's stderr (TensorFlow's C++ start-up
    lines come before any setting can silence them), so stderr keeps one line per bad file."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crystal predict", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--csv", action="store_true", help="machine-readable rows: " + ",".join(CSV_HEADER))
    parser.add_argument("--model", type=Path, default=None, help="model folder or .zip (default: the shipped model)")
    parser.add_argument("--output", type=Path, default=None, help="append CSV rows to this file instead of printing")
    parser.add_argument("--resume", action="store_true", help="with --output: skip photos already in that file")
    args = parser.parse_args(argv)
    if args.resume and args.output is None:
        parser.error("--resume needs --output FILE: the file whose photos are already done")
    warnings.simplefilter("ignore")  # a bad file gets its own one-line message; library warnings and logs
    logging.disable(logging.CRITICAL)  # (tifffile's, say) add nothing to it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        done = already_done(args.output) if args.resume else set()
        out = open_output(args.output) if args.output else sys.stdout
    except OutputError as err:
        print(f"error: {err}.", file=sys.stderr)
        return 2
    try:
        return judge_all(args, done, out)
    finally:
        if args.output:
            out.close()


def judge_all(args: argparse.Namespace, done: set[Path], out) -> int:
    from crystal.model.predict import load_model
    from crystal.model.store import ModelFileError

    try:
        with quiet_stderr():
            model = load_model(args.model)
    except ModelFileError as err:
        hint = f" ({TRAIN_HINT})" if args.model is not None else ""
        print(f"error: {err}{hint}", file=sys.stderr)
        return 2
    paths = [p for p in photo_paths(args.paths) if p.resolve() not in done]
    writer = csv.writer(out, lineterminator="\n") if args.csv or args.output else None
    if writer and not args.output:
        writer.writerow(CSV_HEADER)
    bar, failed = ProgressBar(len(paths)), False
    for folder in (p for p in args.paths if p.is_dir() and not image_files(p)):
        bar.say(f"{folder}: no photos in this folder (.{', .'.join(EXTENSIONS)}; folders inside it are not searched)")
        failed = True
    try:
        for path in paths:
            try:
                prediction = model.predict(load_rgb(path, name=str(path)), explain=False)
            except ImageError as err:
                bar.say(str(err))  # it names the path
                failed = True
            else:
                p, sure = prediction.p_crystal, prediction.sure
                if writer:
                    writer.writerow(csv_fields(str(path), prediction.label, p, prediction.unfamiliar, sure))
                else:
                    caution = "  (unfamiliar: looks unlike its training photos)" if prediction.unfamiliar else ""
                    out.write(f"{prediction.label:<11} {chance_text(p):>6}  {SURE_WORDS[sure]:<12} {path}{caution}\n")
                out.flush()
            bar.step()
    finally:
        bar.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
