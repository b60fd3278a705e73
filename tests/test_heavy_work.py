"""The heavy-work queue on its own, with threads standing in for visitors: order, bound, leaving, failing."""

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from ui.server.heavy_work import HEAVY_NICENESS, HeavyWorkQueue, give_way_to_the_pages, library_threads, queue, slot


def run_job(line: HeavyWorkQueue, name: str, log: list, hold: float, fail: bool = False) -> None:
    ticket = line.join()
    while line.try_start(ticket, 0.01) is not None:
        pass
    try:
        log.append(("start", name, line.busy[0]))
        time.sleep(hold)
        if fail:
            raise RuntimeError("this visitor's check broke")
    finally:
        log.append(("end", name))
        line.finish()


def test_jobs_start_in_order_and_never_more_than_the_slots_at_once():
    line, log = HeavyWorkQueue(slots=2), []
    threads = []
    for n in range(6):
        threads.append(threading.Thread(target=run_job, args=(line, n, log, 0.05)))
        threads[-1].start()
        time.sleep(0.005)  # they arrive one after the other
    for thread in threads:
        thread.join(5)
    starts = [entry for entry in log if entry[0] == "start"]
    assert [name for _, name, _ in starts] == list(range(6))
    assert max(running for _, _, running in starts) == 2
    assert line.busy == (0, 0)


def test_a_visitor_who_leaves_frees_their_place_and_a_failure_frees_its_slot():
    line, log = HeavyWorkQueue(slots=1), []
    broken = threading.Thread(target=lambda: _swallow(run_job, line, "broken", log, 0.05, True))
    broken.start()
    time.sleep(0.01)
    leaver = line.join()
    assert line.try_start(leaver, 0.01) == 1  # one job ahead: the running one
    line.leave(leaver)
    run_job(line, "next", log, 0.0)
    broken.join(5)
    assert ("end", "broken") in log and ("start", "next", 1) in log and line.busy == (0, 0)


class StoppedHere(Exception):
    """Stands in for the exception Streamlit raises at a page's next call after its visitor left."""


class StatusOfAVisitorWhoLeft:
    def info(self, *args, **kwargs):
        raise StoppedHere

    def empty(self):
        raise StoppedHere


def test_a_visitor_who_leaves_just_as_their_job_starts_frees_the_slot():
    with pytest.raises(StoppedHere), slot("a job nobody waits for", StatusOfAVisitorWhoLeft()):
        raise AssertionError("the job of a visitor who left does not run")
    assert queue().busy == (0, 0)


def _swallow(function, *args):
    with contextlib.suppress(RuntimeError):
        function(*args)


def cpu_ticks(thread: int) -> int:
    """A thread's time on a core so far, in clock ticks (user + system), from the kernel's own count."""
    fields = Path(f"/proc/self/task/{thread}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="thread priorities are Linux's")
def test_heavy_work_gives_way_to_the_pages_on_every_thread_that_does_it():
    import tensorflow as tf

    images, kernels = tf.random.normal((8, 112, 112, 64)), tf.random.normal((3, 3, 64, 64))
    tf.nn.conv2d(images, kernels, 1, "SAME")  # TensorFlow starts its thread pools
    before = {int(task.name): cpu_ticks(int(task.name)) for task in Path("/proc/self/task").iterdir()}
    for _ in range(10):
        tf.nn.conv2d(images, kernels, 1, "SAME").numpy()
    worked = {thread for thread, ticks in before.items() if cpu_ticks(thread) - ticks >= 5}
    caller = threading.get_native_id()
    assert worked - {caller}, "TensorFlow did the work on threads of its own"
    assert worked <= {caller, *library_threads(min_age=0)}  # the kernel's count, not the code under test

    newborn = threading.Thread(target=time.sleep, args=(0.5,))
    newborn.start()
    assert newborn.native_id not in library_threads(min_age=0)  # a page's thread is Python's

    time.sleep(1)  # the pools are now older than library_threads' minimum age
    seen = {}

    def heavy_job():
        give_way_to_the_pages()
        seen["job"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    job = threading.Thread(target=heavy_job)
    job.start()
    job.join(5)
    for thread in worked - {caller}:
        assert os.getpriority(os.PRIO_PROCESS, thread) == HEAVY_NICENESS
    # Python threads keep theirs: the job's own (it holds Python's lock between calls), and the pages'
    assert seen["job"] == 0 and os.getpriority(os.PRIO_PROCESS, caller) == 0
