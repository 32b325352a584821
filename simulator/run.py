"""One comparison: each policy through the same synthetic period, side by side.

Every policy meets the same world (same seed, same scenario, same start), so what
differs between the columns is what the policy does. The result is plain JSON values,
with no wall-clock time in it, so a seeded run is reproducible to the number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.calendar import add_months
from domain.policy import EscalationPolicy
from simulator.engine import Engine
from simulator.scenario import Scenario

DEFAULT_BEGIN = datetime(2026, 7, 1, tzinfo=UTC)
"""Runs begin here by default (a fixed day, never today's: a seed must give the same year);
the measured year starts after the scenario's warm-up, on 1 January 2027."""


@dataclass(frozen=True)
class Candidate:
    """A policy under test and what to call it in the report."""

    label: str
    rules: EscalationPolicy
    path: Path | None = None


def simulate(
    candidates: list[Candidate],
    scenario: Scenario,
    *,
    homes: int,
    months: int,
    seed: int,
    begin: datetime = DEFAULT_BEGIN,
) -> dict[str, Any]:
    """The report of every candidate under one scenario, homes, months and seed."""
    warm = add_months(begin, scenario.warmup_months.value)
    results = []
    for candidate in candidates:
        engine = Engine(scenario, candidate.rules, homes=homes, months=months, seed=seed, begin=begin)
        results.append(
            {
                "label": candidate.label,
                "file": str(candidate.path) if candidate.path else None,
                "version": candidate.rules.version,
                "fingerprint": candidate.rules.fingerprint(),
                "figures": engine.run(),
            }
        )
    return {
        "homes": homes,
        "months": months,
        "seed": seed,
        "begins": begin.isoformat(),
        "measured_from": warm.isoformat(),
        "measured_to": add_months(warm, months).isoformat(),
        "scenario": {"name": scenario.name, "description": scenario.description, "references": scenario.references,
                     "values": scenario.sources()},
        "policies": results,
    }
