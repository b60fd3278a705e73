"""``python -m bench pages [--repeats N]``: how quickly the pages answer, on the server and on screen.

- **Playground rerun on the server**: Streamlit's AppTest edits one cell (or changes the padding)
  and reruns the page. Its baseline is the naive way to build the same page (a pure-Python loop
  convolution, a trace of every step, every step's grids built up front as plotly figures, as the
  page once drew them), timed as plain calls without the page around them.
- **Playground in Chromium**: the zero padding is changed (under step 1), and the clock stops when
  the new output grid is on screen and the rerun has finished: what a learner waits after a click.
  Its baseline is the same change answered by the server alone (AppTest), so the difference is
  the browser's share.
- **Crystal check in Chromium**: a drop photo the server has not seen before is uploaded to a warm
  server, and the clock stops when its verdict and Grad-CAM are on screen. Its baseline is the same
  upload again, answered from the cache: what the page and the browser cost without the model.

Run after ``pip install -r requirements-dev.txt``; the browser part needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from itertools import count
from pathlib import Path

import numpy as np

from bench.app_server import serve
from bench.core.conv import loop_conv2d
from bench.core.timing import Measurement, median_seconds
from bench.students import PhotoBox
from crystal.numbers import format_number
from crystal.playground import ops, presets
from crystal.vision.samples import labelled_drops

UPLOAD_GOAL = 2.0  # seconds from upload to verdict with Grad-CAM on screen, warm server
RERUN_GOAL, CLICK_GOAL = 0.05, 0.4  # seconds: playground rerun on the server, and click to screen
PADDINGS = (1, 2, 1, 0)  # a cycle of changes from the default padding (1), each one redrawing every grid


def playground_reruns(repeats: int):
    from bench.app_server import app_page

    kernel = presets.KERNELS["Vertical edge (Sobel)"].values
    for label, image, preset, cells_key in (
        (
            "classic 5×5",
            presets.CLASSIC_IMAGE.values,
            presets.CLASSIC_IMAGE.name,
            "conv_image_cells_Classic 5×5 picture",
        ),
        ("random 28×28", presets.random_image(28, seed=0), presets.RANDOM_NAME, "conv_image_cells_random_28_0"),
    ):
        page = app_page("pages/1_Convolution_and_pooling.py", timeout=120)  # from app.py, as streamlit run starts it
        page.session_state["conv_kernel"] = "Vertical edge (Sobel)"
        page.session_state["conv_image_preset"] = preset
        if preset == presets.RANDOM_NAME:
            page.session_state["conv_random_size"] = 28
        page.run()
        values = count(2)

        def edit_and_rerun() -> None:
            page.session_state[cells_key] = {
                "edited_rows": {0: {"1": str(next(values))}},
                "added_rows": [],
                "deleted_rows": [],
            }
            page.run()
            if page.exception or page.error:
                raise RuntimeError(f"the page failed during the benchmark: {page.exception or page.error}")

        rerun = median_seconds(edit_and_rerun, repeats)
        naive = median_seconds(lambda: _naive_page_work(image, kernel), max(1, repeats // 2), warmup=0)
        yield Measurement(
            f"playground rerun after a cell edit, {label}",
            rerun,
            "s",
            baseline=naive,
            note=f"server side (AppTest), goal < {RERUN_GOAL * 1000:g} ms; baseline: loop conv + "
            "full trace + every step's figures",
        )


def padding_rerun_seconds(repeats: int) -> float:
    """Median server-side rerun (AppTest) after a change of the zero padding, over :data:`PADDINGS`."""
    from bench.app_server import app_page

    page = app_page("pages/1_Convolution_and_pooling.py", timeout=120).run()
    changes = iter(PADDINGS * (repeats + 1))

    def change() -> None:
        page.number_input(key="conv_padding").set_value(next(changes)).run()

    return median_seconds(change, repeats * len(PADDINGS))


def playground_clicks(repeats: int):
    from playwright.sync_api import sync_playwright

    from bench.chromium import CHROMIUM, CHROMIUM_ARGS, wait_for_idle

    if not Path(CHROMIUM).exists():
        print("(no /usr/bin/chromium: the browser figures are skipped)")
        return
    server_side = padding_rerun_seconds(repeats)
    with serve() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        tab.goto(f"{server.url}/Convolution_and_pooling", timeout=180_000)
        wait_for_idle(tab, timeout=300)
        box = tab.get_by_role("spinbutton", name="Zero padding")

        def change(padding: int) -> float:
            start = time.perf_counter()
            box.fill(str(padding))
            box.press("Enter")
            side = 3 + 2 * padding  # the classic 5×5 picture and a 3×3 kernel, stride 1
            tab.get_by_text(f"Output {side}×{side}", exact=True).wait_for(timeout=60_000)
            tab.wait_for_function(SCRIPT_DONE, timeout=60_000)
            return time.perf_counter() - start

        for padding in PADDINGS:  # the first round warms the browser and the server
            change(padding)
        clicks = statistics.median(change(padding) for _ in range(repeats) for padding in PADDINGS)
        browser.close()
    yield Measurement(
        "playground rerun after a padding change",
        server_side,
        "s",
        note=f"server side (AppTest), goal < {RERUN_GOAL * 1000:g} ms",
    )
    yield Measurement(
        "playground: padding changed -> every grid redrawn on screen",
        clicks,
        "s",
        note=f"Chromium on the same machine, goal < {CLICK_GOAL * 1000:g} ms; of which the server "
        f"{server_side * 1000:.0f} ms",
    )


SCRIPT_DONE = (
    """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') === 'notRunning'"""
)


