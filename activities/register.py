"""The register's activities: every step of the ladder written to PostgreSQL.

One class holding the asyncpg pool (STYLE.md: money-transfer template), its bound methods
registered by the worker. Each activity runs one transaction and is idempotent on the
record's key, so Temporal may retry it freely. Data that can never be written is refused
with a non-retryable ApplicationError naming the field (types in `register.errors`);
a lost connection or a restarting server is raised as is, and Temporal retries it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from pydantic import BaseModel
from temporalio import activity

from domain.records import (
    ActivityName,
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    DisclosureRecord,
    IntakeIncidentRecord,
    RegisterBatch,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
    TurnStamp,
)
from domain.intake import PriorReport, PriorReportQuery
from register import queries, turns, writes
from register.errors import checked, explain
from register.retention import RetentionCounts, RetentionRequest, apply_retention


class RegisterActivities:
    """Writes to the case register. Construct once per worker with its pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    def activities(self) -> list[Callable[..., Any]]:
        """The bound methods for `Worker(activities=...)`."""
        return [
            self.upsert_case,
            self.record_case_event,
            self.record_report,
            self.record_report_verdict,
            self.open_staff_task,
            self.close_staff_task,
            self.record_disclosure,
            self.record_register_batch,
            self.apply_retention,
            self.record_intake_incident,
            self.find_report,
        ]

    async def _write(self, name: str, record: BaseModel) -> None:
        """One record, one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            await _apply(conn, name, record)

    @activity.defn(name=ActivityName.UPSERT_CASE)
    async def upsert_case(self, record: CaseRecord) -> None:
        await self._write(ActivityName.UPSERT_CASE, record)

    @activity.defn(name=ActivityName.RECORD_CASE_EVENT)
    async def record_case_event(self, record: CaseEventRecord) -> None:
        await self._write(ActivityName.RECORD_CASE_EVENT, record)

    @activity.defn(name=ActivityName.RECORD_REPORT)
    async def record_report(self, record: ReportRecord) -> None:
        await self._write(ActivityName.RECORD_REPORT, record)

    @activity.defn(name=ActivityName.RECORD_REPORT_VERDICT)
    async def record_report_verdict(self, record: ReportVerdict) -> None:
        await self._write(ActivityName.RECORD_REPORT_VERDICT, record)

    @activity.defn(name=ActivityName.OPEN_STAFF_TASK)
    async def open_staff_task(self, record: StaffTaskRecord) -> None:
        await self._write(ActivityName.OPEN_STAFF_TASK, record)

    @activity.defn(name=ActivityName.CLOSE_STAFF_TASK)
    async def close_staff_task(self, record: CloseStaffTask) -> None:
        await self._write(ActivityName.CLOSE_STAFF_TASK, record)

    @activity.defn(name=ActivityName.RECORD_DISCLOSURE)
    async def record_disclosure(self, record: DisclosureRecord) -> None:
        await self._write(ActivityName.RECORD_DISCLOSURE, record)

    @activity.defn(name=ActivityName.RECORD_REGISTER_BATCH)
    async def record_register_batch(self, batch: RegisterBatch) -> None:
        """One turn's writes in one transaction, in order. Each write is idempotent on its
        key, so a retried batch writes only what an earlier attempt did not commit."""
        async with self._pool.acquire() as conn:
            if len(batch.writes) == 1 and batch.writes[0].name in writes.ONE_STATEMENT:
                # A staff step's note: one statement is its own transaction (no BEGIN, COMMIT),
                # unless it finds a lost turn to take back first (register/turns.py).
                only = batch.writes[0]
                if await _apply(conn, only.name, only.record, batch.turn, write=writes.record_event_in_turn) is not None:
                    return
            async with conn.transaction():
                if batch.turn is not None:
                    verdict = await turns.take_back_lost_turns(conn, batch.case_id, batch.turn)
                    if verdict is turns.Verdict.TOO_LATE:
                        activity.logger.warning("register batch from a replaced workflow task: nothing written")
                        return
                    if verdict is turns.Verdict.TAKES_BACK:
                        activity.logger.warning("register took back the writes of a lost turn")
                for write in batch.writes:
                    await _apply(conn, write.name, write.record, batch.turn)
                if batch.turn is not None:
                    await turns.record_mark(conn, batch.case_id, batch.turn)

    @activity.defn(name=ActivityName.RECORD_INTAKE_INCIDENT)
    async def record_intake_incident(self, record: IntakeIncidentRecord) -> None:
        """A refused report of a run with no case: the operator's trace of it (codes only)."""
        await self._write(ActivityName.RECORD_INTAKE_INCIDENT, record)

    @activity.defn(name=ActivityName.FIND_REPORT)
    async def find_report(self, query: PriorReportQuery) -> PriorReport | None:
        """A tenancy's report filed under an external_ref in any of its cases: a case asks
        before it takes a report its own state does not know (a read; no write)."""
        return await queries.prior_report(self._pool, query.tenancy_id, query.external_ref, query.run_id)

    @activity.defn(name=ActivityName.APPLY_RETENTION)
    async def apply_retention(self, request: RetentionRequest) -> RetentionCounts:
        """Delete and anonymise what has expired as of `request.now`; log counts only."""
        async with self._pool.acquire() as conn:
            counts = await apply_retention(conn, request)
        activity.logger.info("retention applied: %s", counts.model_dump())
        return counts


