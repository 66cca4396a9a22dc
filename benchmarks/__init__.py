"""Benchmarks of the debate bot: run each with ``python -m benchmarks.<name>`` from the repository root.

See ``docs/benchmarks.md`` for what each one measures, its targets, and the latest figures.
"""
