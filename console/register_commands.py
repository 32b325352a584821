"""Commands on the case register: the staff inbox and statistics."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

import typer

from console.times import local_time, parse_moment
from console.session import JSON_OPTION, connected, emit, fail, parse_role, run, settings_or_exit, signed_in
from register.queries import InboxItem, RegisterStatistics


def register(app: typer.Typer) -> None:
    app.command("inbox")(inbox)
    app.command("stats")(stats)


def inbox(
    role: Optional[str] = typer.Option(None, help="Only tasks for this role."),
    assignee: Optional[str] = typer.Option(None, help="Only tasks assigned to this staff id."),
    area: Optional[str] = typer.Option(None, help="Only tasks in this area."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Open staff tasks, overdue first, then by due date.

    Example: trygg inbox --role coordinator --area Ryd
    """
    settings = settings_or_exit()
    as_role = parse_role(role)
    session = signed_in(settings, as_role)

    async def go() -> list[InboxItem]:
        if session is not None:  # the API's inbox: mine and my role's unassigned
            async with session:
                return await session.inbox(area=area)
        async with connected(settings, register=True, temporal=False) as client:
            return await client.inbox(role=as_role, assignee=assignee, area=area)

    emit(run(go), as_json, _inbox_text)


def _inbox_text(items: list[InboxItem]) -> str:
    if not items:
        return "no open tasks"
    lines = [f"{'due':<22} {'task':<24} {'role':<20} {'assignee':<12} {'area':<10} case"]
    for item in items:
        due = local_time(item.due_at) + ("!" if item.overdue else " ")
        lines.append(f"{due:<22} {item.kind:<24} {item.role:<20} {item.assignee or '-':<12} {item.area:<10} {item.case_id}")
    return "\n".join(lines)


def stats(
    since: Optional[str] = typer.Option(None, help="Start of the period (ISO date or time; Swedish time unless a zone is given); default 90 days ago."),
    until: Optional[str] = typer.Option(None, help="End of the period (ISO date or time; Swedish time unless a zone is given); default now."),
    area: Optional[str] = typer.Option(None, help="Only this area."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Statistics from the register: cases by stage, area, category and outcome, median
    days per stage, and the share of cases that end with the tenant keeping the home.

    Example: trygg stats --since 2026-01-01 --area Ryd
    """
    settings = settings_or_exit()
    start = _moment(since, "since") or datetime.now(timezone.utc) - timedelta(days=90)
    end = _moment(until, "until")

    async def go() -> RegisterStatistics:
        async with connected(settings, register=True, temporal=False) as client:
            return await client.stats(since=start, until=end, area=area)

    emit(run(go), as_json, _stats_text)


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError:
        fail(f"--{name}: not an ISO date or time (a date or time without a zone is Swedish time)", 2)
        raise


def _stats_text(s: RegisterStatistics) -> str:
    def table(title: str, values: dict) -> str:
        body = ", ".join(f"{k} {v}" for k, v in sorted(values.items())) or "none"
        return f"  {title}: {body}"

    share = f"{s.keeps_home_share:.0%}" if s.keeps_home_share is not None else "-"
    median = f"{s.median_days_to_close:.1f}" if s.median_days_to_close is not None else "-"
    return "\n".join(
        [
            f"{local_time(s.start)} to {local_time(s.end)}",
            f"  active cases: {s.active_cases}   closed: {s.closed_cases}   median days to close: {median}   tenant keeps the home: {share}",
            table("by stage", s.active_by_stage),
            table("by area", s.active_by_area),
            table("by category", s.active_by_category),
            table("by outcome", s.closed_by_outcome),
            table("median days per stage", {k: round(v, 1) for k, v in s.median_days_per_stage.items()}),
        ]
    )
