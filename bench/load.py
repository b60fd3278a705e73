"""``python -m bench load [--visitors 30] [--waves 3] [--seconds 120] [--seed 0] [--chromium N] [--url URL]``:
a whole class on one server.

Starts ``streamlit run app.py`` on a loopback port (or uses the loopback server at ``--url``, a
container for example, whose run times and memory it then cannot read) and sends waves of simulated
students at it. Each is a real Streamlit session held by :mod:`bench.streamlit_client`, which speaks
the browser's protocol over the websocket without drawing anything, run as a Locust user (a custom
``User`` class; Locust's gevent runs them all in this one process). So the whole class costs this
process a few percent of one core and the server keeps its cores, as with students on machines of
their own. A wave's visitors are split three ways (:mod:`bench.students`): a third change the
playground's settings, a third switch the feature-map page's layers, a third check a drop photo
new to the server and then look at the result's three views. Each thinks 1-5 s (uniform, seeded)
before every action, for ``--seconds``, and every answer is checked (the output grid's size, the
layer's maps, the verdict against the drop's label). An action under way when the time is up is
finished: every check must finish.

Per wave it prints: each action's time from the change to its last message back at the client;
the crystal checks' time queued and running; the pages' runs on the server, from its own timing log
(:mod:`ui.server.timing`); the server's memory; this process's own CPU share; and whether the goal
held: a 95th percentile under 0.5 s on at least 300 playground changes, and a third wave that adds
under 128 MB. A process outside the server watches for moments when the whole machine stood still
(:mod:`bench.stalls`). With ``--chromium N``, N headless Chromium visitors then do the same
playground changes and layer switches beside N protocol visitors, so that the two clocks can be
compared (:mod:`bench.browsers`). Run it after ``pip install -r requirements-dev.txt``; it is a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import gevent
import locust  # patches the standard library with gevent, before the imports below use it
from locust import User, task
from locust.env import Environment

from bench import stalls
from bench.app_server import resident_bytes, serve
from bench.streamlit_client import Run, StreamlitClient, is_loopback
from bench.students import THINK_SECONDS, CrystalStudent, FeatureMapStudent, PhotoBox, PlaygroundStudent, think
from ui import site
from ui.server.timing import LOG_VARIABLE

RERUN_P95_GOAL, MIN_CHANGES, WAVE_GROWTH_GOAL = 0.5, 300, 128 * 2**20
PAGES = tuple(page.timing for page in (site.PLAYGROUND, site.FEATURE_MAPS, site.CRYSTAL_CHECK))  # as the log names them
TIMEOUT = 600  # seconds: a check queued behind a hundred others on a 2-core server may take minutes


@dataclass
class Tally:
    """What one wave's (or phase's) visitors saw."""

    actions: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds to the last message
    queued: list[float] = field(default_factory=list)  # crystal checks: waiting for the heavy-work queue
    wrong: list[str] = field(default_factory=list)  # wrong answers and failed visitors

    def add(self, kind: str, seconds: float, wrong: str | None = None) -> None:
        self.actions.setdefault(kind, []).append(seconds)
        if wrong:
            self.wrong.append(wrong)


def percentile95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def quantiles(values: list[float], unit: str = "ms") -> str:
    """``n, median X, 95th percentile Y`` in ms (or s)."""
    if not values:
        return "none"
    scale, digits = (1000, 0) if unit == "ms" else (1, 1)
    return (
        f"{len(values)}, median {statistics.median(values) * scale:.{digits}f} {unit}, "
        f"95th percentile {percentile95(values) * scale:.{digits}f} {unit}"
    )


class Student(User):
    """A student as a Locust user: one Streamlit session, opened on start; each task is one action,
    the wait between two is the student's think time. Each wave makes subclasses that carry its
    tally, photos, seed and how many of each kind (:func:`cohort`)."""

    abstract = True
    student_class: type = PlaygroundStudent
    tally: Tally
    photos: Photos | None = None
    seed, wave = 0, 0
    numbers = itertools.count()

    def wait_time(self) -> float:
        return think(self.student.rng)

    def on_start(self) -> None:
        self.student = self.make_student(next(self.numbers))
        self.client = None
        try:
            self.client = StreamlitClient.connect(self.host, timeout=TIMEOUT)
            self.record(f"{self.student.page} open", self.client.open(self.student.page))
            self.prepare()
        except Exception as err:  # every failure is reported, none stops the others
            self.failed(err)
        self.wait()  # the first action, too, comes after a think

    def make_student(self, number: int):
        """The wave's ``number``-th student of this kind, with a generator seeded by both."""
        return self.student_class(random.Random(f"{self.seed}:{self.wave}:{self.role}:{number}"))

    @property
    def role(self) -> str:
        return self.student_class.role

    def prepare(self) -> None:
        """What the student does once the page is open, before the first action."""

    def on_stop(self) -> None:
        if self.client is not None:
            self.client.close()

    @task
    def act(self) -> None:
        if self.client is None:
            return
        try:
            self.action()
        except Exception as err:
            self.failed(err)
            self.client = None

    def action(self) -> None:
        key, value = self.student.next_change()
        run = self.client.set(key, value)
        self.record(self.student.kind, run, self.student.wrong(run))
        self.client.fetch_media(run)

    def record(self, kind: str, run: Run, wrong: str | None = None) -> None:
        """Count an action in the wave's tally and in Locust's own statistics."""
        self.tally.add(kind, run.seconds, wrong)
        self.environment.events.request.fire(
            request_type="streamlit",
            name=kind,
            response_time=run.seconds * 1000,
            response_length=len(run.messages),
            exception=AssertionError(wrong) if wrong else None,
            context={},
        )

    def failed(self, err: Exception) -> None:
        self.tally.wrong.append(f"a {self.role} visitor failed: {type(err).__name__}: {err}")


