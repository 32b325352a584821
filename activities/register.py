"""The register's activities: every step of the ladder written to PostgreSQL.

One class holding the asyncpg pool (STYLE.md: money-transfer template), its bound methods
registered by the worker. Each activity runs one transaction and is idempotent on the
record's key, so Temporal may retry it freely. Data that can never be written is refused
with a non-retryable ApplicationError naming the field (types in `register.errors`);
a lost connection or a restarting server is raised as is, and Temporal retries it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from pydantic import BaseModel
from temporalio import activity

from domain.records import (
    ActivityName,
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    DisclosureRecord,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
)
from register import writes
from register.errors import checked, explain
from register.retention import RetentionCounts, RetentionRequest, apply_retention

M = TypeVar("M", bound=BaseModel)


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
            self.apply_retention,
        ]

    async def _write(
        self,
        record: M,
        table: str,
        params: Sequence[str],
        write: Callable[[asyncpg.Connection, M], Awaitable[bool]],
    ) -> bool:
        record = checked(record)
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                written = await write(conn, record)
        except (asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            refusal = explain(error, table, params)
            if refusal is None:
                raise
            activity.logger.warning("register refused a %s write: %s", table, refusal.type)
            raise refusal from None
        if not written:
            activity.logger.info("register already had this %s record", table)
        return written

    @activity.defn(name=ActivityName.UPSERT_CASE)
    async def upsert_case(self, record: CaseRecord) -> None:
        await self._write(record, "cases", writes.CASE_PARAMS, writes.upsert_case)

    @activity.defn(name=ActivityName.RECORD_CASE_EVENT)
    async def record_case_event(self, record: CaseEventRecord) -> None:
        await self._write(record, "case_events", writes.EVENT_PARAMS, writes.record_case_event)

    @activity.defn(name=ActivityName.RECORD_REPORT)
    async def record_report(self, record: ReportRecord) -> None:
        await self._write(record, "reports", writes.REPORT_PARAMS, writes.record_report)

    @activity.defn(name=ActivityName.RECORD_REPORT_VERDICT)
    async def record_report_verdict(self, record: ReportVerdict) -> None:
        await self._write(record, "reports", writes.VERDICT_PARAMS, writes.record_report_verdict)

    @activity.defn(name=ActivityName.OPEN_STAFF_TASK)
    async def open_staff_task(self, record: StaffTaskRecord) -> None:
        await self._write(record, "staff_tasks", writes.TASK_PARAMS, writes.open_staff_task)

    @activity.defn(name=ActivityName.CLOSE_STAFF_TASK)
    async def close_staff_task(self, record: CloseStaffTask) -> None:
        await self._write(record, "staff_tasks", writes.CLOSE_PARAMS, writes.close_staff_task)

    @activity.defn(name=ActivityName.RECORD_DISCLOSURE)
    async def record_disclosure(self, record: DisclosureRecord) -> None:
        await self._write(record, "disclosures", writes.DISCLOSURE_PARAMS, writes.record_disclosure)

    @activity.defn(name=ActivityName.APPLY_RETENTION)
    async def apply_retention(self, request: RetentionRequest) -> RetentionCounts:
        """Delete and anonymise what has expired as of `request.now`; log counts only."""
        async with self._pool.acquire() as conn:
            counts = await apply_retention(conn, request)
        activity.logger.info("retention applied: %s", counts.model_dump())
        return counts
