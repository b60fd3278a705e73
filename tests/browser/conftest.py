"""Browser-test fixtures: one ``streamlit run app.py`` server per session and headless Debian Chromium.

Playwright's own browser download cannot work offline, so the tests drive ``/usr/bin/chromium``.
Without it the browser tests are skipped on a developer machine but fail under CI (``CI=true``),
where ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from bench.app_server import serve
from bench.chromium import CHROMIUM, CHROMIUM_ARGS, wait_for_idle

from ..conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"
# Streamlit's own chatter that says nothing about the app: favicon fetches, and the browser's echo of
# failed requests (those are checked one by one in ``page.failed_requests``, with their URLs).
IGNORED_CONSOLE = ("favicon", "Failed to load resource")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app_server():
    """Start the real app once; yield its URL and process; stop it (and fail loudly if it died on the way)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run should have installed Debian's chromium package")
        pytest.skip("no /usr/bin/chromium: apt-get install chromium to run the browser tests")
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "streamlit-server.log", "w") as log, serve(log) as server:
        yield server
        assert server.process.poll() is None, "the streamlit server died during the tests"


@pytest.fixture(scope="session")
def app_url(app_server):
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def is_base_path_probe(url: str) -> bool:
    """Opened at /Some_page, Streamlit's frontend first looks for its server under /Some_page/_stcore/
    (in case the app is served below a path prefix), gets a 404 and falls back to /_stcore/."""
    path = urlparse(url).path
    return path.endswith(("/_stcore/health", "/_stcore/host-config")) and not path.startswith("/_stcore/")


def watch(tab) -> None:
    """Collect the page's console errors, uncaught exceptions and failed requests on the tab itself."""
    tab.console_errors, tab.failed_requests = [], []
    tab.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not any(s in msg.text for s in IGNORED_CONSOLE)
            and tab.console_errors.append(msg.text)
        ),
    )
    tab.on("pageerror", lambda err: tab.console_errors.append(str(err)))
    tab.on(
        "response",
        lambda response: (
            response.status >= 400
            and not is_base_path_probe(response.url)
            and tab.failed_requests.append(f"{response.status} {response.url}")
        ),
    )


@pytest.fixture
def page(browser, app_url, request):
    """A fresh tab watched for errors; a full-page screenshot is saved when the test ends."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    watch(tab)
    tab.app_url = app_url
    yield tab
    save_screenshot(tab, request.node.name)
    context.close()


def save_screenshot(tab, name: str) -> None:
    """The whole page as test-artifacts/<name>.png. Streamlit scrolls inside its main area, not the
    document, so the window is first made as tall as that area's content."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = tab.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0")
    tab.set_viewport_size({"width": tab.viewport_size["width"], "height": max(1000, min(height, 12_000))})
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_page(tab, path: str = "") -> None:
    """Load one page of the app by its URL and wait until its first run has been drawn.

    A server busy with other visitors' crystal checks (several seconds of both cores each) can
    take well over Playwright's default 30 s to send even the page's HTML.
    """
    tab.goto(f"{tab.app_url}/{path}", timeout=180_000)
    wait_for_idle(tab)


def assert_healthy(tab) -> None:
    """No exception box, no broken image, no console error and no failed request."""
    exceptions = tab.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    broken = tab.evaluate("() => [...document.images].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
    assert broken == [], broken
    assert tab.console_errors == [], tab.console_errors
    assert tab.failed_requests == [], tab.failed_requests
