"""The access export (registerutdrag, GDPR art. 15): everything the register holds on a
tenancy or a person, as one JSON document, with complainants' identities redacted.

A person is found as a tenant (one of a case's `tenant_ids`) and as a complainant (the
`person_id` of a report's complainant). A tenant gets the whole file of each of their
cases. A complainant gets the reports they filed (what, when, where, whether verified)
and the names of the identity fields the register holds on them, but not the file of the
case about their neighbour and not the identity values themselves: the export leaves
Trygg, and a complainant's identity is never written into one (DOMAIN.md).

Two more cuts, because an export leaves Trygg: every string in it is screened against the
identities of every complainant on the exported cases (partners/screen.py), so a name
typed into a reason or a place does not go out with it; and the whole is cut to the role
of the member of staff who makes it (domain/redaction.py; without a role, codes only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime

from domain.models import Complainant, Frozen, Role
from domain.redaction import cut_model
from partners.screen import Screen
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


async def export_tenancy(
    db: Db, tenancy_id: str, *, role: Role | None = None, now: datetime | None = None
) -> AccessExport:
    """Every case of the tenancy, whole, complainants redacted, cut to `role`."""
    async with snapshot(db) as conn:
        rows = await conn.fetch("SELECT * FROM cases WHERE tenancy_id = $1 ORDER BY opened_at, case_id", tenancy_id)
        cases = await _case_files(conn, rows)
        identities = await _complainants(conn, [r["case_id"] for r in rows], [])
    export = AccessExport(subject_kind="tenancy", subject_id=tenancy_id, generated_at=now or datetime.now(UTC), cases=cases)
    return _for_reader(export, identities, role)


async def export_person(
    db: Db, person_id: str, *, role: Role | None = None, now: datetime | None = None
) -> AccessExport:
    """Every case where the person is a tenant, and every report they filed, cut to `role`."""
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
        identities = await _complainants(conn, [r["case_id"] for r in rows], [r["report_id"] for r in filed])
    reports = [
        FiledReport(
            report=model_row(ReportRow, r),
            identity_fields_held=tuple(
                name for name, held in (("person_id", True), ("name", r["has_name"]), ("contact", r["has_contact"])) if held
            ),
        )
        for r in filed
    ]
    export = AccessExport(
        subject_kind="person", subject_id=person_id, generated_at=now or datetime.now(UTC), cases=cases,
        filed_reports=reports,
    )  # fmt: skip
    return _for_reader(export, identities, role)


async def _complainants(conn, case_ids: list[str], report_ids: list[str]) -> list[Complainant]:
    rows = await conn.fetch(
        """SELECT rc.person_id, rc.name, rc.contact FROM report_complainants rc JOIN reports r USING (report_id)
            WHERE r.case_id = ANY($1) OR rc.report_id = ANY($2)""",
        case_ids,
        report_ids,
    )
    return [Complainant(**dict(r)) for r in rows]


def _for_reader(export: AccessExport, identities: list[Complainant], role: Role | None) -> AccessExport:
    """Screened (the files and reports, not the subject's own id), then cut to the role."""
    screen = Screen.of(identities)
    dumped = export.model_dump(mode="json")
    dumped["cases"], _ = screen.value(dumped["cases"])
    dumped["filed_reports"], _ = screen.value(dumped["filed_reports"])
    return cut_model(AccessExport.model_validate(dumped), role)


async def _case_files(conn, rows) -> list[CaseFile]:
    parts = await case_files_parts(conn, [r["case_id"] for r in rows])
    return [CaseFile(case=case_row(r), **parts[r["case_id"]]) for r in rows]
