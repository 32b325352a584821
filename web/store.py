"""The web app's reads and writes in PostgreSQL: the inbox, the staff directory, saved
filters and the digest choice (migration 0010).

The inbox reads the register's `staff_tasks`, which the ladder keeps; this module only
chooses which rows a person sees and in which order, never what a task is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from domain.models import Role
from web.labels import LEGAL_TASK_KINDS

DUE_FILTERS = {"overdue": "Försenade", "today": "Förfaller i dag", "week": "Förfaller inom 7 dagar"}
INBOX_LIMIT = 50


@dataclass(frozen=True)
class InboxFilter:
    area: str | None = None
    kind: str | None = None
    due: str | None = None

    @classmethod
    def of(cls, params: Any) -> "InboxFilter":
        due = params.get("due") or None
        return cls(area=params.get("area") or None, kind=params.get("kind") or None,
                   due=due if due in DUE_FILTERS else None)  # fmt: skip

    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("area", self.area), ("kind", self.kind), ("due", self.due)) if v}


@dataclass(frozen=True)
class InboxRow:
    task_id: str
    case_id: str
    workflow_id: str
    kind: str
    role: str
    assignee: str | None
    area: str
    due_at: datetime
    overdue: bool
    legal: bool
    stage: str
    category: str


@dataclass(frozen=True)
class Inbox:
    rows: list[InboxRow]
    total: int
    counts: dict[str, dict[str, int]]


def _scope(role: Role, subject: str) -> tuple[str, list[Any]]:
    """The team lead sees every open task; everyone else their own and their role's unassigned."""
    if role is Role.TEAM_LEAD:
        return "t.status = 'open'", []
    return "t.status = 'open' AND (t.assignee = $1 OR (t.role = $2 AND t.assignee IS NULL))", [subject, role.value]


async def inbox(pool: asyncpg.Pool, *, role: Role, subject: str, filters: InboxFilter, now: datetime) -> Inbox:
    """Overdue first, then by due day (Swedish calendar day); among tasks due the same
    day, those carrying a legal deadline first; then by due time."""
    scope, args = _scope(role, subject)
    n = len(args)
    args += [now, list(LEGAL_TASK_KINDS), filters.area, filters.kind, filters.due]
    p_now, p_legal, p_area, p_kind, p_due = (f"${n + i}" for i in range(1, 6))
    due_clause = (
        f"({p_due}::text IS NULL OR ({p_due} = 'overdue' AND t.due_at < {p_now})"
        f" OR ({p_due} = 'today' AND (t.due_at AT TIME ZONE 'Europe/Stockholm')::date <= ({p_now}::timestamptz AT TIME ZONE 'Europe/Stockholm')::date)"
        f" OR ({p_due} = 'week' AND t.due_at < {p_now}::timestamptz + interval '7 days'))"
    )
    where = f"{scope} AND ({p_area}::text IS NULL OR t.area = {p_area}) AND ({p_kind}::text IS NULL OR t.kind = {p_kind}) AND {due_clause}"
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            f"""SELECT t.task_id, t.case_id, c.workflow_id, t.kind, t.role, t.assignee, t.area, t.due_at,
                       t.due_at < {p_now} AS overdue, t.kind = ANY({p_legal}::text[]) AS legal,
                       c.stage, c.category, count(*) OVER () AS total
                  FROM staff_tasks t JOIN cases c USING (case_id)
                 WHERE {where}
                 ORDER BY overdue DESC, (t.due_at AT TIME ZONE 'Europe/Stockholm')::date, legal DESC, t.due_at, t.task_id
                 LIMIT {INBOX_LIMIT}""",
            *args,
        )
        count_args = args[:n] + [now]
        grouped = await conn.fetch(
            f"""SELECT t.area, t.kind,
                       CASE WHEN t.due_at < ${n + 1} THEN 'overdue'
                            WHEN (t.due_at AT TIME ZONE 'Europe/Stockholm')::date <= (${n + 1}::timestamptz AT TIME ZONE 'Europe/Stockholm')::date THEN 'today'
                            WHEN t.due_at < ${n + 1}::timestamptz + interval '7 days' THEN 'week' END AS due,
                       count(*) AS n
                  FROM staff_tasks t WHERE {scope}
                 GROUP BY GROUPING SETS ((t.area), (t.kind), (3))""",
            *count_args,
        )
    counts: dict[str, dict[str, int]] = {"area": {}, "kind": {}, "due": {}}
    for g in grouped:
        for dim in ("area", "kind", "due"):
            if g[dim] is not None:
                counts[dim][g[dim]] = counts[dim].get(g[dim], 0) + g["n"]
    # a task overdue is also due today and within the week
    counts["due"]["today"] = counts["due"].get("today", 0) + counts["due"].get("overdue", 0)
    counts["due"]["week"] = counts["due"].get("week", 0) + counts["due"]["today"]
    items = [InboxRow(**{k: r[k] for k in InboxRow.__dataclass_fields__}) for r in rows]
    return Inbox(rows=items, total=rows[0]["total"] if rows else 0, counts=counts)


