"""The load benchmark's check on its own clock: a few headless Chromium visitors beside as many
protocol visitors (``python -m bench load --chromium N`` runs this module as a process of its own,
``python -m bench.browsers URL N SECONDS SEED``, since Locust's gevent and Playwright's asyncio do
not share one).

Both do the same things at the same time on the same server: change the playground's padding or
stride, and switch the feature-map page between its first and last layer (one key each in the
browser: Home, End). A browser's time runs from the key press to the new grid or caption on screen
with the script finished and every picture loaded; the protocol client's from the request to the
run's last message. The difference is what the protocol client leaves out: drawing the page.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time

from bench.chromium import CHROMIUM, CHROMIUM_ARGS, PAGE_STATE
from bench.students import FeatureMapStudent, PlaygroundStudent, output_side, think

ENDS = ("block1_conv1", "block5_pool")  # the feature-map layers one key reaches: Home and End
TIMEOUT_MS = 300_000


async def idle(tab) -> None:
    """The script has finished and everything it sent is drawn (pictures loaded, no placeholders)."""
    while True:
        running, connection, drawn, _ = await tab.evaluate(PAGE_STATE)
        if running == "notRunning" and connection == "CONNECTED" and drawn:
            return
        await asyncio.sleep(0.02)


async def opened(context, url: str, student):
    tab = await context.new_page()
    await tab.goto(f"{url}/{student.page}", timeout=TIMEOUT_MS)
    await idle(tab)
    return tab


async def browser_playground(tab, student: PlaygroundStudent, deadline: float, seen: dict) -> None:
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
        seen.setdefault(student.kind, []).append(time.perf_counter() - start)


async def browser_layers(tab, student: FeatureMapStudent, deadline: float, seen: dict) -> None:
    slider = tab.get_by_test_id("stSlider").filter(has_text="Layer").get_by_role("slider")
    while time.monotonic() + (pause := think(student.rng)) < deadline:
        await asyncio.sleep(pause)
        _, layer = student.next_change()
        await slider.focus()
        start = time.perf_counter()
        await tab.keyboard.press("Home" if layer == ENDS[0] else "End")
        await tab.get_by_text(f"feature maps of {layer}").first.wait_for(timeout=TIMEOUT_MS)
        await idle(tab)
        seen.setdefault(student.kind, []).append(time.perf_counter() - start)


def pair(n: int, seed: int, who: str):
    """The ``n``-th visitor of the check: playground and feature-map students in turn, seeded alike
    for the browser and the protocol twin (``who`` tells their generators apart)."""
    rng = random.Random(f"{seed}:chromium:{who}:{n}")
    return PlaygroundStudent(rng) if n % 2 == 0 else FeatureMapStudent(rng, ENDS)


async def side_by_side(url: str, browsers: int, seconds: float, seed: int) -> dict:
    """Open the pages, say "ready" on stdout, then act for ``seconds``: what each action took, by kind,
    and what went wrong."""
    from playwright.async_api import async_playwright

    seen, wrong = {}, []
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        students = [pair(n, seed, "browser") for n in range(browsers)]
        tabs = []
        for student in students:
            context = await chromium.new_context(viewport={"width": 1400, "height": 1000})
            tabs.append(await opened(context, url, student))
        print("ready", flush=True)
        deadline = time.monotonic() + seconds
        visits = [
            (browser_playground if isinstance(student, PlaygroundStudent) else browser_layers)(
                tab, student, deadline, seen
            )
            for tab, student in zip(tabs, students)
        ]
        for outcome in await asyncio.gather(*visits, return_exceptions=True):
            if isinstance(outcome, Exception):
                wrong.append(f"a Chromium visitor failed: {type(outcome).__name__}: {outcome}")
        await chromium.close()
    return {"actions": seen, "wrong": wrong}


if __name__ == "__main__":
    url, browsers, seconds, seed = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(side_by_side(url, browsers, seconds, seed))))
