"""Driving the app in Chromium, for the browser tests and the benchmarks alike: where the browser
is (Debian's ``chromium``: Playwright's own download cannot work offline), how it is started, when
a page has settled, and picking a radio option as a visitor does."""

from __future__ import annotations

import shutil
import time

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


PAGE_STATE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return [app?.getAttribute('data-test-script-state'), app?.getAttribute('data-test-connection-state'),
            charts.every(chart => chart.querySelector('.main-svg')) && [...document.images].every(i => i.complete)
                && !document.querySelector('[data-testid="stSkeleton"]'),
            document.body.innerHTML.length];
}"""


def wait_for_idle(tab, timeout: float = 120, quiet: float = 0.8) -> None:
    """Wait until the app is connected, no script runs, every chart and image is drawn, no element
    is still a loading placeholder (on a cold server the grids and charts load their code seconds
    after the run ends), and the page has not changed for ``quiet`` seconds. A single 'not running'
    is not enough: the browser may still be drawing what the run sent, and a click's rerun may not
    have started yet."""
    deadline = time.monotonic() + timeout
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = tab.evaluate(PAGE_STATE)
        if state != last:
            last, quiet_since = state, time.monotonic()
        elif state[:3] == ["notRunning", "CONNECTED", True] and time.monotonic() - quiet_since >= quiet:
            return
        tab.wait_for_timeout(100)
    raise TimeoutError(f"the page did not settle within {timeout:.0f} s (last state {last})")


def pick_radio(page, group: str, option: str) -> None:
    """Click ``option`` in the radio group labelled ``group`` and wait for the app's answer."""
    page.get_by_test_id("stRadio").filter(has_text=group).get_by_text(option, exact=True).click()
    wait_for_idle(page)
