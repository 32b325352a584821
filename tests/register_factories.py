"""Valid register records for the register's tests, each overridable by keyword."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.models import Actor, Category, Complainant, HousingForm, Role, Severity, SourceKind
from domain.records import (
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    DisclosureRecord,
    ReportRecord,
    StaffTaskRecord,
    TaskStatus,
)
from tests.helpers import unique

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
COORDINATOR = Actor(id="staff-17", role=Role.COORDINATOR)


def case(**overrides: Any) -> CaseRecord:
    case_id = overrides.pop("case_id", None) or unique("case")
    values: dict[str, Any] = dict(
        case_id=case_id, workflow_id=f"wf-{case_id}", tenancy_id=unique("ten"), property_id="prop-1",
        area="Skäggetorp", housing_form=HousingForm.ORDINARY, category=Category.NOISE, stage="reported",
        opened_at=T0, policy_version="2025.1", tenant_ids=(unique("person"),), version=1,
    )  # fmt: skip
    return CaseRecord(**(values | overrides))


def event(case_id: str, **overrides: Any) -> CaseEventRecord:
    values: dict[str, Any] = dict(
        case_id=case_id, event_id=unique("ev"), kind="report_received", at=T0, actor=COORDINATOR, data={"n": 1}
    )
    return CaseEventRecord(**(values | overrides))


def report(case_id: str, **overrides: Any) -> ReportRecord:
    values: dict[str, Any] = dict(
        case_id=case_id, report_id=unique("rep"), external_ref=unique("ext"), source_kind=SourceKind.NEIGHBOUR,
        category=Category.NOISE, severity=Severity.NORMAL, occurred_at=T0 - timedelta(hours=10),
        received_at=T0, place="stairwell B",
        complainant=Complainant(person_id=unique("neighbour"), name="Anna Andersson", contact="070-1234567"),
    )  # fmt: skip
    return ReportRecord(**(values | overrides))


def task(case_id: str, **overrides: Any) -> StaffTaskRecord:
    values: dict[str, Any] = dict(
        case_id=case_id, task_id=unique("task"), kind="first_contact", role=Role.COORDINATOR, assignee="staff-17",
        area="Skäggetorp", due_at=T0 + timedelta(days=3), opened_at=T0,
    )  # fmt: skip
    return StaffTaskRecord(**(values | overrides))


def close(record: StaffTaskRecord, status: TaskStatus = TaskStatus.DONE, at: datetime | None = None) -> CloseStaffTask:
    return CloseStaffTask(case_id=record.case_id, task_id=record.task_id, status=status, at=at or T0 + timedelta(days=1))


def disclosure(case_id: str, **overrides: Any) -> DisclosureRecord:
    values: dict[str, Any] = dict(
        case_id=case_id, disclosure_id=unique("disc"), partner_id="soc-linkoping", partner_kind="social_services",
        fields=("address", "category", "occurred_at"), at=T0 + timedelta(days=2),
        legal_basis="12 kap. 25 § jordabalken",
    )  # fmt: skip
    return DisclosureRecord(**(values | overrides))
