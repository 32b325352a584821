"""Commands on cases: report, act, show, history, cases."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import typer

from client.cases import ALL_STEPS, CaseSummary
from client.errors import InvalidInput
from client.timeline import Timeline
from console.step_help import step_help
from console.times import local_time
from console.session import JSON_OPTION, connected, emit, fail, parse_role, run, settings_or_exit, signed_in
from domain.intake import ReportReceipt
from domain.models import Actor, Role
from domain.redaction import DataKind, may_see
from domain.view import CaseView


CASE_HELP = (
    "The case: its tenancy id (T-1001), workflow id (case-T-1001), case id, or any report, task or "
    "prevention id of it: every id Trygg prints."
)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("act", epilog=step_help())(act)
    app.command("show")(show)
    app.command("history")(history)
    app.command("cases")(cases)


def report(
    file: Optional[str] = typer.Argument(None, help="JSON file with the report, or - for standard input."),
    tenancy: Optional[str] = typer.Option(None, help="Tenancy id (when not giving a file)."),
    property_id: Optional[str] = typer.Option(None, "--property", help="Property id."),
    area: Optional[str] = typer.Option(None, help="Area."),
    housing_form: str = typer.Option("ordinary", help="ordinary, senior_55 or senior_70."),
    address: Optional[str] = typer.Option(None, help="The tenancy's street address (for the letters)."),
    tenant_name: Optional[list[str]] = typer.Option(None, "--tenant-name", help="A tenant's name (repeat for each)."),
    category: Optional[str] = typer.Option(None, help="noise, threats_or_harassment, violence, drugs, property_damage, fire_hazard, sanitation, other."),
    severity: str = typer.Option("normal", help="minor, normal, serious, particularly_serious."),
    source: Optional[str] = typer.Option(None, help="neighbour, staff, security_company, police, authority."),
    occurred_at: Optional[str] = typer.Option(None, help="ISO time with zone, e.g. 2026-11-27T23:10+01:00."),
    place: Optional[str] = typer.Option(None, help="Where: stairwell, flat, yard."),
    ref: Optional[str] = typer.Option(None, help="The case system's id of the report; a repeat answers the first receipt, a changed repeat is refused."),
    as_json: bool = JSON_OPTION,
) -> None:
    """File a disturbance report: opens the tenancy's case or joins the open one.

    Example: trygg report report.json
             trygg report --tenancy T-1001 --property P-12 --area Ryd --category noise \\
                 --source neighbour --occurred-at 2026-11-27T23:10+01:00 --place stairwell --ref CS-77 \\
                 --address "Storgatan 1 B, 582 22 Linköping" --tenant-name "Bo Bengtsson"
    """
    data = _report_data(file, locals())
    settings = settings_or_exit()
    try:
        parsed = _parse_report(data)
    except InvalidInput as error:
        fail(str(error), 2)

    async def go() -> ReportReceipt:
        async with connected(settings) as client:
            return await client.report(parsed)

    receipt = run(go)
    emit(receipt, as_json, _receipt_text)


def _parse_report(data: dict[str, Any]):
    from client import TryggClient

    return TryggClient.parse_report(data)


def _report_data(file: str | None, options: dict[str, Any]) -> dict[str, Any]:
    if file is not None:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, json.JSONDecodeError) as error:
            fail(f"report: cannot read {file}: {error}", 2)
        if not isinstance(data, dict):
            fail("report: the JSON must be an object", 2)
        return data
    tenancy = {
        "tenancy_id": options["tenancy"], "property_id": options["property_id"], "area": options["area"],
        "housing_form": options["housing_form"], "address": options["address"],
        "tenant_names": options["tenant_name"] or None,
    }  # fmt: skip
    data = {
        "external_ref": options["ref"], "source_kind": options["source"], "category": options["category"],
        "severity": options["severity"], "occurred_at": options["occurred_at"], "place": options["place"],
        "tenancy": {k: v for k, v in tenancy.items() if v is not None},
    }  # fmt: skip
    return {k: v for k, v in data.items() if v is not None}


def _receipt_text(receipt: ReportReceipt) -> str:
    lines = [f"{receipt.case_id}  ({receipt.workflow_id})"]
    if receipt.duplicate:
        lines.append(f"  report {receipt.report_id} was filed before under this ref; nothing recorded; stage: {receipt.stage}")
    else:
        lines.append(f"  report {receipt.report_id} recorded; stage: {receipt.stage}")
    lines.append("  a step names it by this id, by its ref (--report REF) or as --report latest")
    return "\n".join(lines)


def act(
    case: str = typer.Argument(..., help=CASE_HELP),
    step: str = typer.Argument(..., help="The step (each listed below with its fields, roles and stages)."),
    as_: Optional[str] = typer.Option(
        None,
        "--as",
        help="Without `trygg login` only: ROLE:ID of the person taking the step, e.g. coordinator:anna.s, "
        "sent straight to Temporal (an operator's machine). Signed in, the step goes through the API as you.",
    ),
    reason: Optional[str] = typer.Option(None, help="Why (goes to the audit trail)."),
    data: Optional[str] = typer.Option(None, help='Step fields as JSON, e.g. \'{"resolved": true}\'.'),
    report: Optional[str] = typer.Option(
        None,
        "--report",
        help="The report a step is about (verify_report, reject_report): its report id, the case "
        "system's ref it was filed under (external_ref), or 'latest'. Sets report_id.",
    ),
    step_id: Optional[str] = typer.Option(
        None,
        "--step-id",
        help="Send the step under this id (the one a step whose outcome was unknown printed): "
        "the same id never takes a step twice.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Take one staff step on a case (an Update, checked before it touches history).

    Signed in (`trygg login`), the step goes through the HTTP API as you: the API checks
    your sign-in and your role, and records you as the actor. Without a sign-in, --as is
    required and trusted as given, straight to Temporal: that path is for operators, whose
    Temporal access is itself kept to them (deploy/README.md).

    Example: trygg act T-1001 record_dialogue --reason "Talked at the door" --data '{"resolved": true}'
    """
    fields = _json_object(data, "data")
    if reason is not None:
        fields["reason"] = reason
    if report is not None:
        fields["report_id"] = report
    settings = settings_or_exit()
    session = signed_in(settings)
    if session is not None:
        if as_ is not None:
            fail("--as: you are signed in (trygg login), so the step is taken as you; trygg logout to use --as", 2)

        async def over_http() -> CaseView:
            async with session:
                return await session.act(case, step, fields, step_id=step_id)

        emit(run(over_http), as_json, _view_text)
        return
    if as_ is None:
        fail("--as: sign in first (trygg login), or name ROLE:ID to send the step straight to Temporal", 2)
    actor = _actor(as_)
    from client import TryggClient

    try:
        TryggClient.parse_step(step, actor, fields)
    except InvalidInput as error:
        fail(str(error), 2)

    async def go() -> CaseView:
        async with connected(settings) as client:
            return await client.act(case, step, actor, fields, step_id=step_id)

    emit(run(go), as_json, _view_text)


