"""The register's writes, one function per record, each run inside the caller's transaction.

Every write is idempotent on the record's own key, so an activity retry (after a lost
connection, a worker crash, a restarted database) writes once:
- cases: last write by `version` wins; an older or equal version is a no-op;
- case_events: (case_id, event_id) is unique; `seq` is assigned under the case row's lock;
- reports, staff tasks, disclosures: the id is the primary key, a repeat does nothing.

Each function returns True when it changed the register and False when the record was
already there. Each takes `params`-named arguments so that errors.explain can name a field.

`turn` is the batch's stamp (register/turns.py): a row a write creates carries it as
(turn_run, turn_mark), and a row it changes keeps its image from before the turn in `undo`,
so a turn Temporal lost can be taken back. Writes without a stamp keep no such trace.
"""

from __future__ import annotations

import json

import asyncpg

from domain.records import (
    AssignStaffTask,
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    DisclosureRecord,
    IntakeIncidentRecord,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
    TaskStatus,
    TurnStamp,
)
from register.errors import INVALID_RECORD, UNKNOWN_CASE, UNKNOWN_REPORT, UNKNOWN_TASK, refused
from register.turns import keep_undo

CASE_PARAMS = (
    "case_id", "workflow_id", "tenancy_id", "property_id", "area", "housing_form", "category", "stage",
    "opened_at", "closed_at", "outcome", "policy_version", "version", "tenant_ids",
)  # fmt: skip


def _stamp(turn: TurnStamp | None) -> tuple[str | None, int | None]:
    return (turn.run_id, turn.mark) if turn is not None else (None, None)


LOCK_CASE = "SELECT stage, version, anonymised_at FROM cases WHERE case_id = $1 FOR UPDATE"

_CASE_ROW = """INSERT INTO cases (case_id, workflow_id, tenancy_id, property_id, area, housing_form, category,
                                   stage, opened_at, closed_at, outcome, policy_version, version, tenant_ids,
                                   turn_run, turn_mark)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (case_id) DO NOTHING"""

INSERT_CASE = f"{_CASE_ROW} RETURNING true"

INSERT_NEW_CASE = f"""WITH added AS (
    {_CASE_ROW} RETURNING case_id
), staged AS (
    INSERT INTO case_stages (case_id, version, stage, entered_at, turn_run, turn_mark)
    SELECT case_id, $13, $8, coalesce($17, $9, now()), $15, $16 FROM added
    ON CONFLICT DO NOTHING
)
SELECT EXISTS (SELECT 1 FROM added)"""
"""A new case's row and its first stage in one statement; nothing at all when the row is
there already, which the caller then compares under the row's lock as for any version."""

FIRST_VERSION = 1
"""The version of a case's opening upsert (domain.ladder: `record_version` counts from 1)."""


async def upsert_case(conn: asyncpg.Connection, record: CaseRecord, turn: TurnStamp | None = None) -> bool:
    """Insert the case, or overwrite it when `record.version` is newer; log a stage change."""
    values = (
        record.case_id, record.workflow_id, record.tenancy_id, record.property_id, record.area,
        record.housing_form.value, record.category.value, record.stage, record.opened_at, record.closed_at,
        record.outcome, record.policy_version, record.version, list(record.tenant_ids), *_stamp(turn),
    )  # fmt: skip
    # A case's opening (its first version): the row and its first stage in one round trip;
    # when the row is there already (a retry, a concurrent writer), compared as any version.
    if record.version <= FIRST_VERSION and await conn.fetchval(INSERT_NEW_CASE, *values, record.changed_at):
        return True
    old = await conn.fetchrow(LOCK_CASE, record.case_id)
    if old is None:
        inserted = await conn.fetchval(INSERT_CASE, *values)
        if not inserted:  # a concurrent writer inserted it first: take its lock, then compare versions
            old = await conn.fetchrow(LOCK_CASE, record.case_id)
    if old is not None:
        if record.version <= old["version"] or old["anonymised_at"] is not None:
            return False
        await conn.execute(
            f"""UPDATE cases SET workflow_id = $2, tenancy_id = $3, property_id = $4, area = $5, housing_form = $6,
                      category = $7, stage = $8, opened_at = $9, closed_at = $10, outcome = $11,
                      policy_version = $12, version = $13, tenant_ids = $14, updated_at = now(),
                      {keep_undo("cases", "$15::text", "$16::bigint")}
               WHERE case_id = $1""",
            *values,
        )
    if old is None or old["stage"] != record.stage:
        entered_at = record.changed_at or (record.closed_at if old is not None else record.opened_at)
        await conn.execute(
            """INSERT INTO case_stages (case_id, version, stage, entered_at, turn_run, turn_mark)
               VALUES ($1, $2, $3, coalesce($4, now()), $5, $6) ON CONFLICT DO NOTHING""",
            record.case_id, record.version, record.stage, entered_at, *_stamp(turn),
        )  # fmt: skip
    return True


