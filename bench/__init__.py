"""Benchmarks: what Trygg costs on top of bare Temporal, measured in the same run.

`python -m bench.run` (or `make bench`) starts its own servers (the Temporal dev server
in memory and on a file database, the time-skipping test server, embedded PostgreSQL),
runs every measurement against a do-nothing baseline workflow on the same server, prints
one table and writes bench/results/latest.json. Nothing here is imported by the app.
"""
