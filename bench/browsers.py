"""The load benchmark's check on its own clock: a few headless Chromium visitors beside as many
protocol visitors (``python -m bench load --chromium N``).

Both do the same things at the same time on the same server: change the playground's padding or
stride, and switch the feature-map page between its first and last layer (one key each in the
browser: Home, End). A browser's time runs from the key press to the new grid or caption on screen
with the script finished and every picture loaded; the protocol client's from the request to the
run's last message. The difference is what the protocol client leaves out: drawing the page.
"""

from __future__ import annotations

import asyncio
import random
import time

from bench.load import Tally, changing_visitor, failing_loudly, logged_runs, quantiles, server_runs
from bench.students import FeatureMapStudent, PlaygroundStudent, output_side, think
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PAGE_STATE

ENDS = ("block1_conv1", "block5_pool")  # the feature-map layers one key reaches: Home and End
TIMEOUT_MS = 300_000


async def idle(tab) -> None:
    """The script has finished and everything it sent is drawn (pictures loaded, no placeholders)."""
    while True:
        running, connection, drawn, _ = await tab.evaluate(PAGE_STATE)
        if running == "notRunning" and connection == "CONNECTED" and drawn:
            return
        await asyncio.sleep(0.02)


async def browser_playground(context, url: str, student: PlaygroundStudent, deadline: float, tally: Tally) -> None:
    tab = await context.new_page()
    await tab.goto(f"{url}/{student.page}", timeout=TIMEOUT_MS)
    await idle(tab)
    labels = {"conv_padding": "Zero padding", "conv_stride": "Stride"}
    while time.monotonic() + (pause := think(student.rng)) < deadline:
        await asyncio.sleep(pause)
        key, value = student.next_change()
        side = output_side(student.settings["conv_padding"], student.settings["conv_stride"])
        box = tab.get_by_role("spinbutton", name=labels[key], exact=True)
        await box.fill(str(value))
        start = time.perf_counter()
        await box.press("Enter")
        await tab.get_by_text(f"Output {side}×{side}", exact=True).wait_for(timeout=TIMEOUT_MS)
        await idle(tab)
        tally.add(student.kind, time.perf_counter() - start)


async def browser_layers(context, url: str, student: FeatureMapStudent, deadline: float, tally: Tally) -> None:
    tab = await context.new_page()
    await tab.goto(f"{url}/{student.page}", timeout=TIMEOUT_MS)
    await idle(tab)
    slider = tab.get_by_test_id("stSlider").filter(has_text="Layer").get_by_role("slider")
    while time.monotonic() + (pause := think(student.rng)) < deadline:
        await asyncio.sleep(pause)
        _, layer = student.next_change()
        await slider.focus()
        start = time.perf_counter()
        await tab.keyboard.press("Home" if layer == ENDS[0] else "End")
        await tab.get_by_text(f"feature maps of {layer}").first.wait_for(timeout=TIMEOUT_MS)
        await idle(tab)
        tally.add(student.kind, time.perf_counter() - start)


def pair(n: int, seed: int, who: str):
    """The ``n``-th visitor of the check: playground and feature-map students in turn, seeded alike
    for the browser and the protocol twin (``who`` tells their generators apart)."""
    rng = random.Random(f"{seed}:chromium:{who}:{n}")
    return PlaygroundStudent(rng) if n % 2 == 0 else FeatureMapStudent(rng, ENDS)


async def side_by_side(url: str, browsers: int, seconds: float, seed: int, log) -> None:
    from playwright.async_api import async_playwright

    seen, heard, mark = Tally(), Tally(), logged_runs(log)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        contexts = [await chromium.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(browsers)]
        deadline = time.monotonic() + seconds
        visits = []
        for n, context in enumerate(contexts):
            student, twin = pair(n, seed, "browser"), pair(n, seed, "protocol")
            drive = browser_playground if isinstance(student, PlaygroundStudent) else browser_layers
            visits += [drive(context, url, student, deadline, seen), changing_visitor(twin, url, deadline, heard)]
        await asyncio.gather(*(failing_loudly(visit, seen) for visit in visits))
        await chromium.close()
    print(
        f"Chromium beside the protocol client: {browsers} browsers and {browsers} protocol visitors, {seconds:.0f} s:"
    )
    for kind, kinds, page in (
        ("playground change", "playground changes", "playground"),
        ("layer switch", "layer switches", "feature maps"),
    ):
        print(f"  {kinds}: in Chromium, key to screen: {quantiles(seen.actions.get(kind, []))}")
        print(f"    protocol client, change to last message: {quantiles(heard.actions.get(kind, []))}")
        if log:
            print(f"    on the server (both): {quantiles(server_runs(log, mark, page, 'rerun'))}")
    for line in seen.wrong + heard.wrong:
        print(f"  !!! {line}")
