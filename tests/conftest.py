"""Shared test set-up: quiet TensorFlow and make the repo root importable."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def app_page(page: str, timeout: float = 60):
    """An AppTest of one page (``"pages/..."``), started from app.py as ``streamlit run app.py``
    starts it, so the sidebar's links to the other pages resolve."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout).switch_page(page)
