"""Benchmarks: ``make bench`` (``python -m bench``) runs them all, ``python -m bench feeds``
one of them. They are measurements to read, not timed tests: nothing here fails on a slow
machine. Results are printed and written to ``bench/results/<name>-<date>.json``; how to
read them is in docs/performance.md.
"""
