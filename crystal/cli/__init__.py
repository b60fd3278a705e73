"""The command lines: ``python -m crystal predict | train | robustness``."""
