"""Benchmarks: each module has `def run() -> dict` and prints its figures when run."""
