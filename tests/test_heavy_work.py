"""The heavy-work queue on its own, with threads standing in for visitors: order, bound, leaving, failing."""
import threading
import time

from ui.heavy_work import HeavyWorkQueue


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


def _swallow(function, *args):
    try:
        function(*args)
    except RuntimeError:
        pass
