"""``bench.load --browsers-yield`` really leaves the cores to the server: the sessions its browsers
start for themselves get the lowest weight among Linux's autogroups, its own session (where the
server runs) keeps its weight. Run in a child process, so that no browser this test run started
is touched."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = """
import json, subprocess, sys, time
from pathlib import Path
from bench.load import lower_the_browsers_groups
sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
browser_like = subprocess.Popen(sleep, start_new_session=True)  # as Playwright starts Chromium
server_like = subprocess.Popen(sleep)
time.sleep(0.5)
lowered = lower_the_browsers_groups()
groups = [Path(f"/proc/{pid}/autogroup").read_text().strip() for pid in (browser_like.pid, server_like.pid, "self")]
for child in (browser_like, server_like):
    child.kill()
print(json.dumps([lowered, *groups]))
"""


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="this kernel has no autogroups")
def test_the_browsers_own_session_gets_the_lowest_weight_and_the_servers_keeps_its_own():
    """A process that never left the session it was born in can sit in the kernel's default group,
    whose /proc/<pid>/autogroup reads empty (CI's machines start tests so): its weight is left as
    it is all the same."""
    before = Path("/proc/self/autogroup").read_text().strip()
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lowered, browser_like, server_like, probe = json.loads(out.stdout)
    assert lowered == 1
    assert browser_like.endswith(" nice 19")
    assert server_like == probe == before
