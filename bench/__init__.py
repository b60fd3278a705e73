"""The project's benchmarks, run as ``python -m bench core | pages | load`` (see ``bench/__main__.py``).

``core`` needs only the app's install; ``pages`` and ``load`` need the test install
(``requirements-dev.txt``: Playwright) and Debian's Chromium.
"""
