"""The register's reads and the one write the HTTP API needs beyond register/queries.py:
the case list with its filters and pages, a staff member's inbox (theirs and their
role's unassigned), the case a task belongs to, and the record of each access export.

Codes, ids and dates only: no tenant, complainant or free text is read here.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from domain.models import Frozen
from register.rows import Db, model_row
from register.queries import InboxItem


class CaseListItem(Frozen):
    case_id: str
    workflow_id: str
    area: str
    category: str
    stage: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    overdue: bool = Field(description="An open task of the case is past its due time.")
    escalated: bool
    next_due: datetime | None
    assignees: tuple[str, ...] = Field(description="Who holds the case's open tasks.")


async def list_cases(
    db: Db,
    *,
    now: datetime,
    stage: str | None = None,
    area: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    assignee: str | None = None,
    include_closed: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[CaseListItem]:
    """Matching cases, newest first; `limit`+1 are read so the caller knows if more follow."""
    rows = await db.fetch(
        """WITH open_tasks AS (
               SELECT case_id, bool_or(due_at < $1) AS overdue, bool_or(escalated) AS escalated, min(due_at) AS next_due,
                      coalesce(array_agg(DISTINCT assignee) FILTER (WHERE assignee IS NOT NULL), '{}') AS assignees
                 FROM staff_tasks WHERE status = 'open' GROUP BY case_id)
           SELECT c.case_id, c.workflow_id, c.area, c.category, c.stage, c.opened_at, c.closed_at, c.outcome,
                  coalesce(t.overdue, false) AS overdue, coalesce(t.escalated, false) AS escalated, t.next_due,
                  coalesce(t.assignees, '{}') AS assignees
             FROM cases c LEFT JOIN open_tasks t USING (case_id)
            WHERE ($2::text IS NULL OR c.stage = $2)
              AND ($3::text IS NULL OR c.area = $3)
              AND ($4::text IS NULL OR c.category = $4)
              AND ($5::boolean IS NULL OR coalesce(t.overdue, false) = $5)
              AND ($6::boolean IS NULL OR coalesce(t.escalated, false) = $6)
              AND ($7::text IS NULL OR $7 = ANY(coalesce(t.assignees, '{}')))
              AND ($8 OR c.closed_at IS NULL)
            ORDER BY c.opened_at DESC, c.case_id
            LIMIT $9 OFFSET $10""",
        now, stage, area, category, overdue, escalated, assignee, include_closed, limit + 1, offset,
    )  # fmt: skip
    return [model_row(CaseListItem, {**dict(r), "assignees": tuple(r["assignees"])}) for r in rows]


async def my_inbox(
    db: Db,
    *,
    now: datetime,
    staff_id: str,
    role: str,
    area: str | None = None,
    kind: str | None = None,
    due_before: datetime | None = None,
    limit: int = 200,
) -> list[InboxItem]:
    """Open tasks assigned to `staff_id`, and those of `role` that nobody holds: overdue first, then by due time."""
    rows = await db.fetch(
        """SELECT t.*, t.due_at < $1 AS overdue, c.stage AS case_stage, c.category AS case_category
             FROM staff_tasks t JOIN cases c USING (case_id)
            WHERE t.status = 'open'
              AND (t.assignee = $2 OR (t.assignee IS NULL AND t.role = $3))
              AND ($4::text IS NULL OR t.area = $4)
              AND ($5::text IS NULL OR t.kind = $5)
              AND ($6::timestamptz IS NULL OR t.due_at < $6)
            ORDER BY overdue DESC, t.due_at, t.task_id
            LIMIT $7""",
        now, staff_id, role, area, kind, due_before, limit,
    )  # fmt: skip
    return [model_row(InboxItem, r) for r in rows]


async def task_workflow(db: Db, task_id: str) -> str | None:
    """The workflow id of the case an open task belongs to."""
    return await db.fetchval(
        """SELECT c.workflow_id FROM staff_tasks t JOIN cases c USING (case_id)
            WHERE t.task_id = $1 AND t.status = 'open'""",
        task_id,
    )


async def record_export(db: Db, *, subject_kind: str, subject_id: str, requested_by: str, role: str, at: datetime,
                        cases: int) -> str:  # fmt: skip
    """Write down that an export was made: who asked, in which role, when, for whom."""
    export_id = f"x-{uuid.uuid4().hex}"
    await db.execute(
        """INSERT INTO api_access_exports (export_id, subject_kind, subject_id, requested_by, role, at, cases)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        export_id, subject_kind, subject_id, requested_by, role, at, cases,
    )  # fmt: skip
    return export_id
