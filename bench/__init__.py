"""Benchmarks (ARCHITECTURE §8): `python -m bench` runs them all, `python -m bench NAME` one."""