def _naive_page_work(image: np.ndarray, kernel: np.ndarray) -> None:
    output = np.array(loop_conv2d(image.tolist(), kernel.tolist()))
    for step in ops.conv_trace(image, kernel):
        _plotly_heatmap(image)
        _plotly_heatmap(step.products)
        _plotly_heatmap(ops.partial_output(output, step.index + 1))


def _plotly_heatmap(values: np.ndarray):
    """A labelled plotly heatmap, as the page drew its grids before they became HTML tables."""
    import plotly.graph_objects as go

    text = [[format_number(v) for v in row] for row in values]
    figure = go.Figure(go.Heatmap(z=values, text=text, texttemplate="%{text}", showscale=False, xgap=1, ygap=1))
    figure.update_layout(height=300, yaxis={"autorange": "reversed", "scaleanchor": "x"})
    return figure.to_dict()


def crystal_upload(repeats: int):
    from playwright.sync_api import sync_playwright

    from bench.chromium import CHROMIUM, CHROMIUM_ARGS, pick_radio, wait_for_idle

    if not Path(CHROMIUM).exists():
        print("(no /usr/bin/chromium: the browser figures are skipped)")
        return
    photos = PhotoBox(salt=int(time.time()), drops=labelled_drops()[:1])  # bytes no server has seen
    with serve() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()

        def upload(data: bytes) -> float:
            """Seconds from the upload to its verdict on screen, in a session of its own: on a fresh
            page no verdict is on screen before this photo's."""
            tab.goto(f"{server.url}/Crystal_check", timeout=180_000)
            wait_for_idle(tab, timeout=300)
            pick_radio(tab, "Image source", "Upload")
            main_label = tab.get_by_test_id("stWidgetLabel").filter(has_text=re.compile("^Upload"))  # not teaching's
            uploader = tab.get_by_test_id("stFileUploader").filter(has=main_label).locator('input[type="file"]')
            start = time.perf_counter()
            uploader.set_input_files([{"name": "drop.jpg", "mimeType": "image/jpeg", "buffer": data}])
            tab.get_by_text("Chance of crystal:").wait_for(timeout=120_000)
            wait_for_idle(tab, quiet=0.3)
            return time.perf_counter() - start - 0.3  # the quiet period only confirms the screen has settled

        upload(photos.next().data)  # warm the server: the first check builds the model's functions
        same = photos.next().data
        fresh = statistics.median([upload(same), *(upload(photos.next().data) for _ in range(repeats - 1))])
        cached = statistics.median(upload(same) for _ in range(repeats))
        browser.close()
    yield Measurement(
        "crystal check: new photo uploaded -> verdict + Grad-CAM on screen",
        fresh,
        "s",
        baseline=cached,
        note=f"goal < {UPLOAD_GOAL:g} s, warm server; baseline: the same upload from the cache",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure (median is printed)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for section in (playground_reruns, playground_clicks, crystal_upload):
        for measurement in section(args.repeats):
            print(measurement.row(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
