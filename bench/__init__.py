"""Benchmarks of the gateway: `python -m bench` measures, `bench/seed.py` times seeding."""
