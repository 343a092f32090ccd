"""`make bench`: the scale benchmark. See bench/run.py and docs/benchmarks.md."""
