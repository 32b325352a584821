"""One row per figure: Trygg's value, the baseline's in the same run, their ratio, and
whether the issue's goal for it is met. Printed as a table and written as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Row:
    measurement: str
    server: str
    unit: str
    trygg: float
    baseline: float | None = None
    goal: str | None = None
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.trygg / self.baseline

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def judged(row: Row, goal: str, test: Callable[[Row], bool]) -> Row:
    row.goal, row.met = goal, test(row)
    return row


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


HEADERS = ("measurement", "server", "Trygg", "baseline", "unit", "ratio", "goal", "met")


def render(rows: Sequence[Row]) -> str:
    cells = [HEADERS] + [
        (
            r.measurement, r.server, _number(r.trygg), _number(r.baseline), r.unit,
            "-" if r.ratio is None else f"{r.ratio:.2f}", r.goal or "-",
            {True: "yes", False: "NO", None: "-"}[r.met],
        )
        for r in rows
    ]  # fmt: skip
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(HEADERS))]
    numeric = {2, 3, 5}
    lines = []
    for n, row in enumerate(cells):
        parts = [str(c).rjust(w) if i in numeric and n else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {r.measurement} [{r.server}]: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))


def write_json(rows: Sequence[Row], path: Path, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"meta": meta, "rows": [r.as_dict() for r in rows]}, indent=2, ensure_ascii=False) + "\n")
