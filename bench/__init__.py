"""Benchmarks: the flash sale end to end, and the realtime fan-out."""
