"""Browser-test fixtures: one ``streamlit run app.py`` server per session and headless Debian Chromium.

Playwright's own browser download cannot work offline, so the tests drive ``/usr/bin/chromium``.
Without it the browser tests are skipped on a developer machine but fail under CI (``CI=true``),
where ``.ci/run`` installs it.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]  # fmt: skip
# Streamlit's own chatter that says nothing about the app: fonts it probes for, favicon fetches.
IGNORED_CONSOLE = ("favicon", "Failed to load resource: net::ERR_NAME_NOT_RESOLVED")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def rss_bytes(self) -> int:
        """Resident memory of the server process, for checking that sessions share one model."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line: is this Linux?")


@pytest.fixture(scope="session")
def app_server():
    """Start the real app once; yield its URL and process; stop it (and fail loudly if it died on the way)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run should have installed Debian's chromium package")
        pytest.skip("no /usr/bin/chromium: apt-get install chromium to run the browser tests")
    port = _free_port()
    log = (ARTIFACTS / "streamlit-server.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, server)
            yield Server(url, server.pid)
            assert server.poll() is None, "the streamlit server died during the tests"
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with code {server.returncode}; see test-artifacts/streamlit-server.log")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not answer on {url} within {timeout:.0f} s")


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


@pytest.fixture
def page(browser, app_url, request):
    """A fresh tab with console errors collected; a full-page screenshot is saved when the test ends."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda msg: msg.type == "error" and not any(s in msg.text for s in IGNORED_CONSOLE)
           and tab.console_errors.append(msg.text))  # fmt: skip
    tab.on("pageerror", lambda err: tab.console_errors.append(str(err)))
    tab.app_url = app_url
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def wait_for_idle(tab, timeout: float = 120_000) -> None:
    """Wait until Streamlit has finished the current script run (its 'Running...' widget is gone)."""
    tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    tab.wait_for_timeout(300)  # the status widget appears a moment after an interaction
    tab.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')""", timeout=timeout
    )


def assert_healthy(tab) -> None:
    """No exception box on the page and no error in the browser console."""
    exceptions = tab.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert tab.console_errors == [], tab.console_errors