EVENT_PARAMS = ("case_id", "event_id", "kind", "actor.id", "actor.role", "at", "reason", "data")


RECORD_EVENT = """
WITH locked AS (
    SELECT last_seq FROM cases WHERE case_id = $1 FOR UPDATE
), added AS (
    INSERT INTO case_events (case_id, seq, event_id, kind, actor_id, actor_role, at, reason, data, turn_run, turn_mark)
    SELECT $1, locked.last_seq + 1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10 FROM locked
    WHERE NOT EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND event_id = $2)
    ON CONFLICT (case_id, event_id) DO NOTHING
    RETURNING seq
), counted AS (
    UPDATE cases SET last_seq = added.seq FROM added WHERE cases.case_id = $1
)
SELECT EXISTS (SELECT 1 FROM locked) AS known, EXISTS (SELECT 1 FROM added) AS written"""
"""One event in one statement (one round trip): the case row is locked first, so concurrent
writers to one case queue up and `seq` stays 1, 2, 3… without gaps or duplicates (a writer
that waited reads the `last_seq` its predecessor committed); an event_id already there,
even one a concurrent retry committed while this one waited, writes nothing."""


def event_values(record: CaseEventRecord, turn: TurnStamp | None) -> tuple:
    """RECORD_EVENT's parameters $1 to $10."""
    return (
        record.case_id, record.event_id, record.kind, record.actor.id, record.actor.role.value, record.at,
        record.reason, json.dumps(record.model_dump(mode="json")["data"]), *_stamp(turn),
    )  # fmt: skip


async def record_case_event(conn: asyncpg.Connection, record: CaseEventRecord, turn: TurnStamp | None = None) -> bool:
    """Append one event (RECORD_EVENT), refused when the case is not in the register."""
    row = await conn.fetchrow(RECORD_EVENT, *event_values(record, turn))
    if not row["known"]:
        raise refused(UNKNOWN_CASE, "case_id", "no such case in the register (upsert_case first)")
    return row["written"]


RECORD_EVENT_IN_TURN = """
WITH turn AS (
    UPDATE register_turns SET mark = $11, task_length = $13
     WHERE run_id = $9 AND mark <= $12 AND task_length <= $13 RETURNING mark
), fresh AS (
    SELECT NOT EXISTS (SELECT 1 FROM register_turns WHERE run_id = $9) AS yes
), locked AS (
    SELECT last_seq FROM cases WHERE case_id = $1 FOR UPDATE
), follows AS (
    SELECT EXISTS (SELECT 1 FROM turn) OR (SELECT yes FROM fresh) AS yes
), added AS (
    INSERT INTO case_events (case_id, seq, event_id, kind, actor_id, actor_role, at, reason, data, turn_run, turn_mark)
    SELECT $1, locked.last_seq + 1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10 FROM locked, follows
    WHERE follows.yes AND NOT EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND event_id = $2)
    ON CONFLICT (case_id, event_id) DO NOTHING
    RETURNING seq
), counted AS (
    UPDATE cases SET last_seq = added.seq FROM added WHERE cases.case_id = $1
), first_mark AS (
    INSERT INTO register_turns (run_id, case_id, mark, task_length)
    SELECT $9, $1, $11, $13 FROM fresh, locked WHERE fresh.yes
    ON CONFLICT (run_id) DO NOTHING
)
SELECT EXISTS (SELECT 1 FROM locked) AS known, EXISTS (SELECT 1 FROM added) AS written,
       (SELECT yes FROM follows) AS follows"""
