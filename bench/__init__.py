"""Benchmarks (`make bench`): a seeded posting generator and load/transform/serve timings."""
