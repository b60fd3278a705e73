"""``python -m bench load [--visitors 30] [--seconds 120] [--waves 3] [--browsers-yield] [--url URL]``:
a whole class on one server.

Starts ``streamlit run app.py`` on a loopback port (or uses the server at ``--url``, a container for
example, whose run times and memory it then cannot read) and sends waves of visitors at it, each a
Playwright context in one headless Chromium on the same machine, so the browsers share the server's
cores. By default they compete with it as equals (pessimistic: Chromium even raises its own
priority); with ``--browsers-yield`` they run at Linux's lowest CPU priority and get only what the
server leaves, which comes closer to a class whose browsers are on their own machines (they then
click less often while the server is busy: the counts are printed). A wave's visitors are split
three ways and keep at it for ``--seconds``:

- a third check one drop each on the crystal-check page (the verdict must match the drop's label);
- a third change the playground's zero padding again and again (the output grid must have the size
  the padding gives), timing each change from the click to the new grid on screen;
- a third switch the feature-map page between layers (each layer's caption must appear).

It prints, next to the same figures for one playground visitor and then one feature-map visitor
alone, the playground's median and 95th-percentile rerun time on the server after a change (from
the page's own timings, :mod:`ui.server.timing`; page opens are shown apart) and from click to screen, the
feature-map page's run times, how long the crystal checks took, and the server's memory after each
wave. A process outside the server watches for moments when the whole machine stood still
(:mod:`bench.stalls`); the playground's reruns that none touched are shown apart as well. Run it by
hand after ``pip install -r requirements-dev.txt``; it is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from bench import stalls
from bench.pages import _unseen_copy, serve
from crystal.vision.samples import labelled_drops
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PAGE_STATE, resident_bytes
from ui.server.timing import LOG_VARIABLE

ROOT = Path(__file__).resolve().parents[1]

RERUN_P95_GOAL, WAVE_GROWTH_GOAL = 0.5, 128 * 2**20
LAYERS = ("block1_conv1", "block3_conv3", "block5_pool")  # reached with Home, Home + 8 steps, End
VERDICTS = ("💎 Crystal", "🫧 No crystal")
TIMEOUT_MS = 600_000  # a check queued behind nine others on a busy 2-core server may take minutes


async def idle(tab) -> None:
    """The script has finished and the page is drawn (a short version of the tests' wait_for_idle)."""
    while True:
        running, connection, drawn, _ = await tab.evaluate(PAGE_STATE)
        if running == "notRunning" and connection == "CONNECTED" and drawn:
            return
        await asyncio.sleep(0.1)


async def crystal_visitor(context, url: str, drop, copy: int, deadline: float, results: dict) -> None:
    """Checks ``drop``, a copy with one pixel changed (``copy`` says which), so no cache knows it."""
    tab = await context.new_page()
    await tab.goto(f"{url}/Crystal_check", timeout=TIMEOUT_MS)
    await idle(tab)
    await tab.get_by_test_id("stRadio").filter(has_text="Image source").get_by_text("Upload", exact=True).click()
    label = tab.get_by_test_id("stWidgetLabel").filter(has_text="Upload images")
    box = tab.get_by_test_id("stFileUploader").filter(has=label).locator('input[type="file"]')
    await box.wait_for(state="attached", timeout=TIMEOUT_MS)
    start = time.perf_counter()
    photo = _unseen_copy(drop.path, copy)
    await box.set_input_files([{"name": drop.path.name, "mimeType": "image/jpeg", "buffer": photo}])
    await tab.get_by_role("heading", name=drop.path.name).wait_for(timeout=TIMEOUT_MS)  # the upload's own section
    await idle(tab)
    results["checks"].append(time.perf_counter() - start)
    expected = "💎 Crystal" if drop.label == "crystal" else "🫧 No crystal"  # a drop the model learned from
    shown = [h.strip() for h in await tab.get_by_role("heading").all_inner_texts() if h.strip() in VERDICTS]
    assert shown == [expected], f"{drop.path.name}: {shown}, expected {expected}"


async def playground_visitor(context, url: str, deadline: float, results: dict) -> None:
    tab = await context.new_page()
    await tab.goto(f"{url}/Convolution_and_pooling", timeout=TIMEOUT_MS)
    await idle(tab)
    box = tab.get_by_role("spinbutton", name="Zero padding")
    padding = 1
    while time.monotonic() < deadline:
        padding = (padding + 1) % 3
        side = 3 + 2 * padding  # the classic 5x5 picture, a 3x3 kernel, stride 1
        start = time.perf_counter()
        await box.fill(str(padding))
        await box.press("Enter")
        await tab.get_by_text(f"Output {side}×{side}", exact=True).wait_for(timeout=TIMEOUT_MS)
        await idle(tab)
        results["clicks"].append(time.perf_counter() - start)


async def feature_map_visitor(context, url: str, deadline: float, results: dict) -> None:
    tab = await context.new_page()
    await tab.goto(f"{url}/Feature_maps", timeout=TIMEOUT_MS)
    await idle(tab)
    n = 0
    while time.monotonic() < deadline:
        layer = LAYERS[n % len(LAYERS)]
        slider = tab.get_by_test_id("stSlider").filter(has_text="Layer")
        await slider.get_by_role("slider").focus()
        await tab.keyboard.press("End" if layer == LAYERS[2] else "Home")
        if layer == LAYERS[1]:
            for _ in range(8):  # block1_conv1 ... block3_conv3 is eight steps along
                await tab.keyboard.press("ArrowRight")
        await tab.get_by_text(f"feature maps of {layer}").first.wait_for(timeout=TIMEOUT_MS)
        await idle(tab)
        results["layers"] += 1
        n += 1


async def wave(browser, url: str, visitors: int, seconds: float, results: dict, number: int) -> None:
    deadline = time.monotonic() + seconds
    drops = labelled_drops()
    contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(visitors)]
    jobs = []
    for n, context in enumerate(contexts):
        if n % 3 == 0:
            jobs.append(crystal_visitor(context, url, drops[n % len(drops)], 1000 * number + n, deadline, results))
        elif n % 3 == 1:
            jobs.append(playground_visitor(context, url, deadline, results))
        else:
            jobs.append(feature_map_visitor(context, url, deadline, results))
    await asyncio.gather(*jobs)
    for context in contexts:
        await context.close()


