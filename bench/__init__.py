"""Benchmarks and the fault matrix: run as ``python -m bench.<name>`` from the repository root."""