class PlaygroundUser(Student):
    abstract, student_class = True, PlaygroundStudent


class FeatureMapUser(Student):
    abstract, student_class = True, FeatureMapStudent


class CrystalUser(Student):
    """Switches the crystal check to uploads, checks one new photo, then looks at its result's views."""

    abstract, student_class = True, CrystalStudent

    def prepare(self) -> None:
        self.client.set(*self.student.setup)

    def action(self) -> None:
        if self.student.checked is not None:
            run = self.client.set(*self.student.next_change())
            self.record(self.student.view_kind, run, self.student.wrong_view(run))
        else:
            photo = self.student.checked = self.photos.take()
            run = self.client.upload(self.student.uploader, photo.name, photo.data, "image/jpeg")
            self.record(self.student.kind, run, self.student.wrong(run, photo))
            self.tally.queued.append(self.student.queued(run))
        self.client.fetch_media(run)


def users(kind: type[Student], count: int, tally: Tally, photos: Photos | None, seed: int, wave: int) -> type:
    """``count`` users of ``kind`` for one wave, sharing its tally and photos."""
    shared = {"tally": tally, "photos": photos, "seed": seed, "wave": wave, "numbers": itertools.count()}
    return type(kind.__name__, (kind,), {"abstract": False, "fixed_count": count, **shared})


def cohort(visitors: int, seed: int, wave: int, tally: Tally, photos: Photos | None) -> list[type[Student]]:
    """One wave's user classes: a third of ``visitors`` of each kind (crystal checks get the
    remainder first)."""
    counts = [len(range(n, visitors, 3)) for n in range(3)]
    return [
        users(kind, count, tally, photos, seed, wave)
        for kind, count in zip((CrystalUser, PlaygroundUser, FeatureMapUser), counts)
        if count
    ]


def swarm(url: str, user_classes: list[type[Student]], seconds: float) -> None:
    """Run the users for ``seconds``, then stop them: one thinking stops at once, one in the middle
    of an action finishes it first (every check must finish)."""
    environment = Environment(user_classes=user_classes, host=url, stop_timeout=TIMEOUT)
    runner = environment.create_local_runner()
    total = sum(kind.fixed_count for kind in user_classes)
    runner.start(total, spawn_rate=min(total, 100))  # all within a second or so (Locust warns above 100)
    gevent.sleep(seconds)
    runner.stop()
    runner.quit()


def wave(url: str, visitors: int, seconds: float, seed: int, number: int, photos: Photos | None) -> Tally:
    tally = Tally()
    swarm(url, cohort(visitors, seed, number, tally, photos), seconds)
    return tally


class Photos:
    """New photos for one wave, one per crystal-check student, made before it starts so that
    encoding them does not count as the load tool's work (more are made on the spot if need be)."""

    def __init__(self, box: PhotoBox, checkers: int):
        self.box = box
        self.ready = [box.next() for _ in range(checkers)]

    def take(self):
        return self.ready.pop() if self.ready else self.box.next()


def server_runs(log: Path | None, since: int, page: str, kind: str, machine_stalls=()) -> list[float]:
    """Run times of ``page`` of ``kind`` ("open" or "rerun") in the server's log since line ``since``;
    with ``machine_stalls``, only the runs none of them touched."""
    runs = []
    for line in log.read_text().splitlines()[since:] if log and log.exists() else []:
        name, logged_kind, start, seconds, _ = line.split("\t")
        if name == page and logged_kind == kind and not stalls.touched(float(start), float(seconds), machine_stalls):
            runs.append(float(seconds))
    return runs


