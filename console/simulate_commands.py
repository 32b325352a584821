"""`trygg simulate`: what a policy would do over a synthetic year, before it is changed.

Reads policy files as the worker does (runtime.policy_file) and a scenario file
(simulator.scenario), runs each policy through the same synthetic world with the real
ladder, and prints the figures side by side; `--out DIR` writes the HTML report with
its charts and the JSON. Needs neither Temporal nor the register.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from console.session import fail
from runtime.policy_file import PolicyFileError, load_policy
from simulator.run import Candidate, simulate
from simulator.scenario import ScenarioError, load_scenario


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)


def _candidate(path: Path, label: str) -> Candidate:
    try:
        rules = load_policy(path).rules
    except PolicyFileError as error:
        fail(str(error), 2)
        raise  # unreachable
    return Candidate(label=f"{label}: {rules.version}", rules=rules, path=path)


def simulate_command(
    policy: Path = typer.Option(..., "--policy", help="The policy file (TOML) to simulate."),
    compare: Path | None = typer.Option(None, "--compare", help="A second policy file, side by side with the first."),
    homes: int = typer.Option(30000, "--homes", min=100, max=2_000_000, help="Homes the company owns."),
    months: int = typer.Option(12, "--months", min=1, max=36, help="Months measured (after the scenario's warm-up)."),
    scenario: Path | None = typer.Option(None, "--scenario", help="Scenario file (TOML); the default is calibrated on public figures."),
    seed: int = typer.Option(1, "--seed", help="The run's seed: the same seed gives the same figures."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Directory for report.html, its charts (PNG, SVG) and report.json."),
    conformance: int = typer.Option(0, "--conformance", min=0, max=50, help="Replay K simulated cases of the first policy as "
                                    "real workflows on the time-skipping test server; exit 1 unless all end alike."),
) -> None:
    """Play a year of synthetic reports through the real ladder under one policy, or two side by side.

    Example: trygg simulate --homes 30000 --months 12 --policy a.toml --compare b.toml --out sim/
    """
    try:
        world = load_scenario(scenario)
    except ScenarioError as error:
        fail(str(error), 2)
        raise  # unreachable
    candidates = [_candidate(policy, "A")]
    if compare is not None:
        candidates.append(_candidate(compare, "B"))
    report = simulate(candidates, world, homes=homes, months=months, seed=seed)
    if out is not None:
        from simulator.report import write_report

        page = write_report(report, out)
        typer.echo(f"report: {page}", err=True)
    typer.echo(json.dumps(report, indent=2, sort_keys=True) if as_json else summary(report))
    if conformance:
        import asyncio

        from simulator.conformance import check

        checked = asyncio.run(check(world, candidates[0].rules, homes=homes, months=months, seed=seed, k=conformance))
        rungs = ", ".join(f"{n} {rung}" for rung, n in sorted(checked["furthest_rungs"].items()))
        typer.echo(f"conformance: {checked['alike']} of {checked['sample']} cases replayed as workflows ended alike "
                   f"(furthest step: {rungs})", err=True)  # fmt: skip
        for case in checked["mismatched"]:
            typer.echo(f"conformance: {case['case']} differs: {json.dumps(case['differs'], sort_keys=True)}", err=True)
        if checked["mismatched"]:
            raise typer.Exit(1)


SUMMARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reports", ("reports", "total")),
    ("night-patrol reports per 88,000 homes a night", ("reports", "night_patrol_per_88000_homes_per_night")),
    ("cases opened", ("cases", "opened")),
    ("reached a warning", ("cases", "reached", "warning")),
    ("reached prevention", ("cases", "reached", "prevention")),
    ("reached termination review", ("cases", "reached", "termination_review")),
    ("terminated", ("cases", "reached", "termination")),
    ("evicted", ("cases", "reached", "eviction")),
    ("median days to correction", ("cases", "median_days_to_correction")),
    ("share keeping their home", ("cases", "share_keeping_home")),
    ("first contacts past due", ("deadlines", "first_contacts_past_due")),
    ("median working days to first contact", ("deadlines", "median_working_days_to_first_contact")),
    ("mean working days to first contact", ("deadlines", "mean_working_days_to_first_contact")),
    ("termination windows closed unused", ("deadlines", "termination_windows_closed_unused")),
    ("acknowledgements missing", ("deadlines", "acknowledgements_missing")),
    ("tasks escalated to team lead", ("deadlines", "tasks_escalated_to_team_lead")),
    ("tasks late for lack of staff", ("deadlines", "tasks_late_for_lack_of_staff")),
    ("open tasks, weekly mean", ("backlog_weekly", "open_tasks")),
    ("overdue tasks, weekly mean", ("backlog_weekly", "overdue_tasks")),
)


def _value(figures: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = figures
    for key in path:
        value = value[key]
    if isinstance(value, list):
        return round(sum(value) / len(value), 1) if value else 0
    return value


def summary(report: dict[str, Any]) -> str:
    """The main figures as a text table, one column per policy."""
    labels = [p["label"] for p in report["policies"]]
    figures = [p["figures"] for p in report["policies"]]
    rows = [(title, [_value(f, path) for f in figures]) for title, path in SUMMARY]
    for role in figures[0]["staff"]:
        rows.append((f"{role} hours a week (staff)",
                     [f"{f['staff'][role]['hours_per_week_mean']} ({f['staff'][role]['headcount']})" for f in figures]))  # fmt: skip
    for partner in sorted({p for f in figures for p in f["notices"]["by_partner"]}):
        rows.append((f"notices to {partner}", [f["notices"]["by_partner"].get(partner, 0) for f in figures]))
    width = max(len(title) for title, _ in rows)
    head = (f"{report['homes']:,} homes, {report['months']} months from {report['measured_from'][:10]}, "
            f"seed {report['seed']}, scenario {report['scenario']['name']}")  # fmt: skip
    lines = [head, "", f"{'':{width}}  " + "  ".join(f"{label:>18}" for label in labels)]
    lines += [f"{title:{width}}  " + "  ".join(f"{str(v):>18}" for v in values) for title, values in rows]
    return "\n".join(lines)
