"""Dev-only benchmarks of whole pages (a server rerun, click to screen): ``python -m bench.pages``.

They need the test install (``requirements-dev.txt``: Playwright) and Debian's Chromium, so they
live outside ``crystal/``, whose own figures come from ``python -m crystal.bench``.
"""