def logged_runs(log: Path | None) -> int:
    return len(log.read_text().splitlines()) if log and log.exists() else 0


def cpu_share(cpu: float, wall: float) -> str:
    return f"{100 * cpu / wall:.1f} % of a core ({cpu:.1f} s of CPU in {wall:.0f} s)"


def print_client_side(tally: Tally) -> None:
    for kind, kinds in (
        ("playground change", "playground changes"),
        ("layer switch", "layer switches"),
        ("result view", "crystal-check result views (whole page)"),
    ):
        print(f"  {kinds}, change to last message at the client: {quantiles(tally.actions.get(kind, []))}")
    opens = [s for kind, values in tally.actions.items() if kind.endswith(" open") for s in values]
    print(f"  page opens, to the first run's last message: {quantiles(opens)}")
    checks = tally.actions.get("crystal check", [])
    ran = [total - queued for total, queued in zip(checks, tally.queued)]
    print(
        f"  crystal checks, upload to verdict: {quantiles(checks, 's')}; of which queued: "
        f"{quantiles(tally.queued, 's')}; then ran: {quantiles(ran, 's')}"
    )


def print_server_side(log: Path | None, mark: int, machine_stalls: list[stalls.Stall]) -> None:
    if log is None:
        return
    for page in PAGES:
        print(
            f"  on the server, {page}: reruns {quantiles(server_runs(log, mark, page, 'rerun'))}; "
            f"opens {quantiles(server_runs(log, mark, page, 'open'))}"
        )
    if machine_stalls:
        longest = max(end - start for start, end in machine_stalls)
        clear = server_runs(log, mark, site.PLAYGROUND.timing, "rerun", machine_stalls)
        print(
            f"  the whole machine stood still {len(machine_stalls)} times (longest {longest * 1000:.0f} ms, seen from "
            f"outside the server); playground reruns none of them touched: {quantiles(clear)}"
        )
    else:
        print("  the machine never stood still (as seen from outside the server)")


def goal_line(tally: Tally) -> str:
    changes = tally.actions.get("playground change", [])
    held = len(changes) >= MIN_CHANGES and percentile95(changes) < RERUN_P95_GOAL
    p95 = f"95th percentile {percentile95(changes) * 1000:.0f} ms" if changes else "no change"
    return (
        f"  goal (95th percentile of playground changes under {RERUN_P95_GOAL * 1000:.0f} ms, at least {MIN_CHANGES} "
        f"changes): {'held' if held else 'NOT held'} ({len(changes)} changes, {p95})"
    )


def wrong_lines(tally: Tally) -> None:
    checks = len(tally.actions.get("crystal check", []))
    if not tally.wrong:
        print(f"  every answer right; all {checks} crystal checks finished with the right verdict")
        return
    print(f"  !!! {len(tally.wrong)} WRONG ANSWERS OR FAILED VISITORS ({checks} crystal checks finished):")
    for line in tally.wrong[:10]:
        print(f"  !!!   {line}")


def alone(url: str, log: Path | None, seed: int) -> None:
    """One playground student, then one feature-map student, alone on the server for 20 s each."""
    for kind, page in ((PlaygroundUser, site.PLAYGROUND.timing), (FeatureMapUser, site.FEATURE_MAPS.timing)):
        tally, mark = Tally(), logged_runs(log)
        swarm(url, [users(kind, 1, tally, None, seed, 0)], 20)
        action = kind.student_class.kind
        print(
            f"no load, one {kind.student_class.role} student alone for 20 s: each {action} at the client "
            f"{quantiles(tally.actions.get(action, []))}"
            + (f"; on the server {quantiles(server_runs(log, mark, page, 'rerun'))}" if log else ""),
            flush=True,
        )


def side_by_side(url: str, browsers: int, seconds: float, seed: int, log: Path | None) -> None:
    """``browsers`` Chromium visitors (:mod:`bench.browsers`, a process of its own) and as many
    protocol visitors doing the same things at the same time; prints both clocks."""
    from bench.browsers import pair

    class Twin(Student):
        abstract, fixed_count = False, browsers

        def make_student(self, number: int):
            return pair(number, seed, "protocol")

        @property
        def role(self) -> str:
            return "twin"

    Twin.tally, Twin.numbers, mark = Tally(), itertools.count(), logged_runs(log)
    command = [sys.executable, "-m", "bench.browsers", url, str(browsers), str(seconds), str(seed)]
    chromium = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        if chromium.stdout.readline().strip() != "ready":  # its pages are open
            print("!!! the Chromium visitors did not start: see above")
            return
        swarm(url, [Twin], seconds)
        seen = json.loads(chromium.communicate(timeout=TIMEOUT)[0])
    finally:
        if chromium.poll() is None:
            chromium.kill()
    print(
        f"Chromium beside the protocol client: {browsers} browsers and {browsers} protocol visitors, {seconds:.0f} s:"
    )
    for kind, kinds, page in (
        ("playground change", "playground changes", site.PLAYGROUND.timing),
        ("layer switch", "layer switches", site.FEATURE_MAPS.timing),
    ):
        print(f"  {kinds}: in Chromium, key to screen: {quantiles(seen['actions'].get(kind, []))}")
        print(f"    protocol client, change to last message: {quantiles(Twin.tally.actions.get(kind, []))}")
        if log:
            print(f"    on the server (both): {quantiles(server_runs(log, mark, page, 'rerun'))}")
    for line in seen["wrong"] + Twin.tally.wrong:
        print(f"  !!! {line}")