def _actor(value: str) -> Actor:
    role, _, staff_id = value.partition(":")
    try:
        return Actor(id=staff_id, role=Role(role))
    except ValueError as error:
        roles = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
        fail(f"--as: expected ROLE:ID with ROLE one of {roles} and a staff id ({error.__class__.__name__})", 2)
        raise


def _json_object(text: str | None, name: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"--{name}: not JSON: {error}", 2)
    if not isinstance(value, dict):
        fail(f"--{name}: must be a JSON object", 2)
    return value


def show(
    case: str = typer.Argument(..., help=CASE_HELP),
    role: Optional[str] = typer.Option(
        None, help="The reader's role: what it may see (domain/redaction.py) and do next. Without it: codes only."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show a case: stage, open tasks, running clocks, reports (never the complainant),
    cut to the reader's role: the case system's refs and staff ids only for roles that may
    see them.

    Example: trygg show T-1001 --role coordinator
    """
    settings = settings_or_exit()
    as_role = parse_role(role)
    session = signed_in(settings, as_role)

    async def go() -> CaseView:
        if session is not None:
            async with session:
                return await session.view(case)
        async with connected(settings) as client:
            return await client.view(case, as_role)

    emit(run(go), as_json, _view_text)


def _view_text(view: CaseView) -> str:
    staff_shown = may_see(view.for_role, DataKind.STAFF_IDS)
    hidden = "not shown to this role"
    lines = [
        f"{view.case_id}  ({view.workflow_id})",
        f"  stage: {view.stage}" + (f"   outcome: {view.outcome}" if view.outcome else ""),
        f"  area: {view.area}   category: {view.category}   housing: {view.housing_form}   "
        f"assignee: {(view.assignee or '-') if staff_shown else hidden}",
    ]
    tasks = [(t, "") for t in view.open_tasks] + [(t, " [prevention track]") for t in view.prevention_tasks]
    if tasks:
        lines.append("  open tasks:")
        for task, track in tasks:
            flags = " OVERDUE" if task.overdue else ""
            flags += " ESCALATED" if task.escalated else ""
            holder = (task.assignee or "unassigned") if staff_shown else hidden
            lines.append(f"    {task.task_id}  {task.kind} for {task.role} ({holder}) due {_t(task.due_at)}{flags}{track}")
    if view.clocks:
        lines.append("  clocks:")
        lines.extend(f"    {_clock_text(c)} at {_t(c.fires_at)}" for c in view.clocks)
    if view.reports:
        lines.append("  reports:")
        for r in view.reports:
            verified = {True: "verified", False: "rejected", None: "unverified"}[r.verified]
            lines.append(f"    {r.report_id}  {r.category} ({r.severity}) from {r.source_kind} at {_t(r.occurred_at)}, {verified}")
    if view.allowed_steps:
        lines.append("  next steps: " + ", ".join(view.allowed_steps))
    return "\n".join(lines)


def _clock_text(clock) -> str:
    """A clock with what it belongs to: the notice whose acknowledgement it waits for, or its task."""
    if clock.notice_kind is not None:
        return f"{clock.kind} for {clock.notice_kind} ({clock.ref})"
    return f"{clock.kind} ({clock.ref})" if clock.ref else str(clock.kind)


def _t(moment: datetime | None) -> str:
    return local_time(moment)


def history(
    case: str = typer.Argument(..., help=CASE_HELP),
    role: Optional[str] = typer.Option(
        None, help="The reader's role: what it may see (domain/redaction.py). Without it: codes only."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """The case's timeline: reports, steps with actor and reason, clocks, notices, prevention,
    cut to the reader's role: tenants, free text (reasons, notes, places), refs and staff ids
    only for the roles that may see them; an operator or area manager sees codes, dates,
    stages and counts.

    Example: trygg history T-1001 --role coordinator --json > case.json
    """
    settings = settings_or_exit()
    as_role = parse_role(role)
    session = signed_in(settings, as_role)

    async def go() -> Timeline:
        if session is not None:
            async with session:
                return await session.history(case)
        async with connected(settings, register=True) as client:
            return await client.history(case, as_role)

    emit(run(go), as_json, _timeline_text)


def _timeline_text(timeline: Timeline) -> str:
    lines = [f"{timeline.workflow_id}  ({len(timeline.runs)} run{'s' if len(timeline.runs) != 1 else ''})"]
    for entry in timeline.entries:
        who = f"  [{entry.actor}]" if entry.actor else ""
        why = f"  \u2014 {entry.reason}" if entry.reason else ""
        lines.append(f"  {_t(entry.at)}  {entry.summary}{who}{why}")
    return "\n".join(lines)


def cases(
    stage: Optional[str] = typer.Option(None, help="Only cases in this stage."),
    area: Optional[str] = typer.Option(None, help="Only cases in this area."),
    overdue: bool = typer.Option(False, "--overdue", help="Only cases with an overdue task."),
    escalated: bool = typer.Option(False, "--escalated", help="Only cases escalated to the team lead."),
    closed: bool = typer.Option(False, "--closed", help="Include closed cases."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List cases through Temporal's visibility (search attributes: no personal data).

    Example: trygg cases --area Ryd --overdue
    """
    settings = settings_or_exit()

    async def go() -> list[CaseSummary]:
        async with connected(settings) as client:
            return await client.cases(
                stage=stage, area=area, overdue=True if overdue else None,
                escalated=True if escalated else None, include_closed=closed,
            )  # fmt: skip

    emit(run(go), as_json, _cases_text)


def _cases_text(found: list[CaseSummary]) -> str:
    if not found:
        return "no matching cases"
    lines = [f"{'workflow':<28} {'stage':<22} {'area':<12} {'category':<22} {'next due':<21} flags"]
    for c in found:
        flags = ("overdue " if c.overdue else "") + ("escalated" if c.escalated else "")
        lines.append(f"{c.workflow_id:<28} {c.stage or '-':<22} {c.area or '-':<12} {c.category or '-':<22} {_t(c.next_due):<21} {flags}")
    return "\n".join(lines)
