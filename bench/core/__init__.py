"""Benchmark sections for ``python -m bench core``: one module per page's workload.

Each section module exposes ``run(repeats: int) -> Iterable[Measurement]``.
"""
