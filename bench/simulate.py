"""`python -m bench.simulate`: one simulated year through the real ladder, for 30,000
homes (a large municipal company) and for 800,000 (all of Sweden's municipal housing).

Each size runs in a fresh interpreter of its own, so its peak memory (the process's
maximum resident set) is its own; wall time covers the scenario's warm-up and the year.
Goals from issue 16 on the 2-core machine: under 60 s for 30,000 homes, under 10 minutes
for 800,000. Kept out of `bench.run`'s default run (the large size alone takes minutes);
writes bench/results/simulate.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench import machine
from bench.table import Row, judged, render, write_json

RESULTS = Path(__file__).parent / "results" / "simulate.json"
GOALS = {30_000: 60.0, 800_000: 600.0}


def one(homes: int, months: int, seed: int) -> dict:
    """Run one size here and say how long it took and how much memory it held at most."""
    from domain.policy import EscalationPolicy
    from simulator.run import Candidate, simulate
    from simulator.scenario import load_scenario

    started = time.perf_counter()
    report = simulate([Candidate("default", EscalationPolicy())], load_scenario(), homes=homes, months=months, seed=seed)
    wall = time.perf_counter() - started
    figures = report["policies"][0]["figures"]
    return {
        "homes": homes,
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cases_opened": figures["cases"]["opened"],
        "reports": figures["reports"]["total"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", default="30000,800000", help="sizes to run, comma-separated")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(h) for h in args.homes.split(",") if h]
    if args.one:
        print(json.dumps(one(sizes[0], args.months, args.seed)))
        return 0
    rows = []
    for homes in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.simulate", "--one", "--homes", str(homes), "--months", str(args.months),
             "--seed", str(args.seed)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(done.stdout)
        note = f"{result['cases_opened']:,} cases, {result['reports']:,} reports measured; peak {result['peak_rss_mib']:,} MiB"
        row = Row(f"simulated year, {homes:,} homes", "none", "s", result["wall_seconds"], note=note)
        goal = GOALS.get(homes)
        rows.append(judged(row, f"< {goal:.0f} s", lambda r, g=goal: r.trygg < g) if goal else row)
        rows.append(Row(f"simulated year, {homes:,} homes", "none", "MiB peak", result["peak_rss_mib"]))
    print(render(rows))
    write_json(rows, RESULTS, {"machine": machine.describe(), "months": args.months, "seed": args.seed})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
