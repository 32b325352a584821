"""The benchmark harness runs end to end at tiny sizes and prints every row of its table.

Timings are not asserted here (they belong to `make bench`); only that each measurement
produced a row, in the printed table and in the JSON results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.size import PATHS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def expected_rows(concurrency: int, cases: int) -> set[str]:
    rows = {"intake: case opened and recorded", "intake: every workflow idle",
            "floor: bare + 2 no-op local activities, intake", "floor: a case's shape, no-op commands, intake"}  # fmt: skip
    for label in ("sequential", f"{concurrency} in flight"):
        rows |= {f"update p50, {label}", f"update p99, {label}", f"floor: bare + 1 no-op local activity, update p50, {label}",
                 f"floor + write: bare + 1 local activity committing one row, update p50, {label}"}
        rows |= {f"api: staff step p50, {label}", f"api: staff step p99, {label}"}
    rows |= {"api: report until receipt, p50", "api: report until receipt, p99", "api: reports per second"}
    rows |= {f"memory per open case, {cases} cached", f"recovery: restarted worker serves {cases} Updates",
             f"floor: bare + 2 no-op local activities, memory per open case, {cases} cached",
             f"floor: bare + local activities, recovery of {cases}",
             f"floor: a case's shape, memory per open case, {cases} cached", f"floor: a case's shape, recovery of {cases}"}  # fmt: skip
    rows |= {"register: audit events written, one by one", f"register: audit events written, {concurrency} in flight"}
    return rows | {f"history: case {path}" for path in PATHS}


def test_bench_harness_prints_every_row_and_writes_results(tmp_path):
    output = tmp_path / "latest.json"
    args = ["--quick", "--databases", "memory", "--intake", "6", "--updates", "8", "--concurrency", "2",
            "--cases", "5", "--register", "20", "--output", str(output)]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *args], cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    results = json.loads(output.read_text())
    names = [row["measurement"] for row in results["rows"]]
    assert set(names) == expected_rows(2, 5) and len(names) == len(set(names))
    for row in results["rows"]:
        assert isinstance(row["trygg"], (int, float)), row  # a memory delta may be <= 0 at tiny sizes
        assert row["measurement"] in done.stdout, "every row is printed, not only written"
    goals = {row["measurement"]: row["goal"] for row in results["rows"] if row["goal"]}
    assert goals["history: case terminated_after_failed_plan"] == "< 300"
    assert results["meta"]["machine"]["cores"] >= 1
