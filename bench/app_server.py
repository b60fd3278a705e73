"""The real app, for the benchmarks and the tests alike: served on a free local port, or one page
of it as an AppTest.

``streamlit run app.py`` as a visitor meets it: headless, no file watcher, no usage statistics,
two malloc arenas as the container runs it (glibc otherwise gives every thread that ran TensorFlow
an arena of its own and keeps its peak, so the server's memory would follow how runs overlapped
rather than what the app holds).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    def answers(self) -> bool:
        """Whether the server still answers its health check."""
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def rss_bytes(self) -> int:
        """Resident memory of the server process."""
        return resident_bytes(self.pid)


class ServerFailed(RuntimeError):
    """The server exited or did not answer in time."""


@contextmanager
def serve(log: IO | None = None, timeout: float = 120):
    """The app's server while the block runs, its output to ``log`` (or nowhere): a :class:`Server`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MALLOC_ARENA_MAX": "2"},
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_healthy(server, timeout)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.answers():
        if server.process.poll() is not None:
            raise ServerFailed(f"streamlit exited with code {server.process.returncode}")
        if time.monotonic() > deadline:
            raise ServerFailed(f"streamlit did not answer on {server.url} within {timeout:.0f} s")
        time.sleep(0.5)


def resident_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line: is this Linux?")


def app_page(page: str, timeout: float = 60):
    """An AppTest of one page (``"pages/..."``), started from app.py as ``streamlit run app.py``
    starts it, so the sidebar's links to the other pages resolve."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout).switch_page(page)
