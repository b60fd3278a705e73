"""Server-side rerun times of a page, for the load benchmark (``python -m bench.load``) only.

When the environment variable :data:`LOG_VARIABLE` names a file, :func:`page_done` appends one line
per finished run of a page: its name and how long the script took. Otherwise nothing is recorded
and nothing is written.
"""
from __future__ import annotations

import os
import time

LOG_VARIABLE = "CRYSTAL_PAGE_TIMINGS"


def page_started() -> float:
    return time.perf_counter()


def page_done(page: str, started: float) -> None:
    """Record that ``page``'s script ran to its end, ``started`` being :func:`page_started`'s value."""
    log = os.environ.get(LOG_VARIABLE)
    if log:
        with open(log, "a", encoding="utf-8") as file:
            file.write(f"{page}\t{time.perf_counter() - started:.4f}\n")
