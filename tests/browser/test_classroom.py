"""A class in real browsers: every page accessible (axe-core), a convolution step on a projector, a
shared link and its QR code, the results table on a phone, and the training page's true state
whatever the clicks. Screenshots land in test-artifacts/ (look at them)."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from PIL import Image

from crystal.vision.samples import labelled_drops

from ..conftest import ROOT
from .actions import CELL_WIDTH, pick_radio, upload, wait_for_verdict
from .conftest import ARTIFACTS, assert_healthy, open_page, save_screenshot, wait_for_idle, watch

AXE = ROOT / "tests" / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
KNOWN = {
    # (rule, a piece of the failing element's HTML): why it is not the app's to fix
}
"""Serious or critical violations inside Streamlit itself that the app cannot fix, each with why;
empty while there are none."""


def tab(browser, app_url: str, width: int, height: int):
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    watch(page)
    page.app_url = app_url
    return page


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .flatMap(v => v.nodes.map(n => [v.id, n.html.slice(0, 160)]))""",
        WCAG,
    )
    return [f"{rule}: {html}" for rule, html in found if not any(r == rule and h in html for r, h in KNOWN)]


def check_the_drops(page) -> None:
    pick_radio(page, "Image source", "Upload")
    drops = [labelled_drops()[0].path, ROOT / "samples" / "other-labs" / "diamond" / "crystal" / "97wo_01A_1.jpg"]
    upload(page, [(path.name, path.read_bytes()) for path in drops])
    wait_for_verdict(page)


@pytest.mark.skipif(
    not AXE.is_file() and not os.environ.get("CI"), reason="npm install --prefix tests/browser/axe (.ci/run does it)"
)
@pytest.mark.parametrize(
    ("path", "then"),
    [
        ("", None),
        ("Convolution_and_pooling", None),
        ("Feature_maps", None),
        ("Crystal_check", None),
        ("Crystal_check", check_the_drops),
        ("Kernels_that_learn", None),
    ],
    ids=["home", "playground", "feature maps", "crystal check", "crystal check after a check", "kernels"],
)
def test_every_page_has_no_serious_or_critical_accessibility_violation(page, path, then):
    open_page(page, path)
    if then:
        then(page)
    assert serious_violations(page) == []
    assert_healthy(page)


def test_one_convolution_step_fits_a_projector_and_its_numbers_are_large(browser, app_url):
    """1024×768 with the sidebar open: the input, kernel, products and output grids of a step and its
    arithmetic all on screen at once, numbers and body text at least 16 px."""
    page = tab(browser, app_url, 1024, 768)
    open_page(page, "Convolution_and_pooling")
    page.locator("div.grid").filter(has_text=re.compile("^Input")).first.evaluate("e => e.scrollIntoView()")
    page.wait_for_timeout(300)
    step = {
        name: page.locator("div.grid").filter(has_text=re.compile(f"^{name}")).first.bounding_box()
        for name in ("Input", "Kernel", "Products", "Output")
    }
    arithmetic = page.get_by_test_id("stCode").filter(has_text=re.compile("× ?.* = ")).first.bounding_box()
    page.screenshot(path=str(ARTIFACTS / "projector_convolution_step.png"))
    for box in (*step.values(), arithmetic):
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1024, (step, arithmetic)
    sizes = page.evaluate(
        """() => [getComputedStyle(document.querySelector('div.grid td')).fontSize,
                  getComputedStyle(document.querySelector('[data-testid="stMarkdownContainer"] p')).fontSize]"""
    )
    assert [float(size.rstrip("px")) for size in sizes] >= [15.5, 16.0], sizes
    assert_healthy(page)
    page.context.close()


@pytest.mark.parametrize(
    ("address", "picture_columns", "kernel_columns"),
    [("", 5, 3), ("?preset=Handwritten+7", 10, 3), ("?kernel=Curve+detector", 5, 4)],
)
def test_the_picture_and_kernel_tables_are_whole_on_a_projector(
    browser, app_url, address, picture_columns, kernel_columns
):
    """1024×768 with the sidebar open: each input table is as wide as its columns and their row
    numbers, so no column or header is cut at the table's edge."""
    page = tab(browser, app_url, 1024, 768)
    open_page(page, "Convolution_and_pooling" + address)
    tables = page.get_by_test_id("stDataFrame")
    for index, columns in enumerate((picture_columns, kernel_columns)):
        box = tables.nth(index).bounding_box()
        assert box["width"] >= CELL_WIDTH * (columns + 1) and box["x"] + box["width"] <= 1024, (index, box)
    page.screenshot(path=str(ARTIFACTS / f"projector_inputs{address.replace('?', '_').replace('+', '_')}.png"))
    assert_healthy(page)
    page.context.close()


