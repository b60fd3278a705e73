"""``python -m bench core | pages | load ...``: the project's benchmarks, each printing ratios to a
baseline measured in the same run.

- ``core``: the UI-free core (convolution, feature maps, verdicts, adapting, the tiny CNN,
  training); needs only the app's own install.
- ``pages``: page reruns on the server and click to screen in Chromium (after the test install).
- ``load``: a class of visitors on one server (after the test install).
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {"core": "bench.core.__main__", "pages": "bench.pages", "load": "bench.load"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
