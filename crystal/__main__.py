"""``python -m crystal predict | train | robustness | filters ...``: the command lines of the core.

Each command is a module of :mod:`crystal.cli` with a ``main(argv)``; ``python -m crystal COMMAND
--help`` describes it.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "predict": "one verdict per photo or folder of photos (CSV with --csv)",
    "train": "train a crystal model from labelled folders",
    "robustness": "how verdicts hold up when the imaging changes",
    "filters": "pictures of what the crystal head's strongest features look for",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        listed = "\n".join(f"  {name:<11} {what}" for name, what in COMMANDS.items())
        print(f"usage: python -m crystal COMMAND [ARGS ...]\n\ncommands:\n{listed}", file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return importlib.import_module(f"crystal.cli.{argv[0]}").main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
