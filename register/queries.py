"""Reads for the console and any API: the staff inbox, a case's audit trail, statistics,
and the one guarded read of a complainant's identity."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from domain import redaction
from domain.intake import PriorReport
from domain.models import Actor, Complainant, Frozen, Role
from register.rows import (
    CaseRow,
    Db,
    DisclosureRow,
    EventRow,
    ReportRow,
    StageRow,
    TaskRow,
    case_files_parts,
    case_row,
    model_row,
    snapshot,
)

KEEPS_HOME_OUTCOMES: tuple[str, ...] = ("resolved_in_dialogue", "corrected_after_warning", "action_plan_fulfilled")
"""Outcomes after which the tenant keeps the home (the goal of eviction prevention)."""

CASE_OWNER_ROLES = redaction.CASE_OWNER_ROLES
"""The roles that own a case and so may read a complainant's identity (the one rule)."""


class InboxItem(TaskRow):
    """An open task with what the inbox shows beside it."""

    overdue: bool
    case_stage: str
    case_category: str


async def staff_inbox(
    db: Db,
    *,
    now: datetime,
    role: Role | str | None = None,
    assignee: str | None = None,
    area: str | None = None,
    limit: int = 500,
) -> list[InboxItem]:
    """Open tasks, filtered by any of role, assignee and area: overdue ones first, then by due date."""
    rows = await db.fetch(
        """SELECT t.*, t.due_at < $1 AS overdue, c.stage AS case_stage, c.category AS case_category
             FROM staff_tasks t JOIN cases c USING (case_id)
            WHERE t.status = 'open'
              AND ($2::text IS NULL OR t.role = $2)
              AND ($3::text IS NULL OR t.assignee = $3)
              AND ($4::text IS NULL OR t.area = $4)
            ORDER BY overdue DESC, t.due_at, t.task_id
            LIMIT $5""",
        now,
        str(role) if role is not None else None,
        assignee,
        area,
        limit,
    )
    return [model_row(InboxItem, r) for r in rows]


class AuditTrail(Frozen):
    """Everything the register holds on one case, complainant identities redacted."""

    case: CaseRow
    stages: list[StageRow]
    events: list[EventRow]
    reports: list[ReportRow]
    tasks: list[TaskRow]
    disclosures: list[DisclosureRow]


async def case_audit_trail(db: Db, case_id: str) -> AuditTrail | None:
    """The case's full audit trail (events in `seq` order), or None for an unknown case."""
    async with snapshot(db) as conn:
        row = await conn.fetchrow("SELECT * FROM cases WHERE case_id = $1", case_id)
        if row is None:
            return None
        parts = (await case_files_parts(conn, [case_id]))[case_id]
    return AuditTrail(case=case_row(row), **parts)


class ComplainantAccessDenied(PermissionError):
    """Only the case owner's roles may read who complained."""


async def read_complainant(db: Db, report_id: str, actor: Actor) -> Complainant | None:
    """The complainant of a report, for the case owner only; None when none is held
    (never filed, or erased by retention)."""
    if actor.role not in CASE_OWNER_ROLES:
        raise ComplainantAccessDenied(f"role {actor.role.value} may not read a complainant's identity")
    row = await db.fetchrow("SELECT person_id, name, contact FROM report_complainants WHERE report_id = $1", report_id)
    return Complainant(**dict(row)) if row else None


async def complainant_contact(db: Db, case_id: str, report_id: str) -> str | None:
    """The contact a complainant left on a report of this case, for the one reply that
    tells them the report is handled (activities.notify). The system reads this and
    nothing else of the complainant; None when none is held."""
    return await db.fetchval(
        """SELECT rc.contact FROM report_complainants rc JOIN reports r USING (report_id)
            WHERE r.case_id = $1 AND rc.report_id = $2""",
        case_id,
        report_id,
    )


async def case_complainants(db: Db, case_id: str) -> list[Complainant]:
    """Every complainant identity held on the case's reports, for the screen on what
    leaves (partners.screen), read at the moment of sending. Never shown, never sent."""
    rows = await db.fetch(
        """SELECT rc.person_id, rc.name, rc.contact FROM report_complainants rc JOIN reports r USING (report_id)
            WHERE r.case_id = $1 ORDER BY rc.report_id""",
        case_id,
    )
    return [Complainant(**dict(r)) for r in rows]