def test_a_shared_link_and_its_qr_code_open_the_same_playground_elsewhere(browser, app_url):
    import zxingcpp

    teacher = tab(browser, app_url, 1400, 1000)
    open_page(teacher, "Convolution_and_pooling")
    stride = teacher.get_by_role("spinbutton", name="Stride", exact=True)
    stride.fill("2")
    stride.press("Enter")
    wait_for_idle(teacher)
    pick_radio(teacher, "Pooling type", "Average")
    shown = teacher.locator("div.grid").filter(has_text=re.compile("^Output")).first.inner_text()
    teacher.get_by_role("button", name="Share with the class").click()
    window = teacher.get_by_role("dialog")
    window.get_by_test_id("stCode").wait_for()
    link = window.get_by_test_id("stCode").inner_text().strip()
    code = window.get_by_role("img").first
    code.screenshot(path=str(ARTIFACTS / "share_qr_code.png"))
    read = zxingcpp.read_barcodes(np.asarray(Image.open(ARTIFACTS / "share_qr_code.png").convert("L")))
    assert [r.text for r in read] == [link] and "stride=2" in link and "pooling=avg" in link
    assert teacher.evaluate("() => location.href") == link  # the address bar says the same

    student = tab(browser, app_url, 390, 844)  # a phone
    student.goto(link, timeout=180_000)
    wait_for_idle(student)
    assert student.locator("div.grid").filter(has_text=re.compile("^Output")).first.inner_text() == shown
    assert student.get_by_text("could not be used").count() == 0
    assert_healthy(teacher)
    assert_healthy(student)
    teacher.context.close()
    student.context.close()


def test_the_results_table_shows_its_key_columns_on_a_phone(browser, app_url):
    """Photo, Verdict, Chance, Unfamiliar and Your label fit a 390 px phone, none of their headers
    cut off; only the columns after them need a sideways swipe. The grid is drawn on a canvas, so
    its columns are read from the pixels: the header's vertical separator lines."""
    page = tab(browser, app_url, 390, 844)
    open_page(page, "Crystal_check")
    check_the_drops(page)
    table = page.get_by_test_id("stDataFrame").first
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.screenshot(path=str(ARTIFACTS / "phone_results_table.png"))
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    scroller = table.locator(".dvn-scroller")
    grid = scroller.bounding_box()
    grid_left = grid["x"] - box["x"]
    grid_right = grid_left + scroller.evaluate("s => s.clientWidth")

    shown = header_pixels(table)
    shift = scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; return s.scrollLeft; }")
    page.wait_for_timeout(300)
    rights = sorted({*separators(shown), *(x + shift for x in separators(header_pixels(table)))})
    assert len(rights) >= 5 and rights[4] <= grid_right + 1, (rights, grid_right)
    for left, right in zip([grid_left, *rights[:4]], rights[:5]):
        ink = np.flatnonzero((shown[8:28, int(left) + 2 : int(right) - 1] < 160).any(axis=0))
        assert len(ink) and right - (left + 2 + ink[-1]) >= 3, f"a header is cut off between x={left} and {right}"
    assert_healthy(page)
    page.context.close()


def header_pixels(table) -> np.ndarray:
    """The grid's header row as grey levels (its top 32 pixels)."""
    import io

    return np.asarray(Image.open(io.BytesIO(table.screenshot())).convert("L"), np.int16)[:32]


def separators(header: np.ndarray) -> list[int]:
    """x of the lines between columns in the header (darker than its background above the text),
    not the table's own border."""
    line = header[3]
    dark = np.flatnonzero(np.median(line) - line > 12)
    return [int(x) for x in dark if 5 < x < len(line) - 5]


def test_the_training_page_shows_the_runs_true_state_whatever_the_clicks(page):
    """One step, one step, one epoch, two epochs clicked while the first is still training, one step:
    the status is that of a run trained the same way here, and a kernel sent to the playground is
    named with the epoch the status shows."""
    from crystal.learn.network import Run

    open_page(page, "Kernels_that_learn")
    click = lambda name: page.get_by_role("button", name=name, exact=True).click()  # noqa: E731
    for name in ("One step", "One step", "One epoch"):
        click(name)
        wait_for_idle(page)
    click("One epoch")
    click("One epoch")  # while the first is training: Streamlit starts a new run at once
    wait_for_idle(page)
    click("One step")
    wait_for_idle(page)

    alone = Run(seed=0)
    for action in ("step", "step", "run_epoch", "run_epoch", "run_epoch", "step"):
        getattr(alone, action)()
    expected = alone.now()[0]
    status = page.get_by_text(re.compile(r"^Epoch [\d.]+ \(\d+ steps\)")).first.inner_text()
    epoch, steps, loss, right = re.search(
        r"Epoch ([\d.]+) \((\d+) steps\): loss ([\d.]+), right on (\d+) %", status
    ).groups()
    assert (float(epoch), int(steps)) == (round(expected.epoch, 1), expected.steps) == (3.1, 46)
    assert float(loss) == pytest.approx(expected.loss, abs=0.02) and int(right) == pytest.approx(
        100 * expected.accuracy, abs=2
    )
    chart = page.get_by_test_id("stVegaLiteChart").first.get_attribute("aria-label") or ""
    save_screenshot(page, "test_training_page_after_mixed_clicks")
    assert f"over {float(epoch):.1f} epochs" in chart or chart == "", chart

    page.get_by_role("button", name="Use in the playground").first.click()
    page.get_by_text("A kernel the tiny CNN learned by itself").wait_for(timeout=60_000)
    wait_for_idle(page)
    chosen = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stSelectbox\"] input')].map(i => i.value)"
    )
    chosen += [page.get_by_test_id("stSelectbox").filter(has_text="Kernel").first.text_content()]
    assert any(f"Learned kernel 1 (tiny CNN, seed 0, epoch {epoch})" in c for c in chosen), chosen
    assert_healthy(page)
