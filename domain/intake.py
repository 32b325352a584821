"""Intake: what a case checks before a report enters its history, and what it answers.

A case system files a report with the `file_report` Update on the tenancy's case
workflow (Update-with-start). The validator and the handler both ask this module, so the
rules live in one pure place:

- `intake_refusals`: the report belongs to this tenancy, `occurred_at` is neither in the
  future beyond a small clock skew nor older than the policy allows, and a repeat of an
  `external_ref` carries the content it was first filed with;
- `report_digests` / `differing_fields`: what "the same content" means, field by field;
- `ReportReceipt`: the answer, in the same call.

Refusals name the field and the reason, never the value (it may be personal data).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, Field, ValidationError

from domain.models import Category, DisturbanceReport, Frozen, HousingForm, Severity, SourceKind
from domain.policy import EscalationPolicy

REPORT_REFUSED = "ReportRefused"
"""ApplicationError type of a report the case will not take (nothing is recorded)."""

CASE_CLOSING = "CaseClosing"
"""ApplicationError type of a report that reached a case in its last moments: the case has
closed and is finishing its last notices. Send it again; it opens the next case."""

START_REFUSED = "StartRefused"
"""ApplicationError type of a start the case will not run (a state from outside)."""

FILE_REPORT_UPDATE = "file_report"

COMPARED_FIELDS: tuple[str, ...] = (
    "source_kind",
    "category",
    "severity",
    "occurred_at",
    "place",
    "tenancy.property_id",
    "tenancy.area",
    "tenancy.housing_form",
    "tenancy.tenant_ids",
    "tenancy.address",
    "tenancy.tenant_names",
    "complainant",
)
"""What a repeat of an `external_ref` must carry unchanged (`tenancy.tenancy_id` is the
case's own and always equal). The register keeps only the first six, so a repeat after
its case closed is compared on those."""

REGISTER_COMPARED_FIELDS: tuple[str, ...] = COMPARED_FIELDS[:8]


class ReportReceipt(Frozen):
    """What filing a report did, answered in the same call: the case it opened or joined
    (or, for a repeat, the case the report was first filed in) and the report's id."""

    workflow_id: str
    case_id: str
    report_id: str
    stage: str = Field(description="The case's stage after the report (a closed earlier case: 'closed').")
    duplicate: bool = Field(
        default=False, description="The external_ref was filed before; this is the first receipt, nothing was recorded."
    )


class PriorReportQuery(Frozen):
    """Ask the register for a report a tenancy's earlier case holds under an external_ref."""

    tenancy_id: str = Field(min_length=1, max_length=128)
    external_ref: str = Field(min_length=1, max_length=128)
    run_id: str | None = Field(
        default=None,
        max_length=64,
        description="The asking run: its own reports are in its state, so one the register holds under this run "
        "was written by a turn Temporal lost (register/turns.py) and is not an earlier case's.",
    )


class PriorReport(Frozen):
    """A report the register holds, with what a repeat is compared against."""

    workflow_id: str
    case_id: str
    report_id: str
    stage: str
    source_kind: SourceKind
    category: Category
    severity: Severity
    occurred_at: AwareDatetime
    place: str
    property_id: str
    area: str
    housing_form: HousingForm

    def receipt(self) -> ReportReceipt:
        return ReportReceipt(
            workflow_id=self.workflow_id, case_id=self.case_id, report_id=self.report_id, stage=self.stage, duplicate=True
        )

    def digests(self) -> dict[str, str]:
        return {
            **fact_digests(self.source_kind, self.category, self.severity, self.occurred_at, self.place),
            "tenancy.property_id": _digest(self.property_id),
            "tenancy.area": _digest(self.area),
            "tenancy.housing_form": _digest(self.housing_form),
        }


class OpeningLookup(Frozen):
    """What a case asks before it opens, in one local activity (patch `opening-lookup`):
    the register's answer for the report's external_ref, and the policy in force. Two
    local activities before, each a marker in history and a few KiB of every cached
    case's memory in Temporal's SDK core."""

    prior: PriorReport | None = None
    policy: EscalationPolicy


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # the same moment in another zone is the same moment
    if isinstance(value, Frozen):
        return value.model_dump(mode="json")
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return value


def _digest(value: Any) -> str:
    text = json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fact_digests(
    source_kind: SourceKind, category: Category, severity: Severity, occurred_at: datetime, place: str
) -> dict[str, str]:
    """Digests of the report's own facts, for a report recorded before its digests were kept."""
    values = {"source_kind": source_kind, "category": category, "severity": severity,
              "occurred_at": occurred_at, "place": place}  # fmt: skip
    return {name: _digest(value) for name, value in values.items()}


def report_digests(report: DisturbanceReport) -> dict[str, str]:
    """A short digest of each compared field: enough to say which field a repeat changed,
    without keeping a second copy of the values."""
    values = {
        "source_kind": report.source_kind,
        "category": report.category,
        "severity": report.severity,
        "occurred_at": report.occurred_at,
        "place": report.place,
        "tenancy.property_id": report.tenancy.property_id,
        "tenancy.area": report.tenancy.area,
        "tenancy.housing_form": report.tenancy.housing_form,
        "tenancy.tenant_ids": report.tenancy.tenant_ids,
        "tenancy.address": report.tenancy.address,
        "tenancy.tenant_names": report.tenancy.tenant_names,
        "complainant": report.complainant,
    }
    return {name: _digest(values[name]) for name in COMPARED_FIELDS}


def differing_fields(report: DisturbanceReport, first: dict[str, str]) -> list[str]:
    """The compared fields in which `report` differs from the digests of the report first
    filed under its external_ref; only the fields `first` knows are compared."""
    now = report_digests(report)
    return [name for name in COMPARED_FIELDS if name in first and first[name] != now[name]]


def repeat_refusals(changed: list[str]) -> list[str]:
    return [f"{name}: differs from the report first filed under this external_ref" for name in changed]


def report_window(policy: EscalationPolicy | None) -> dict[str, int]:
    """The occurred_at window of a policy; before a case has its policy (the first report of
    a run is checked before the worker is asked), the defaults of EscalationPolicy."""
    if policy is not None:
        return {"skew_minutes": policy.report_clock_skew_minutes, "max_age_days": policy.report_max_age_days}
    fields = EscalationPolicy.model_fields
    return {
        "skew_minutes": fields["report_clock_skew_minutes"].default,
        "max_age_days": fields["report_max_age_days"].default,
    }


def occurred_at_refusals(occurred_at: datetime, now: datetime, *, skew_minutes: int, max_age_days: int) -> list[str]:
    """A report's moment must make sense against the case's clock at filing."""
    if occurred_at > now + timedelta(minutes=skew_minutes):
        return [f"occurred_at: in the future (more than {skew_minutes} minutes after the moment it was filed)"]
    if occurred_at < now - timedelta(days=max_age_days):
        return [f"occurred_at: more than {max_age_days} days before the moment it was filed"]
    return []


def validation_refusals(error: ValidationError) -> list[str]:
    """One line per bad field of a report that is no DisturbanceReport: where and why,
    never the value given."""
    lines = []
    for issue in error.errors(include_input=False, include_url=False):
        location = ".".join(str(part) for part in issue["loc"]) or "(report)"
        lines.append(f"{location}: {issue['msg']}")
    return lines


def tenancy_refusals(report: DisturbanceReport, workflow_id: str) -> list[str]:
    """A case workflow takes reports on its own tenancy only (`case-<tenancy id>`)."""
    if f"case-{report.tenancy.tenancy_id}" != workflow_id:
        return ["tenancy.tenancy_id: belongs to another tenancy's case workflow"]
    return []


_UNSAFE = re.compile(r"[^A-Za-z0-9._:-]")


def report_update_id(report: DisturbanceReport) -> str:
    """The Update id a report is filed under: its external_ref (characters Temporal ids
    keep readable; anything else becomes '_') and a digest of the facts a repeat must not
    change. Temporal answers a repeated Update id in one run with the first answer, so a
    retried call is idempotent; a repeat with changed facts gets another id, and the case
    refuses it naming the fields. Personal data (complainant, address, names) is not in
    the digest: Update ids are stored unencrypted."""
    ref = _UNSAFE.sub("_", report.external_ref)
    if ref != report.external_ref:
        ref += "-" + hashlib.sha256(report.external_ref.encode()).hexdigest()[:8]
    digests = report_digests(report)
    facts = hashlib.sha256("".join(digests[name] for name in REGISTER_COMPARED_FIELDS).encode()).hexdigest()[:12]
    return f"report-{ref}-{facts}"