"""RECORD_EVENT for a batch of one event with its turn stamp (register/turns.py), still one
statement: it moves the run's mark only when no lost turn wrote past `after` ($12) and no
later workflow task has written ($13), and writes nothing otherwise (`follows` false), so
the caller judges the batch again in a transaction of its own. A run's first batch inserts
the mark; two first batches of one run cannot race, since a run writes one batch at a time."""


async def record_event_in_turn(conn: asyncpg.Connection, record: CaseEventRecord, turn: TurnStamp | None) -> bool | None:
    """One event as a whole batch: True/False as record_case_event, None when a lost turn
    has to be taken back first (nothing was written)."""
    if turn is None:
        return await record_case_event(conn, record)
    row = await conn.fetchrow(RECORD_EVENT_IN_TURN, *event_values(record, turn), turn.mark, turn.after, turn.task_length)
    if not row["known"]:
        raise refused(UNKNOWN_CASE, "case_id", "no such case in the register (upsert_case first)")
    if not row["follows"]:
        return None
    return row["written"]


ONE_STATEMENT = frozenset({"record_case_event"})
"""Writes that are one statement, so a batch of just one of them needs no transaction of its own."""


REPORT_PARAMS = (
    "case_id", "report_id", "external_ref", "source_kind", "category", "severity", "occurred_at",
    "received_at", "place", "turn_run", "turn_mark", "complainant", "complainant.person_id", "complainant.name",
    "complainant.contact",
)  # fmt: skip


async def record_report(conn: asyncpg.Connection, record: ReportRecord, turn: TurnStamp | None = None) -> bool:
    """Keep the report; its complainant, if any, goes to report_complainants, in the same
    statement (one round trip: most reports come from a neighbour with a complainant)."""
    c = record.complainant
    inserted = await conn.fetchval(
        """WITH added AS (
               INSERT INTO reports (case_id, report_id, external_ref, source_kind, category, severity,
                                    occurred_at, received_at, place, turn_run, turn_mark)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               ON CONFLICT (report_id) DO NOTHING RETURNING report_id
           ), told AS (
               INSERT INTO report_complainants (report_id, person_id, name, contact)
               SELECT report_id, $13::text, $14::text, $15::text FROM added WHERE $12::boolean
               ON CONFLICT DO NOTHING
           )
           SELECT EXISTS (SELECT 1 FROM added)""",
        record.case_id, record.report_id, record.external_ref, record.source_kind.value, record.category.value,
        record.severity.value, record.occurred_at, record.received_at, record.place, *_stamp(turn),
        c is not None, *((c.person_id, c.name, c.contact) if c is not None else (None, None, None)),
    )  # fmt: skip
    return bool(inserted)


VERDICT_PARAMS = ("case_id", "report_id", "verified", "at")


async def record_report_verdict(conn: asyncpg.Connection, record: ReportVerdict, turn: TurnStamp | None = None) -> bool:
    """Set verified/rejected. A later verdict replaces an earlier one; a repeat is a no-op."""
    current = await conn.fetchrow(
        "SELECT verified, verified_at FROM reports WHERE case_id = $1 AND report_id = $2 FOR UPDATE",
        record.case_id, record.report_id,
    )  # fmt: skip
    if current is None:
        raise refused(UNKNOWN_REPORT, "report_id", "no such report on this case in the register")
    if current["verified_at"] is not None and (
        current["verified_at"] > record.at or (current["verified_at"] == record.at and current["verified"] == record.verified)
    ):
        return False
    await conn.execute(
        f"""UPDATE reports SET verified = $3, verified_at = $4, {keep_undo("reports", "$5::text", "$6::bigint")}
             WHERE case_id = $1 AND report_id = $2""",
        record.case_id, record.report_id, record.verified, record.at, *_stamp(turn),
    )  # fmt: skip
    return True


TASK_PARAMS = ("case_id", "task_id", "kind", "role", "assignee", "area", "due_at", "opened_at", "escalated")


