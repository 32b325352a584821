"""Case incidents: a case workflow terminated or reset outside the ladder.

Temporal's Web UI (and CLI, and API) can Terminate or Reset a case, which bypasses every
rule of the ladder; the workflow never sees its own termination. The incident sweep
(workflows/incidents.py) finds such runs and records each here once, in one transaction:

- a row in `case_incidents` (migration 0009), keyed by kind and run, so a second sweep
  over the same run writes nothing;
- an event in the case's audit trail (`case_terminated_outside_ladder`,
  `case_reset_outside_ladder`), by the system actor;
- a `review_case_incident` task for the team lead in the inbox;
- for a termination, the case row closed (outcome `terminated_outside_ladder`): its
  workflow no longer runs, so the register must not count it as open. A reset case goes
  on in its new run; the register may hold writes of the part the reset discarded.

The team lead reviews it (`trygg incidents review`), which closes the task.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

import asyncpg
from pydantic import AwareDatetime, Field

from domain.models import SYSTEM_ACTOR, Frozen, Role

INCIDENT_TASK = "review_case_incident"
TERMINATED_OUTCOME = "terminated_outside_ladder"
SYSTEM_ROLE = Role.SYSTEM.value


class IncidentKind(StrEnum):
    TERMINATED = "terminated"
    RESET = "reset"


EVENT_KIND = {
    IncidentKind.TERMINATED: "case_terminated_outside_ladder",
    IncidentKind.RESET: "case_reset_outside_ladder",
}


class FoundRun(Frozen):
    """A case run the sweep found closed or replaced outside the ladder."""

    workflow_id: str = Field(min_length=1, max_length=128)
    run_id: str = Field(min_length=1, max_length=128)
    kind: IncidentKind
    at: AwareDatetime = Field(description="When the run was terminated (its close time).")


class CaseIncident(Frozen):
    incident_id: str
    case_id: str
    workflow_id: str
    run_id: str
    kind: IncidentKind
    at: datetime
    found_at: datetime
    task_id: str
    reviewed_at: datetime | None
    reviewed_by: str | None


def incident_id(found: FoundRun) -> str:
    return f"{found.kind}:{found.workflow_id}:{found.run_id}"


async def record_case_incident(
    conn: asyncpg.Connection, found: FoundRun, *, now: datetime, task_due: datetime
) -> CaseIncident | None:
    """Record `found` on the case it ended, once. None when the register has no case of
    that workflow open before that moment (a run without a case, or already recorded)."""
    async with conn.transaction():
        if await conn.fetchval("SELECT true FROM case_incidents WHERE incident_id = $1", incident_id(found)):
            return None
        case = await conn.fetchrow(
            """SELECT case_id, area FROM cases
                WHERE workflow_id = $1 AND closed_at IS NULL AND opened_at <= $2
                ORDER BY opened_at DESC LIMIT 1 FOR UPDATE""",
            found.workflow_id, found.at,
        )  # fmt: skip
        if case is None:
            return None
        case_id = case["case_id"]
        task_id = f"{case_id}:incident-{found.kind}-{found.run_id[:12]}"
        seq = await conn.fetchval("SELECT last_seq + 1 FROM cases WHERE case_id = $1", case_id)
        data = {"run_id": found.run_id, "task_id": task_id}
        await conn.execute(
            """INSERT INTO case_events (case_id, seq, event_id, kind, actor_id, actor_role, at, reason, data)
               VALUES ($1, $2, $3, $4, $8, $5, $6, NULL, $7::jsonb)""",
            case_id, seq, f"{case_id}:incident-{found.kind}-{found.run_id}", EVENT_KIND[found.kind], SYSTEM_ROLE,
            found.at, json.dumps(data), SYSTEM_ACTOR.id,
        )  # fmt: skip
        await conn.execute("UPDATE cases SET last_seq = $2 WHERE case_id = $1", case_id, seq)
        await conn.execute(
            """INSERT INTO staff_tasks (case_id, task_id, kind, role, assignee, area, due_at, opened_at, escalated)
               VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, false) ON CONFLICT (task_id) DO NOTHING""",
            case_id, task_id, INCIDENT_TASK, Role.TEAM_LEAD.value, case["area"], task_due, now,
        )  # fmt: skip
        if found.kind is IncidentKind.TERMINATED:
            await conn.execute(
                "UPDATE cases SET closed_at = $2, outcome = $3, stage = 'closed', updated_at = $4 WHERE case_id = $1",
                case_id, found.at, TERMINATED_OUTCOME, now,
            )  # fmt: skip
        row = await conn.fetchrow(
            """INSERT INTO case_incidents (incident_id, case_id, workflow_id, run_id, kind, at, found_at, task_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
            incident_id(found), case_id, found.workflow_id, found.run_id, str(found.kind), found.at, now, task_id,
        )  # fmt: skip
    return _incident(row)


async def case_incidents(db, *, open_only: bool = False) -> list[CaseIncident]:
    """Incidents, newest first; `open_only`: those the team lead has not reviewed."""
    where = "WHERE reviewed_at IS NULL" if open_only else ""
    rows = await db.fetch(f"SELECT * FROM case_incidents {where} ORDER BY at DESC, incident_id")
    return [_incident(row) for row in rows]


class IncidentNotFound(LookupError):
    """No incident under that id (or its task id)."""


async def review_case_incident(db, reference: str, *, reviewer: str, at: datetime) -> CaseIncident:
    """The team lead has looked into it: the incident is marked reviewed and its task done.
    Named by incident id or task id; a second review changes nothing."""
    async with db.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT * FROM case_incidents WHERE incident_id = $1 OR task_id = $1 FOR UPDATE", reference
        )
        if row is None:
            raise IncidentNotFound(f"no case incident {reference}")
        if row["reviewed_at"] is None:
            row = await conn.fetchrow(
                "UPDATE case_incidents SET reviewed_at = $2, reviewed_by = $3 WHERE incident_id = $1 RETURNING *",
                row["incident_id"], at, reviewer,
            )  # fmt: skip
            await conn.execute(
                "UPDATE staff_tasks SET status = 'done', closed_at = $2 WHERE task_id = $1 AND status = 'open'",
                row["task_id"], at,
            )  # fmt: skip
    return _incident(row)


def _incident(row: asyncpg.Record) -> CaseIncident:
    return CaseIncident.model_validate({k: row[k] for k in CaseIncident.model_fields})


