"""Benchmarks: collection against moto on loopback, evaluation over synthetic snapshots.

`make bench` (= `python -m bench`) prints a table and writes bench/results/latest.json.
"""
