"""Inputs of the activities: what a workflow asks the register and the partner channels to do.

One model per activity (STYLE.md), so fields can be added without breaking histories.
Every record carries its own idempotency key (`event_id`, `task_id`, `notice_id`),
derived deterministically by the workflow, so an activity retry writes or sends once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field, model_validator

from domain.models import Actor, Category, Complainant, Frozen, HousingForm, Role, Severity, SourceKind
from domain.refusals import FieldProblem, RefusalCause

ID = Field(min_length=1, max_length=128)


class CaseRecord(Frozen):
    """The case row: upserted whenever stage or outcome changes (last write by `version` wins)."""

    case_id: str = ID
    workflow_id: str = ID
    tenancy_id: str = ID
    property_id: str = ID
    area: str = ID
    housing_form: HousingForm
    category: Category
    stage: str = ID
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    outcome: str | None = None
    policy_version: str = ID
    tenant_ids: tuple[str, ...] = ()
    version: int = Field(ge=0, description="Monotonic per case; an older write never overwrites a newer.")
    changed_at: AwareDatetime | None = Field(
        default=None,
        description="When this version was made (workflow.now()). Dates the register's stage history for "
        "'median days per stage'; when absent the register uses closed_at, opened_at or its own clock.",
    )


class CaseEventRecord(Frozen):
    """One line of the append-only audit trail. `event_id` is unique per case."""

    case_id: str = ID
    event_id: str = ID
    kind: str = Field(min_length=1, max_length=64)
    at: AwareDatetime
    actor: Actor
    reason: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


class ReportRecord(Frozen):
    """A report as the register keeps it; the complainant goes to a table of its own."""

    case_id: str = ID
    report_id: str = ID
    external_ref: str = ID
    source_kind: SourceKind
    category: Category
    severity: Severity
    occurred_at: AwareDatetime
    received_at: AwareDatetime
    place: str = Field(min_length=1, max_length=200)
    complainant: Complainant | None = None


class ReportVerdict(Frozen):
    """Staff verified or rejected a report."""

    case_id: str = ID
    report_id: str = ID
    verified: bool
    at: AwareDatetime


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class StaffTaskRecord(Frozen):
    """A task waiting for a role (and maybe a named assignee), due at a moment."""

    case_id: str = ID
    task_id: str = ID
    kind: str = Field(min_length=1, max_length=64)
    role: Role
    assignee: str | None = Field(default=None, max_length=64)
    area: str = ID
    due_at: AwareDatetime
    opened_at: AwareDatetime
    escalated: bool = False


class AssignStaffTask(Frozen):
    """Give an open task to a named member of staff (the case was assigned to them)."""

    case_id: str = ID
    task_id: str = ID
    assignee: str = Field(min_length=1, max_length=64)
    at: AwareDatetime


class CloseStaffTask(Frozen):
    case_id: str = ID
    task_id: str = ID
    status: TaskStatus
    at: AwareDatetime


class DisclosureRecord(Frozen):
    """Who received which fields of which case, when, and on what basis (DOMAIN.md)."""

    case_id: str = ID
    disclosure_id: str = ID
    partner_id: str = ID
    partner_kind: str = ID
    fields: tuple[str, ...]
    at: AwareDatetime
    legal_basis: str = Field(min_length=1, max_length=200)
    notice_id: str | None = None


class IntakeIncidentRecord(Frozen):
    """A report signal refused while its run had no case open: the register's trace of it,
    codes and field names only (`intake_incidents`). `incident_id` is the idempotency key."""

    incident_id: str = Field(min_length=1, max_length=200)
    workflow_id: str = ID
    run_id: str = ID
    at: AwareDatetime
    cause: RefusalCause
    problems: tuple[FieldProblem, ...] = Field(min_length=1, max_length=50)


class NoticeKind(StrEnum):
    """Every notice the ladder can send; the partner directory maps each to recipients."""

    DISTURBANCE_NOTICE = "disturbance_notice"  # underrättelse till socialnämnden, 12:25
    WARNING_COPY = "warning_copy"  # copy of the tillsägelse to social services
    WARNING_TO_TENANT = "warning_to_tenant"  # the tillsägelse itself
    TERMINATION_NOTICE = "termination_notice"  # underrättelse vid uppsägning, 12:44
    CRIME_REPORT = "crime_report"  # police
    FIRE_HAZARD = "fire_hazard"  # räddningstjänsten and the fire safety officer
    DAMAGE_CLAIM = "damage_claim"  # insurer
    EXTRA_ROUNDS = "extra_rounds"  # security company
    COMPLAINANT_REPLY = "complainant_reply"  # återkoppling: the complainant hears the report is handled
    ACTION_PLAN_MEETING = "action_plan_meeting"  # social services
    AREA_PICTURE = "area_picture"  # area partnership, aggregates only


class NoticeRequest(Frozen):
    """Ask the partner channel to deliver one notice. `facts` holds every field the ladder
    knows for this notice; the channel strips whatever the recipient may not receive."""

    notice_id: str = ID
    case_id: str = ID
    kind: NoticeKind
    requested_at: AwareDatetime
    legal_basis: str = Field(min_length=1, max_length=200)
    facts: dict[str, Any] = Field(default_factory=dict)
    workflow_id: str | None = Field(
        default=None,
        max_length=128,
        description="The case workflow to signal when a partner acknowledges (case-{tenancy_id}).",
    )


class NoticeOutcome(Frozen):
    """What happened to a notice: one delivery per recipient partner."""

    notice_id: str
    delivered_to: tuple[str, ...] = ()
    failed_permanently: tuple[str, ...] = ()
    skipped: bool = Field(default=False, description="No partner in the directory takes this kind.")
    redacted: bool = Field(
        default=False,
        description="The screen cut a complainant's identity out of what a partner was given (partners/screen.py); "
        "the case opens a check_redaction task for its coordinator. Never says what was cut.",
    )
    redacted_cases: tuple[str, ...] = Field(
        default=(),
        description="Area pictures only: the workflow ids of the cases whose report places the screen cut, "
        "each of which gets a check_redaction task.",
    )


class NoticeAcknowledgement(Frozen):
    """A partner confirmed receipt of a notice (signed callback → signal to the case)."""

    notice_id: str = ID
    partner_id: str = ID
    at: AwareDatetime


class ActivityName:
    """The registered names of Trygg's activities. Workflows call activities by these
    names, and tests register stand-ins under the same names; the worker registers only
    the real implementations (activities.register, activities.notify)."""

    UPSERT_CASE = "upsert_case"  # CaseRecord -> None
    RECORD_CASE_EVENT = "record_case_event"  # CaseEventRecord -> None
    RECORD_REPORT = "record_report"  # ReportRecord -> None
    RECORD_REPORT_VERDICT = "record_report_verdict"  # ReportVerdict -> None
    OPEN_STAFF_TASK = "open_staff_task"  # StaffTaskRecord -> None
    CLOSE_STAFF_TASK = "close_staff_task"  # CloseStaffTask -> None
    ASSIGN_STAFF_TASK = "assign_staff_task"  # AssignStaffTask -> None (only inside a batch)
    RECORD_DISCLOSURE = "record_disclosure"  # DisclosureRecord -> None
    SEND_NOTICE = "send_notice"  # NoticeRequest -> NoticeOutcome
    RECORD_REGISTER_BATCH = "record_register_batch"  # RegisterBatch -> None (one turn's writes, one transaction)
    APPLY_RETENTION = "apply_retention"  # register.retention.RetentionRequest -> RetentionCounts
    SEND_AREA_PICTURE = "send_area_picture"  # partners.area.AreaPictureRequest -> NoticeOutcome
    RECORD_INTAKE_INCIDENT = "record_intake_incident"  # IntakeIncidentRecord -> None (a refused report, no case open)
    POLICY_IN_FORCE = "policy_in_force"  # () -> EscalationPolicy (the worker's policy, asked once when a case opens)
    EXTEND_CALENDAR = "extend_calendar"  # domain.policy.CalendarExtension -> EscalationPolicy (same rules, longer calendar)
    FIND_REPORT = "find_report"  # domain.intake.PriorReportQuery -> PriorReport | None (a tenancy's earlier report by external_ref)
    LOOK_UP_OPENING = "look_up_opening"  # domain.intake.PriorReportQuery -> OpeningLookup (find_report and policy_in_force in one)


REGISTER_RECORD_TYPES: dict[str, type[Frozen]] = {
    ActivityName.UPSERT_CASE: CaseRecord,
    ActivityName.RECORD_CASE_EVENT: CaseEventRecord,
    ActivityName.RECORD_REPORT: ReportRecord,
    ActivityName.RECORD_REPORT_VERDICT: ReportVerdict,
    ActivityName.OPEN_STAFF_TASK: StaffTaskRecord,
    ActivityName.CLOSE_STAFF_TASK: CloseStaffTask,
    ActivityName.ASSIGN_STAFF_TASK: AssignStaffTask,
}
"""The single register writes a batch may hold, by the activity each stands for."""


class RegisterWrite(Frozen):
    """One write of a batch: `name` is the single activity it stands for."""

    name: str
    record: CaseRecord | CaseEventRecord | ReportRecord | ReportVerdict | StaffTaskRecord | CloseStaffTask | AssignStaffTask

    @model_validator(mode="before")
    @classmethod
    def _record_of_its_kind(cls, data: Any) -> Any:
        """Validate `record` as the model `name` says, not by guessing from its fields."""
        if isinstance(data, dict) and isinstance(data.get("record"), dict):
            model = REGISTER_RECORD_TYPES.get(data.get("name", ""))
            if model is None:
                raise ValueError(f"name: not a register write: {data.get('name')!r}")
            return {**data, "record": model.model_validate(data["record"])}
        return data


class TurnStamp(Frozen):
    """Which batch of which run this is (register/turns.py): `mark` is its number in the
    run, `after` the number of the run's batch before it, as the run's committed history
    gives them back on replay. A register whose last mark for the run is above `after`
    holds writes of a turn Temporal lost, and takes them back before this batch writes."""

    run_id: str = Field(min_length=1, max_length=64)
    mark: int = Field(ge=1)
    after: int = Field(ge=0)
    task_length: int = Field(
        default=0,
        ge=0,
        description="The run's history length when the workflow task writing this batch began. A task that takes a "
        "lost turn's place starts no earlier than the lost one; an attempt from a task Temporal has already given "
        "to another worker starts earlier than the writes it would undo, and writes nothing.",
    )

    @model_validator(mode="after")
    def _after_before_mark(self) -> TurnStamp:
        if self.after >= self.mark:
            raise ValueError("after: must be below mark")
        return self


class RegisterBatch(Frozen):
    """Everything one turn of the ladder writes to the register, in order, in one
    transaction: one activity per turn instead of one per record keeps histories short
    and steps fast, and a retry is still idempotent write by write.

    `turn` is None only for batches built outside a workflow (tests, tools): those are
    never taken back."""

    case_id: str = ID
    writes: tuple[RegisterWrite, ...] = Field(min_length=1)
    turn: TurnStamp | None = None
