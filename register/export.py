"""The access export (registerutdrag, GDPR art. 15): everything the register holds on a
tenancy or a person, as one JSON document, with complainants' identities redacted.

A person is found as a tenant (one of a case's `tenant_ids`) and as a complainant (the
`person_id` of a report's complainant). A tenant gets the whole file of each of their
cases. A complainant gets the reports they filed (what, when, where, whether verified)
and the names of the identity fields the register holds on them, but not the file of the
case about their neighbour and not the identity values themselves: the export leaves
Trygg, and a complainant's identity is never written into one (DOMAIN.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime

from domain.models import Frozen
from register.rows import (
    REPORT_COLUMNS,
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


class CaseFile(Frozen):
    case: CaseRow
    stages: list[StageRow]
    events: list[EventRow]
    reports: list[ReportRow]
    tasks: list[TaskRow]
    disclosures: list[DisclosureRow]


class FiledReport(Frozen):
    """A report the person filed as complainant, and which identity fields are held."""

    report: ReportRow
    identity_fields_held: tuple[str, ...]


class AccessExport(Frozen):
    subject_kind: Literal["tenancy", "person"]
    subject_id: str
    generated_at: AwareDatetime
    cases: list[CaseFile]
    filed_reports: list[FiledReport] = []


async def export_tenancy(db: Db, tenancy_id: str, *, now: datetime | None = None) -> AccessExport:
    """Every case of the tenancy, whole, complainants redacted."""
    async with snapshot(db) as conn:
        rows = await conn.fetch("SELECT * FROM cases WHERE tenancy_id = $1 ORDER BY opened_at, case_id", tenancy_id)
        cases = await _case_files(conn, rows)
    return AccessExport(subject_kind="tenancy", subject_id=tenancy_id, generated_at=now or datetime.now(UTC), cases=cases)


async def export_person(db: Db, person_id: str, *, now: datetime | None = None) -> AccessExport:
    """Every case where the person is a tenant, and every report they filed."""
    async with snapshot(db) as conn:
        rows = await conn.fetch(
            "SELECT * FROM cases WHERE $1 = ANY(tenant_ids) ORDER BY opened_at, case_id", person_id
        )
        cases = await _case_files(conn, rows)
        filed = await conn.fetch(
            f"""SELECT {REPORT_COLUMNS}, rc.name IS NOT NULL AS has_name, rc.contact IS NOT NULL AS has_contact
                  FROM reports r JOIN report_complainants rc USING (report_id)
                 WHERE rc.person_id = $1 ORDER BY r.received_at, r.report_id""",
            person_id,
        )
    reports = [
        FiledReport(
            report=model_row(ReportRow, r),
            identity_fields_held=tuple(
                name for name, held in (("person_id", True), ("name", r["has_name"]), ("contact", r["has_contact"])) if held
            ),
        )
        for r in filed
    ]
    return AccessExport(
        subject_kind="person", subject_id=person_id, generated_at=now or datetime.now(UTC), cases=cases,
        filed_reports=reports,
    )  # fmt: skip


async def _case_files(conn, rows) -> list[CaseFile]:
    parts = await case_files_parts(conn, [r["case_id"] for r in rows])
    return [CaseFile(case=case_row(r), **parts[r["case_id"]]) for r in rows]