async def seen(pool: asyncpg.Pool, subject: str, name: str, roles: tuple[Role, ...]) -> None:
    """Record a sign-in, so colleagues can hand this person a task by name."""
    await pool.execute(
        """INSERT INTO web_staff (subject, name, roles) VALUES ($1, $2, $3)
           ON CONFLICT (subject) DO UPDATE SET name = EXCLUDED.name, roles = EXCLUDED.roles, last_seen = now()""",
        subject, name[:200], [r.value for r in roles],
    )  # fmt: skip


async def colleagues(pool: asyncpg.Pool, role: str | None = None) -> list[tuple[str, str, list[str]]]:
    """(subject, name, roles) of every staff member who has signed in, by name; those
    holding `role` only, when given."""
    rows = await pool.fetch(
        "SELECT subject, name, roles FROM web_staff WHERE $1::text IS NULL OR $1 = ANY(roles) ORDER BY name", role
    )
    return [(r["subject"], r["name"], list(r["roles"])) for r in rows]


@dataclass(frozen=True)
class Preferences:
    saved_filters: list[dict[str, str]]
    digest: bool
    digest_email: str | None


async def preferences(pool: asyncpg.Pool, subject: str) -> Preferences:
    row = await pool.fetchrow("SELECT saved_filters, digest, digest_email FROM web_preferences WHERE subject = $1", subject)
    if row is None:
        return Preferences([], False, None)
    return Preferences(json.loads(row["saved_filters"]), row["digest"], row["digest_email"])


async def save_filter(pool: asyncpg.Pool, subject: str, name: str, filters: InboxFilter) -> None:
    """Save (or replace, by name) one named filter; at most 20 are kept."""
    current = (await preferences(pool, subject)).saved_filters
    kept = [f for f in current if f.get("name") != name][-19:]
    kept.append({"name": name, **filters.query()})
    await pool.execute(
        """INSERT INTO web_preferences (subject, saved_filters) VALUES ($1, $2::jsonb)
           ON CONFLICT (subject) DO UPDATE SET saved_filters = EXCLUDED.saved_filters, updated_at = now()""",
        subject, json.dumps(kept),
    )  # fmt: skip


async def delete_filter(pool: asyncpg.Pool, subject: str, name: str) -> None:
    current = (await preferences(pool, subject)).saved_filters
    await pool.execute(
        "UPDATE web_preferences SET saved_filters = $2::jsonb, updated_at = now() WHERE subject = $1",
        subject, json.dumps([f for f in current if f.get("name") != name]),
    )  # fmt: skip


async def set_digest(pool: asyncpg.Pool, subject: str, digest: bool, email: str | None) -> None:
    await pool.execute(
        """INSERT INTO web_preferences (subject, digest, digest_email) VALUES ($1, $2, $3)
           ON CONFLICT (subject) DO UPDATE SET digest = EXCLUDED.digest, digest_email = EXCLUDED.digest_email,
                                               updated_at = now()""",
        subject, digest, email,
    )  # fmt: skip


async def known_tenancies(pool: asyncpg.Pool, limit: int = 500) -> list[dict[str, str]]:
    """Tenancies the register holds a case for, newest first: a report on one of them is
    filed by choosing it, not by typing its id."""
    rows = await pool.fetch(
        """SELECT DISTINCT ON (tenancy_id) tenancy_id, property_id, area, housing_form
             FROM cases WHERE tenancy_id IS NOT NULL ORDER BY tenancy_id, opened_at DESC LIMIT $1""",
        limit,
    )
    return [dict(r) for r in rows]


async def areas(pool: asyncpg.Pool) -> list[str]:
    return [r["area"] for r in await pool.fetch("SELECT DISTINCT area FROM cases ORDER BY area")]
