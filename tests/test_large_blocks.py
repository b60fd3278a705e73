"""Large freed blocks go back to the system at once on a server set up by ``ui`` (ui/large_blocks.py),
even after glibc would have started keeping them; the figure is the process's resident memory."""

import ctypes
import os

import pytest

from bench.app_server import resident_bytes
from ui.server.large_blocks import THRESHOLD_BYTES  # importing ui sets the server up, as every page does


def has_glibc() -> bool:
    """Asked without setting anything, so that the test sees what importing ``ui`` did."""
    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallopt")
    except OSError:
        return False


@pytest.mark.skipif(not has_glibc(), reason="needs Linux with glibc")
def test_freed_megabyte_blocks_leave_resident_memory_at_once():
    big = bytearray(8 * 2**20)
    del big  # left alone, glibc would now keep freed blocks under 8 MB for reuse
    blocks = [bytearray(8 * THRESHOLD_BYTES) for _ in range(200)]  # 1 MB each
    before = resident_bytes(os.getpid())
    del blocks[::2]  # 100 MB freed, each block between two still in use
    assert before - resident_bytes(os.getpid()) > 80 * 2**20
    assert len(blocks) == 100
