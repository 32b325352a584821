"""What Temporal's own views say about a case: a one-line summary and a few lines of
details, so an engineer in the Web UI or `temporal workflow describe` sees where a case
stands without decoding its payloads.

Summary and details are stored and shown unencrypted (they are workflow metadata, not
payloads), so they hold codes, counts and dates only: stage, area, category, housing
form, the open tasks by kind and role with their due dates, the next clock, the rules and
policy version. Never a name, an address, a free text, the case system's ref or a staff id
(tests/test_case_summary.py checks this against a case full of them).
"""

from __future__ import annotations

from datetime import datetime

from domain.models import DisturbanceReport
from domain.state import CaseState

SUMMARY_LIMIT = 200
"""Temporal shows a summary on one line; keep it short."""


def opening_summary(report: DisturbanceReport) -> str:
    """The static summary a case starts with: what kind of case, where."""
    return f"Disturbance case: {report.category} in {report.tenancy.area}"[:SUMMARY_LIMIT]


def opening_details(report: DisturbanceReport) -> str:
    """The static details of the run a report starts: what opened it (codes only)."""
    return "\n".join(
        [
            f"**Opened by a report:** {report.category} ({report.severity}) from {report.source_kind}",
            f"**Area:** {report.tenancy.area} · **housing:** {report.tenancy.housing_form}",
            "Where the case stands now: the current details. Personal data is only in the encrypted payloads.",
        ]
    )


def current_details(state: CaseState) -> str:
    """Where the case stands, in Temporal markdown, codes only."""
    lines = [
        f"**Stage:** {state.stage}" + (f" · **outcome:** {state.outcome}" if state.outcome else ""),
        f"**Area:** {state.tenancy.area} · **category:** {state.category} · **housing:** {state.tenancy.housing_form}",
        f"**Reports:** {len(state.reports)} ({sum(1 for r in state.reports if r.verified)} verified)"
        + (" · particularly serious" if state.particularly_serious else ""),
    ]
    tasks = sorted(state.tasks.values(), key=lambda t: (t.due_at, t.task_id))
    if tasks:
        lines.append("**Due:**")
        for task in tasks:
            flags = " · overdue" if task.overdue else ""
            flags += " · escalated" if task.escalated else ""
            lines.append(f"- {task.kind} for {task.role}, due {_at(task.due_at)}{flags}")
    else:
        lines.append("**Due:** nothing")
    clocks = sorted(state.clocks.values(), key=lambda c: (c.fires_at, c.seq))
    if clocks:
        lines.append(f"**Next clock:** {clocks[0].kind} at {_at(clocks[0].fires_at)}")
    if state.prevention_workflow_id and state.prevention_outcome is None:
        lines.append(f"**Prevention track:** running ({state.prevention_workflow_id})")
    lines.append(f"**Rules:** {state.rules} · **policy:** {state.policy.version}")
    return "\n".join(lines)


def _at(moment: datetime) -> str:
    """UTC, with its zone said: the Web UI shows its own times in the viewer's zone."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def prevention_details(state) -> str:
    """The prevention track's current details (domain.prevention.PreventionState), codes only."""
    lines = [f"**Prevention track:** {state.stage}" + (f" · **outcome:** {state.outcome}" if state.outcome else "")]
    consent = {None: "not recorded", True: "given", False: "refused"}[state.consent_given]
    lines.append(f"**Consent:** {consent} · **measures:** {len(state.measures)} · **reviews:** {len(state.reviews)}")
    if state.next_review_at:
        lines.append(f"**Next review:** {_at(state.next_review_at)}")
    for task in sorted(state.tasks.values(), key=lambda t: (t.due_at, t.task_id)):
        flags = " · overdue" if task.overdue else ""
        flags += " · escalated" if task.escalated else ""
        lines.append(f"- {task.kind} for {task.role}, due {_at(task.due_at)}{flags}")
    return "\n".join(lines)