def run_class(args, url: str, pid: int | None, log: Path | None, stall_log: Path) -> int:
    box = PhotoBox(salt=random.SystemRandom().randrange(2**24))  # new to this server, even one run again
    counts = [len(range(n, args.visitors, 3)) for n in range(3)]
    print(
        f"{args.visitors} visitors a wave ({counts[0]} crystal-check, {counts[1]} playground, {counts[2]} feature-map "
        f"students), {args.waves} waves of {args.seconds:.0f} s; think times uniform {THINK_SECONDS[0]:g}-"
        f"{THINK_SECONDS[1]:g} s, seed {args.seed}; Locust {locust.__version__}; the server on {os.cpu_count()} cores",
        flush=True,
    )
    wave(url, 3, 15, args.seed, 0, Photos(box, 1))  # warm: models loaded, pages seen
    alone(url, log, args.seed)
    memory, failed = [resident_bytes(pid)] if pid else [], False
    for number in range(1, args.waves + 1):
        photos = Photos(box, counts[0])
        mark, started, cpu, wall = logged_runs(log), time.time(), time.process_time(), time.perf_counter()
        tally = wave(url, args.visitors, args.seconds, args.seed, number, photos)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        grown = ""
        if pid:
            memory.append(resident_bytes(pid))
            grown = f"; server memory {memory[-1] / 2**20:.0f} MB ({(memory[-1] - memory[-2]) / 2**20:+.0f} MB)"
        print(f"wave {number}: load tool {cpu_share(cpu, wall)}{grown}", flush=True)
        print_client_side(tally)
        print_server_side(log, mark, stalls.read(stall_log, since=started))
        wrong_lines(tally)
        print(goal_line(tally), flush=True)
        failed |= bool(tally.wrong)
    if len(memory) >= 3:
        growth = memory[-1] - memory[-2]
        held = "held" if growth < WAVE_GROWTH_GOAL else "NOT held"
        print(
            f"memory: {' -> '.join(f'{m / 2**20:.0f} MB' for m in memory)}; the last wave added "
            f"{growth / 2**20:.0f} MB (goal under {WAVE_GROWTH_GOAL / 2**20:.0f} MB: {held})"
        )
    if args.chromium:
        side_by_side(url, args.chromium, min(args.seconds, 60), args.seed, log)
    if failed:
        print("!!! NOT EVERY ANSWER WAS RIGHT OR EVERY CHECK FINISHED: see the lines marked !!! above")
    return 1 if failed else 0


def run(args) -> int:
    log = Path(tempfile.mkdtemp()) / "timings.tsv" if args.url is None else None
    stall_log = Path(tempfile.mkdtemp()) / "stalls.tsv"
    if log:
        os.environ[LOG_VARIABLE] = str(log)
    with serve() if args.url is None else nullcontext() as server, stalls.watch(stall_log):
        url, pid = (args.url, None) if server is None else (server.url, server.pid)
        return run_class(args, url, pid, log, stall_log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=30, help="students a wave, a third of each kind")
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=120, help="how long each wave keeps at it")
    parser.add_argument("--seed", type=int, default=0, help="seeds every student's choices and think times")
    parser.add_argument(
        "--chromium", type=int, default=0, metavar="N", help="then N Chromium visitors beside N protocol visitors"
    )
    parser.add_argument(
        "--url",
        help="send the visitors to a server already running on this machine (a container) instead of "
        "starting one; its run times and memory are then not read",
    )
    args = parser.parse_args(argv)
    if args.url is not None and not is_loopback(args.url):
        print(f"error: {args.url} is not on this machine: the load benchmark only loads local servers", file=sys.stderr)
        return 2
    if args.visitors < 1 or args.waves < 1 or args.seconds <= 0:
        print("error: --visitors, --waves and --seconds must be positive", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