def page_runs(log: Path, since: int, page: str, machine_stalls: list[stalls.Stall] = ()) -> dict[str, list[float]]:
    """A page's run times on the server since line ``since`` of the log, by kind: "open" (a visitor's
    first run of the page) and "rerun" (after a change); "rerun cpu": how much of each rerun its
    thread spent on a core (the rest it waited, for a core or for Python's lock); "rerun clear":
    the reruns that none of ``machine_stalls`` touched."""
    runs = {"open": [], "rerun": [], "rerun cpu": [], "rerun clear": []}
    for line in log.read_text().splitlines()[since:] if log.exists() else []:
        name, kind, start, seconds, cpu = line.split("\t")
        if name == page:
            runs[kind].append(float(seconds))
            if kind == "rerun":
                runs["rerun cpu"].append(float(cpu))
                if not stalls.touched(float(start), float(seconds), machine_stalls):
                    runs["rerun clear"].append(float(seconds))
    return runs


def percentile95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"median {statistics.median(values) * 1000:.0f} ms, 95th percentile {percentile95(values) * 1000:.0f} ms "
        f"({len(values)} runs)"
    )


def yield_to_the_server() -> None:
    """From now on, this process and the browsers it starts run at Linux's lowest CPU priority
    (SCHED_IDLE): they get only what the server leaves, as if they were on machines of their own.
    Call :func:`lower_the_browsers_groups` once the browser has started."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def lower_the_browsers_groups() -> int:
    """Give the sessions this process's children started (Chromium starts one of its own) the
    lowest weight, niceness 19, in Linux's autogroups, and return how many there were. Where
    autogroups are on (most distributions), the scheduler first shares the cores between sessions
    as equals and only then between the processes in each, so SCHED_IDLE alone ranks the browsers
    only among themselves: against the server they would still get half the cores."""
    parents, sessions = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(stat.parent.name)], sessions[int(stat.parent.name)] = int(fields[1]), int(fields[3])
    ours, lowered = os.getsid(0), set()
    for pid in parents:
        ancestor = parents[pid]
        while ancestor not in (0, 1, os.getpid()):
            ancestor = parents.get(ancestor, 0)
        if ancestor == os.getpid() and sessions[pid] != ours and sessions[pid] not in lowered:
            try:
                Path(f"/proc/{pid}/autogroup").write_text("19")
                lowered.add(sessions[pid])
            except OSError:  # no autogroups here: SCHED_IDLE alone then does it
                pass
    return len(lowered)


def runs_line(runs: dict[str, list[float]]) -> str:
    cpu = f" (on a core: median {statistics.median(runs['rerun cpu']) * 1000:.0f} ms)" if runs["rerun cpu"] else ""
    return f"reruns after a change {quantiles(runs['rerun'])}{cpu}; page opens {quantiles(runs['open'])}"


def stalls_line(machine_stalls: list[stalls.Stall], runs: dict[str, list[float]]) -> str:
    if not machine_stalls:
        return "  the machine never stood still (as seen from outside the server)"
    longest = max(end - start for start, end in machine_stalls)
    return (
        f"  the whole machine stood still {len(machine_stalls)} times (longest {longest * 1000:.0f} ms, seen from "
        f"outside the server); playground reruns none of them touched: {quantiles(runs['rerun clear'])}"
    )


def logged_runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def memory_line(memory: list[int]) -> str:
    return (
        f"; server memory {memory[-1] / 2**20:.0f} MB ({(memory[-1] - memory[-2]) / 2**20:+.0f} MB)" if memory else ""
    )


async def main_async(visitors: int, seconds: float, waves: int, browsers_yield: bool, url: str | None) -> int:
    from playwright.async_api import async_playwright

    log = Path(tempfile.mkdtemp()) / "timings.tsv"
    stall_log = log.with_name("stalls.tsv")
    os.environ[LOG_VARIABLE] = str(log)
    with serve() if url is None else nullcontext((url, None)) as (url, pid), stalls.watch(stall_log):
        if browsers_yield:
            yield_to_the_server()
        print(
            "browsers "
            + ("at the lowest CPU priority (SCHED_IDLE)" if browsers_yield else "at the same priority as the server")
            + f", on the server's {os.cpu_count()} cores",
            flush=True,
        )
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            if browsers_yield:
                print(
                    f"  and the sessions Chromium started for itself ({lower_the_browsers_groups()}) at the lowest "
                    "weight among Linux's autogroups",
                    flush=True,
                )
            await wave(browser, url, 3, 20, {"checks": [], "clicks": [], "layers": 0}, 0)  # warm: models loaded
            await asyncio.sleep(5)
            alone = {"checks": [], "clicks": [], "layers": 0}
            mark = logged_runs(log)
            for visitor in (playground_visitor, feature_map_visitor):
                context = await browser.new_context(viewport={"width": 1400, "height": 1000})
                await visitor(context, url, time.monotonic() + 20, alone)
                await context.close()
            print(
                f"no load, one playground visitor: server {runs_line(page_runs(log, mark, 'playground'))}; "
                f"click to screen {quantiles(alone['clicks'])}",
                flush=True,
            )
            print(
                f"  then one feature-map visitor: server {runs_line(page_runs(log, mark, 'feature maps'))}", flush=True
            )
            memory = [resident_bytes(pid)] if pid else []  # a server started elsewhere: its memory is not read
            for n in range(1, waves + 1):
                results = {"checks": [], "clicks": [], "layers": 0}
                mark, started = logged_runs(log), time.time()
                await wave(browser, url, visitors, seconds, results, n)
                memory += [resident_bytes(pid)] if pid else []
                machine_stalls = stalls.read(stall_log, since=started)
                runs = page_runs(log, mark, "playground", machine_stalls)
                print(
                    f"wave {n}: {visitors} visitors for {seconds:.0f} s: playground on the server: {runs_line(runs)}; "
                    f"click to screen {quantiles(results['clicks'])}; {len(results['checks'])} crystal checks "
                    f"all right, {quantiles(results['checks'])}; {results['layers']} layer switches"
                    f"{memory_line(memory)}",
                    flush=True,
                )
                print(
                    f"  feature-map page on the server: {runs_line(page_runs(log, mark, 'feature maps'))}", flush=True
                )
                print(stalls_line(machine_stalls, runs), flush=True)
                if runs["rerun"]:
                    verdicts = [
                        f"{'reached' if percentile95(runs[kind]) < RERUN_P95_GOAL else 'NOT reached'}{what}"
                        for kind, what in (("rerun", ""), ("rerun clear", " on the reruns no stall touched"))
                        if runs[kind] and (kind == "rerun" or machine_stalls)
                    ]
                    print(
                        f"  goal: 95th percentile rerun under {RERUN_P95_GOAL * 1000:.0f} ms: {'; '.join(verdicts)}",
                        flush=True,
                    )
            if memory:
                growth = memory[-1] - memory[-2]
                print(
                    f"memory: {' -> '.join(f'{m / 2**20:.0f} MB' for m in memory)}; the last wave added "
                    f"{growth / 2**20:.0f} MB (goal under {WAVE_GROWTH_GOAL / 2**20:.0f} MB: "
                    f"{'reached' if growth < WAVE_GROWTH_GOAL else 'NOT reached'})"
                )
            await browser.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120, help="how long each wave keeps at it")
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument(
        "--browsers-yield",
        action="store_true",
        help="run the browsers at the lowest CPU priority, so that the server's figures come close "
        "to those of a class whose browsers are on their own machines",
    )
    parser.add_argument(
        "--url",
        help="send the visitors to a server already running there (a container, another "
        "machine) instead of starting one; its run times and memory are then not read",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("error: the load benchmark needs /usr/bin/chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    return asyncio.run(main_async(args.visitors, args.seconds, args.waves, args.browsers_yield, args.url))


if __name__ == "__main__":
    sys.exit(main())
