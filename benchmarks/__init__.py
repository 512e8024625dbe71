"""Benchmarks: detection quality and speed against baselines."""
