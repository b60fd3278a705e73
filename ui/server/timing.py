"""Server-side run times of a page, for the load benchmark (``python -m bench load``) only.

When the environment variable :data:`LOG_VARIABLE` names a file, :func:`page_done` appends one
tab-separated line per finished run of a page, or of a page's fragment on its own: its name;
``open`` for a visitor's first run of it or ``rerun`` for a run after a change; when it started
(seconds since the epoch); how long the script took; and how much of that its thread spent on a
core (the rest it waited: for a core, or for Python's interpreter lock). Otherwise nothing is
recorded and nothing is written.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

LOG_VARIABLE = "CRYSTAL_PAGE_TIMINGS"


@dataclass(frozen=True)
class PageRun:
    page: str
    kind: str  # "open" or "rerun"
    epoch: float
    clock: float
    cpu: float

    @classmethod
    def starting_now(cls, page: str, kind: str) -> PageRun:
        return cls(page, kind, time.time(), time.perf_counter(), time.thread_time())


def page_started(page: str) -> PageRun | None:
    """The start of a run of ``page``, or None when nothing is logged (the usual case: no work then)."""
    if not os.environ.get(LOG_VARIABLE):
        return None
    seen = st.session_state.setdefault("timing_pages_seen", set())
    kind = "rerun" if page in seen else "open"
    seen.add(page)
    return PageRun.starting_now(page, kind)


def fragment_started(page: str) -> PageRun | None:
    """The start of a run of one of ``page``'s fragments on its own (a widget inside it changed, and
    Streamlit reruns only that part): always a rerun. None when the fragment runs as part of the
    whole page, which :func:`page_started` times, or when nothing is logged."""
    context = get_script_run_ctx() if os.environ.get(LOG_VARIABLE) else None
    if context is None or not context.fragment_ids_this_run:
        return None
    return PageRun.starting_now(page, "rerun")


def page_done(run: PageRun | None) -> None:
    """Record that the run :func:`page_started` began has reached the page's end."""
    if run is not None:
        seconds, cpu = time.perf_counter() - run.clock, time.thread_time() - run.cpu
        with open(os.environ[LOG_VARIABLE], "a", encoding="utf-8") as file:
            file.write(f"{run.page}\t{run.kind}\t{run.epoch:.3f}\t{seconds:.4f}\t{cpu:.4f}\n")
