"""Shared test set-up: quiet TensorFlow and make the repo root importable."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.app_server import app_page  # noqa: E402, F401 (the tests' name for it; the root must be importable first)
