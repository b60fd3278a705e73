"""Benchmark sections for ``python -m crystal.bench``: one module per page's workload.

Each section module exposes ``run(repeats: int) -> Iterable[Measurement]``.
"""
