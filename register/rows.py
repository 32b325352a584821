"""The register's rows as the console, the API and the access export read them.

Stage, outcome and kind stay strings: the ladder owns that vocabulary. A report never
carries its complainant's identity here; `complainant` only says whether one is held.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal, TypeVar

import asyncpg
from pydantic import Field

from domain.models import Frozen

Db = asyncpg.Pool | asyncpg.Connection
"""Reads accept a pool or a connection (inside a caller's transaction)."""

REDACTED = "redacted"
T = TypeVar("T", bound=Frozen)


@asynccontextmanager
async def snapshot(db: Db) -> AsyncIterator[asyncpg.Connection]:
    """One connection in a read-only repeatable-read transaction: a document built from
    several queries sees one moment of the register."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield conn
    else:
        async with db.transaction(isolation="repeatable_read", readonly=True):
            yield db


class CaseRow(Frozen):
    case_id: str
    workflow_id: str
    tenancy_id: str | None = Field(description="None once retention anonymised the case.")
    property_id: str | None
    area: str
    housing_form: str
    category: str
    stage: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    policy_version: str
    version: int
    tenant_ids: tuple[str, ...] | None = Field(description="None when the reader may not see the tenants.")
    anonymised_at: datetime | None


class StageRow(Frozen):
    stage: str
    version: int
    entered_at: datetime


class EventRow(Frozen):
    seq: int
    event_id: str
    kind: str
    actor_id: str | None = Field(description="None when the reader may not see staff ids.")
    actor_role: str
    at: datetime
    reason: str | None
    data: dict[str, Any]


class ReportRow(Frozen):
    report_id: str
    case_id: str
    external_ref: str | None = Field(description="None when the reader may not see the case system's ref.")
    source_kind: str
    category: str
    severity: str
    occurred_at: datetime
    received_at: datetime
    place: str | None = Field(description="Free text; None when the reader may not see it.")
    verified: bool | None
    verified_at: datetime | None
    complainant: Literal["redacted"] | None = Field(
        description="'redacted' when the register holds a complainant identity for this report, else None."
    )


class TaskRow(Frozen):
    task_id: str
    case_id: str
    kind: str
    role: str
    assignee: str | None
    area: str
    due_at: datetime
    opened_at: datetime
    status: str
    closed_at: datetime | None
    escalated: bool


class DisclosureRow(Frozen):
    disclosure_id: str
    case_id: str
    partner_id: str
    partner_kind: str
    fields: tuple[str, ...]
    at: datetime
    legal_basis: str
    notice_id: str | None
    redacted: bool = Field(
        default=False, description="The screen cut a complainant's identity out of what was sent (never what)."
    )


def case_row(record: asyncpg.Record) -> CaseRow:
    return CaseRow.model_validate({k: record[k] for k in CaseRow.model_fields})


def event_row(record: asyncpg.Record) -> EventRow:
    values = {k: record[k] for k in EventRow.model_fields}
    if isinstance(values["data"], str):
        values["data"] = json.loads(values["data"])
    return EventRow.model_validate(values)


def model_row(model: type[T], record: asyncpg.Record) -> T:
    return model.model_validate({k: record[k] for k in model.model_fields})


REPORT_COLUMNS = """r.report_id, r.case_id, r.external_ref, r.source_kind, r.category, r.severity, r.occurred_at,
    r.received_at, r.place, r.verified, r.verified_at,
    CASE WHEN EXISTS (SELECT 1 FROM report_complainants rc WHERE rc.report_id = r.report_id)
         THEN 'redacted' END AS complainant"""
"""Every report column, and for the complainant only the word 'redacted'."""


async def case_files_parts(conn: asyncpg.Connection, case_ids: list[str]) -> dict[str, dict[str, list[Any]]]:
    """Stages, events, reports (redacted), tasks and disclosures of the given cases."""
    parts: dict[str, dict[str, list[Any]]] = {
        cid: {"stages": [], "events": [], "reports": [], "tasks": [], "disclosures": []} for cid in case_ids
    }
    for r in await conn.fetch(
        "SELECT case_id, stage, version, entered_at FROM case_stages WHERE case_id = ANY($1) ORDER BY case_id, version",
        case_ids,
    ):
        parts[r["case_id"]]["stages"].append(model_row(StageRow, r))
    for r in await conn.fetch("SELECT * FROM case_events WHERE case_id = ANY($1) ORDER BY case_id, seq", case_ids):
        parts[r["case_id"]]["events"].append(event_row(r))
    for r in await conn.fetch(
        f"SELECT {REPORT_COLUMNS} FROM reports r WHERE r.case_id = ANY($1) ORDER BY r.received_at, r.report_id",
        case_ids,
    ):
        parts[r["case_id"]]["reports"].append(model_row(ReportRow, r))
    for r in await conn.fetch(
        "SELECT * FROM staff_tasks WHERE case_id = ANY($1) ORDER BY opened_at, task_id", case_ids
    ):
        parts[r["case_id"]]["tasks"].append(model_row(TaskRow, r))
    for r in await conn.fetch(
        "SELECT * FROM disclosures WHERE case_id = ANY($1) ORDER BY at, disclosure_id", case_ids
    ):
        parts[r["case_id"]]["disclosures"].append(model_row(DisclosureRow, r))
    return parts
