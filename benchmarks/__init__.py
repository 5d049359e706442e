"""Performance benchmarks at borough and national scale (`make bench`; not part of `make test`).

Every figure is printed beside a baseline measured in the same run on the same machine, and the
run is written up in docs/performance.md when SGO_BENCH_REPORT names that file (see report.py).
"""