async def prior_report(db: Db, tenancy_id: str, external_ref: str, run_id: str | None = None) -> PriorReport | None:
    """The report a tenancy's cases hold under the case system's `external_ref` (the
    first, should there be more), with its case's stage and the tenancy ids the case was
    opened with: intake compares a repeat against it. None when the register holds none
    (never filed, or deleted by retention). A report written by the asking run itself
    (`run_id`) is not counted: the run knows its own reports, so such a row is a lost
    turn's, which the run's next batch takes back (register/turns.py)."""
    row = await db.fetchrow(
        """SELECT c.workflow_id, r.case_id, r.report_id, c.stage, r.source_kind, r.category, r.severity,
                  r.occurred_at, r.place, c.property_id, c.area, c.housing_form
             FROM reports r JOIN cases c USING (case_id)
            WHERE r.external_ref = $2 AND c.tenancy_id = $1 AND r.turn_run IS DISTINCT FROM $3
            ORDER BY r.received_at, r.report_id
            LIMIT 1""",
        tenancy_id,
        external_ref,
        run_id,
    )
    return PriorReport.model_validate(dict(row)) if row else None


class RegisterStatistics(Frozen):
    """Figures for a period [start, end). Cases 'active' in the period were open at some
    moment of it; closures, outcomes and durations count cases closed within it."""

    start: AwareDatetime
    end: AwareDatetime
    active_cases: int
    active_by_stage: dict[str, int]
    active_by_area: dict[str, int]
    active_by_category: dict[str, int]
    closed_cases: int
    closed_by_outcome: dict[str, int]
    median_days_to_close: float | None
    median_days_per_stage: dict[str, float] = Field(
        description="Per stage, the median days spent in it, over stage spells that ended in the period."
    )
    keeps_home_share: float | None = Field(
        description=f"Share of closed cases whose outcome is one of {', '.join(KEEPS_HOME_OUTCOMES)}."
    )


async def statistics(db: Db, *, start: datetime, end: datetime, area: str | None = None) -> RegisterStatistics:
    """Figures for [start, end), for one area or (area None) the whole company."""
    async with snapshot(db) as conn:
        in_area = "($3::text IS NULL OR area = $3)"
        active = f"FROM cases WHERE opened_at < $2 AND (closed_at IS NULL OR closed_at >= $1) AND {in_area}"

        async def grouped(column: str, where: str) -> dict[str, int]:
            rows = await conn.fetch(
                f"SELECT {column} AS key, count(*) AS n {where} GROUP BY 1 ORDER BY 1", start, end, area
            )
            return {r["key"]: r["n"] for r in rows if r["key"] is not None}

        by_stage = await grouped("stage", active)
        closed_where = f"FROM cases WHERE closed_at >= $1 AND closed_at < $2 AND {in_area}"
        outcomes = await grouped("outcome", closed_where)
        closed = await conn.fetchrow(
            f"""SELECT count(*) AS n,
                       count(*) FILTER (WHERE outcome = ANY($4::text[])) AS keeps,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - opened_at) / 86400)
                         AS median
                {closed_where}""",
            start,
            end,
            area,
            list(KEEPS_HOME_OUTCOMES),
        )
        spells = await conn.fetch(
            """WITH spells AS (
                   SELECT s.stage, s.entered_at,
                          coalesce(lead(s.entered_at) OVER (PARTITION BY s.case_id ORDER BY s.version), c.closed_at)
                            AS left_at,
                          c.closed_at
                     FROM case_stages s JOIN cases c USING (case_id)
                    WHERE ($3::text IS NULL OR c.area = $3))
               SELECT stage,
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM left_at - entered_at) / 86400)
                        AS median
                 FROM spells
                WHERE left_at >= $1 AND left_at < $2 AND left_at >= entered_at
                  AND (closed_at IS NULL OR entered_at < closed_at)
                GROUP BY stage ORDER BY stage""",
            start,
            end,
            area,
        )
        return RegisterStatistics(
            start=start,
            end=end,
            active_cases=sum(by_stage.values()),
            active_by_stage=by_stage,
            active_by_area=await grouped("area", active),
            active_by_category=await grouped("category", active),
            closed_cases=closed["n"],
            closed_by_outcome=outcomes,
            median_days_to_close=closed["median"],
            median_days_per_stage={r["stage"]: r["median"] for r in spells},
            keeps_home_share=(closed["keeps"] / closed["n"]) if closed["n"] else None,
        )