async def open_staff_task(conn: asyncpg.Connection, record: StaffTaskRecord, turn: TurnStamp | None = None) -> bool:
    """Open a task. A repeat is a no-op, except that the first repeat marked `escalated`
    moves an open task to its new role, assignee and due date (the escalation)."""
    changed = await conn.fetchval(
        f"""INSERT INTO staff_tasks (case_id, task_id, kind, role, assignee, area, due_at, opened_at, escalated,
                                    turn_run, turn_mark)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (task_id) DO UPDATE
              SET escalated = true, role = excluded.role, assignee = excluded.assignee, due_at = excluded.due_at,
                  {keep_undo("staff_tasks", "$10::text", "$11::bigint", qualified=True)}
            WHERE staff_tasks.status = 'open' AND excluded.escalated AND NOT staff_tasks.escalated
           RETURNING true""",
        record.case_id, record.task_id, record.kind, record.role.value, record.assignee, record.area,
        record.due_at, record.opened_at, record.escalated, *_stamp(turn),
    )  # fmt: skip
    return bool(changed)


CLOSE_PARAMS = ("case_id", "task_id", "status", "at")


async def close_staff_task(conn: asyncpg.Connection, record: CloseStaffTask, turn: TurnStamp | None = None) -> bool:
    """Close an open task as done or cancelled; closing a closed task is a no-op."""
    if record.status is TaskStatus.OPEN:
        raise refused(INVALID_RECORD, "status", "closing a task needs status done or cancelled")
    closed = await conn.fetchval(
        f"""UPDATE staff_tasks SET status = $3, closed_at = $4, {keep_undo("staff_tasks", "$5::text", "$6::bigint")}
            WHERE case_id = $1 AND task_id = $2 AND status = 'open' RETURNING true""",
        record.case_id, record.task_id, record.status.value, record.at, *_stamp(turn),
    )  # fmt: skip
    if closed:
        return True
    if not await conn.fetchval(
        "SELECT true FROM staff_tasks WHERE case_id = $1 AND task_id = $2", record.case_id, record.task_id
    ):
        raise refused(UNKNOWN_TASK, "task_id", "no such task on this case in the register")
    return False


ASSIGN_PARAMS = ("case_id", "task_id", "assignee", "at")


async def assign_staff_task(conn: asyncpg.Connection, record: AssignStaffTask, turn: TurnStamp | None = None) -> bool:
    """Give an open task to a named assignee; a closed task keeps who held it, and a
    repeat changes nothing."""
    assigned = await conn.fetchval(
        f"""UPDATE staff_tasks SET assignee = $3, {keep_undo("staff_tasks", "$4::text", "$5::bigint")}
            WHERE case_id = $1 AND task_id = $2 AND status = 'open' AND assignee IS DISTINCT FROM $3
           RETURNING true""",
        record.case_id, record.task_id, record.assignee, *_stamp(turn),
    )  # fmt: skip
    if assigned:
        return True
    if not await conn.fetchval(
        "SELECT true FROM staff_tasks WHERE case_id = $1 AND task_id = $2", record.case_id, record.task_id
    ):
        raise refused(UNKNOWN_TASK, "task_id", "no such task on this case in the register")
    return False


DISCLOSURE_PARAMS = ("case_id", "disclosure_id", "partner_id", "partner_kind", "fields", "at", "legal_basis", "notice_id")


async def record_disclosure(conn: asyncpg.Connection, record: DisclosureRecord, turn: TurnStamp | None = None) -> bool:
    """Log who received which fields of which case, when and on what basis."""
    inserted = await conn.fetchval(
        """INSERT INTO disclosures (case_id, disclosure_id, partner_id, partner_kind, fields, at, legal_basis, notice_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (disclosure_id) DO NOTHING RETURNING true""",
        record.case_id, record.disclosure_id, record.partner_id, record.partner_kind, list(record.fields),
        record.at, record.legal_basis, record.notice_id,
    )  # fmt: skip
    return bool(inserted)


INCIDENT_PARAMS = ("incident_id", "workflow_id", "run_id", "at", "cause", "problems.field", "problems.reason")


async def record_intake_incident(
    conn: asyncpg.Connection, record: IntakeIncidentRecord, turn: TurnStamp | None = None
) -> bool:
    """Log a refused report of a run with no case; the incident id makes a retry a no-op."""
    inserted = await conn.fetchval(
        """INSERT INTO intake_incidents (incident_id, workflow_id, run_id, at, cause, fields, reasons)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (incident_id) DO NOTHING RETURNING true""",
        record.incident_id, record.workflow_id, record.run_id, record.at, str(record.cause),
        [p.field for p in record.problems], [p.reason for p in record.problems],
    )  # fmt: skip
    return bool(inserted)
