"""One bounded queue per server for the heavy work: backbone passes, Grad-CAM and crystal re-fits.

A crystal check keeps the cores busy for a second or two; thirty visitors pressing it at once would
make every page wait behind them. So heavy work runs through :func:`slot`: at most :data:`SLOTS`
jobs at a time, the others wait their turn in order, and a waiting visitor sees plainly where they
stand. The playground and the tiny CNN never come here: their work takes milliseconds.

While a visitor waits, their script polls the queue and redraws its status every
:data:`POLL_SECONDS`; that is also when Streamlit stops it if they leave, reload or change
something, so their place is given up at once. A job that fails frees its slot all the same.

A running job keeps every core busy, and the light pages' reruns would share the cores with it as
equals. So the libraries' worker threads that do a job's arithmetic run at a lower CPU priority
(:func:`give_way_to_the_pages`): the pages' threads take a core from them at once, and they still
have every core nobody else wants. The job's own Python thread keeps its priority: it holds
Python's lock between calls, and at a lower priority it would hold it for longer while every
page's thread waited.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

SLOTS = max(1, (os.cpu_count() or 2) // 2)
"""Heavy jobs at a time: half the cores (one on a 2-core server), since one backbone pass already
spreads over every core; the other half stays free for the light pages."""
POLL_SECONDS = 0.5
HEAVY_NICENESS = 10
"""Linux niceness of the library threads doing heavy work: at 10, a thread gets about a tenth of the
share of a page's thread (niceness 0) when both want the same core."""


class HeavyWorkQueue:
    """First come, first served: a job starts when it is first in line and a slot is free."""

    def __init__(self, slots: int = SLOTS):
        self.slots = slots
        self._running = 0
        self._waiting: deque[object] = deque()
        self._changed = threading.Condition()

    def join(self) -> object:
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
        return ticket

    def try_start(self, ticket: object, wait: float) -> int | None:
        """Start ``ticket``'s job if it is its turn (returns None); otherwise wait up to ``wait``
        seconds for a change and return how many jobs are ahead of it (running or waiting)."""
        with self._changed:
            if self._waiting[0] is ticket and self._running < self.slots:
                self._waiting.popleft()
                self._running += 1
                return None
            self._changed.wait(wait)
            return self._running + self._waiting.index(ticket)

    def leave(self, ticket: object) -> None:
        """A waiting visitor gives up their place."""
        with self._changed:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
                self._changed.notify_all()

    def finish(self) -> None:
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    @property
    def busy(self) -> tuple[int, int]:
        """(running, waiting) right now."""
        with self._changed:
            return self._running, len(self._waiting)


@st.cache_resource
def queue() -> HeavyWorkQueue:
    """The server's one queue, shared by every visitor."""
    return HeavyWorkQueue()


@contextmanager
def slot(what: str, status=None) -> Iterator[None]:
    """Run the block as one heavy job: wait for a free slot first, showing the place in the queue in
    ``status`` (an ``st.empty()``). A caller that queues only sometimes (on a cache miss) should make
    ``status`` every time: an element that exists in some runs only moves everything after it, and
    Streamlit then draws those afresh (an open expander closes)."""
    line, status = queue(), status if status is not None else st.empty()
    ticket = line.join()
    try:
        while (ahead := line.try_start(ticket, POLL_SECONDS)) is not None:
            status.info(
                f"⏳ Waiting for the server: {ahead} heavy job{'s' if ahead != 1 else ''} (crystal checks, "
                f"VGG16 passes) {'is' if ahead == 1 else 'are'} ahead of yours ({what}). "
                "The rest of the page works meanwhile.",
                icon="⏳",
            )
    except BaseException:  # the visitor left, reloaded or changed something: give the place up
        line.leave(ticket)
        raise
    try:  # the slot is taken: from here on, whatever happens frees it (Streamlit may stop the run at any call)
        status.empty()
        give_way_to_the_pages()
        yield
    finally:
        line.finish()


def give_way_to_the_pages() -> None:
    """Lower the CPU priority of the libraries' worker threads to :data:`HEAVY_NICENESS` (once for
    each: a thread keeps its niceness). Elsewhere than on Linux, nothing happens."""
    for thread in library_threads():
        try:
            if os.getpriority(os.PRIO_PROCESS, thread) < HEAVY_NICENESS:
                os.setpriority(os.PRIO_PROCESS, thread, HEAVY_NICENESS)
        except (OSError, AttributeError):  # gone meanwhile, or not Linux
            pass


def library_threads(min_age: float = 1.0) -> list[int]:
    """The native ids of this process's threads that Python did not start: the pools in which
    TensorFlow (and OpenBLAS) do their arithmetic; the pages' own work all runs on Python threads.
    A thread younger than ``min_age`` seconds is left out: Python may be starting it (a page's
    rerun), not yet known to :mod:`threading`. Empty where ``/proc`` is missing."""
    python_threads = {thread.native_id for thread in threading.enumerate()}
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    try:
        born_before = (float(Path("/proc/uptime").read_text().split()[0]) - min_age) * ticks_per_second
        tasks = list(Path("/proc/self/task").iterdir())
    except OSError:
        return []
    threads = []
    for task in tasks:
        try:
            started = int((task / "stat").read_text().rsplit(")", 1)[1].split()[19])  # ticks after boot
        except OSError:  # the thread ended meanwhile
            continue
        if int(task.name) not in python_threads and started < born_before:
            threads.append(int(task.name))
    return threads