_WRITES: dict[str, tuple[str, Sequence[str], Callable[[asyncpg.Connection, Any], Awaitable[bool]]]] = {
    ActivityName.UPSERT_CASE: ("cases", writes.CASE_PARAMS, writes.upsert_case),
    ActivityName.RECORD_CASE_EVENT: ("case_events", writes.EVENT_PARAMS, writes.record_case_event),
    ActivityName.RECORD_REPORT: ("reports", writes.REPORT_PARAMS, writes.record_report),
    ActivityName.RECORD_REPORT_VERDICT: ("reports", writes.VERDICT_PARAMS, writes.record_report_verdict),
    ActivityName.OPEN_STAFF_TASK: ("staff_tasks", writes.TASK_PARAMS, writes.open_staff_task),
    ActivityName.CLOSE_STAFF_TASK: ("staff_tasks", writes.CLOSE_PARAMS, writes.close_staff_task),
    ActivityName.ASSIGN_STAFF_TASK: ("staff_tasks", writes.ASSIGN_PARAMS, writes.assign_staff_task),
    ActivityName.RECORD_DISCLOSURE: ("disclosures", writes.DISCLOSURE_PARAMS, writes.record_disclosure),
    ActivityName.RECORD_INTAKE_INCIDENT: ("intake_incidents", writes.INCIDENT_PARAMS, writes.record_intake_incident),
}
"""Each register write by the activity name it stands for: (table, query parameters, write)."""


async def _apply(
    conn: asyncpg.Connection,
    name: str,
    record: BaseModel,
    turn: TurnStamp | None = None,
    *,
    write: Callable[[asyncpg.Connection, Any, TurnStamp | None], Awaitable[bool | None]] | None = None,
) -> bool | None:
    """Write one record inside the caller's transaction, by `name`'s write or by `write`
    (a batch of one event, whose write is also the batch's turn check). Data the register
    can never hold becomes a non-retryable refusal naming the field; anything else is
    raised for Temporal to retry. Returns the write's answer: True written, False already
    there, None (the turn check only) nothing written, a lost turn to take back first."""
    table, params, named_write = _WRITES[name]
    try:
        written = await (write or named_write)(conn, checked(record), turn)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        refusal = explain(error, table, params)
        if refusal is None:
            raise
        activity.logger.warning("register refused a %s write: %s", table, refusal.type)
        raise refusal from None
    if written is False:
        activity.logger.info("register already had this %s record", table)
    return written
