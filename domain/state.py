"""The state of one disturbance case: one model, carried whole through continue-as-new.

The ladder (`domain.ladder.decide`) copies it, changes the copy and returns it; the
workflow never edits it by hand. It holds no complainant: the complainant goes
straight to the register with the report and is never part of what the case shows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.models import Category, Frozen, HousingForm, Role, Severity, SourceKind, TenancyRef
from domain.policy import EscalationPolicy
from domain.records import NoticeKind


class CaseStage(StrEnum):
    """The rungs of the ladder (DOMAIN.md), as a case moves up and sometimes back down."""

    REPORTED = "reported"  # störningsanmälan received, waiting for verification
    CONTACT = "contact"  # verified; first contact with the tenant due
    DIALOGUE = "dialogue"  # contacted; hearing the tenant's side (dialog)
    FOLLOW_UP = "follow_up"  # warned (tillsägelse) or plan fulfilled; checkpoints and quiet period (uppföljning)
    PREVENTION = "prevention"  # eviction-prevention track running (vräkningsförebyggande arbete)
    TERMINATION_REVIEW = "termination_review"  # the tenancy lawyer decides; 12:43 window running
    LEGAL_PROCESS = "legal_process"  # termination given; rent tribunal, court, Kronofogden outside Trygg
    CLOSED = "closed"


OPEN_STAGES = frozenset(CaseStage) - {CaseStage.CLOSED}


class Outcome(StrEnum):
    RESOLVED_IN_DIALOGUE = "resolved_in_dialogue"
    CORRECTED_AFTER_WARNING = "corrected_after_warning"  # rättelse skett
    ACTION_PLAN_FULFILLED = "action_plan_fulfilled"
    TENANT_MOVED_OUT = "tenant_moved_out"
    TERMINATED = "terminated"
    UNFOUNDED = "unfounded"
    WITHDRAWN = "withdrawn"


class PreventionOutcome(StrEnum):
    FULFILLED = "fulfilled"  # disturbances stopped, the tenant keeps the home
    FAILED = "failed"  # the plan did not hold: termination review
    WITHDRAWN = "withdrawn"  # the track was stopped from outside (case closed, serious incident)


class ClockKind(StrEnum):
    TASK_DUE = "task_due"  # reminder moment of a staff task
    TASK_ESCALATION = "task_escalation"  # reminder went unanswered: to the team lead
    FOLLOW_UP_CHECKPOINT = "follow_up_checkpoint"
    QUIET_PERIOD = "quiet_period"
    TERMINATION_WINDOW_WARNING = "termination_window_warning"
    TERMINATION_WINDOW_CLOSES = "termination_window_closes"
    ACKNOWLEDGEMENT_DUE = "acknowledgement_due"


class Clock(Frozen):
    """A durable timer. The workflow sleeps until the earliest `fires_at` of all clocks."""

    clock_id: str
    seq: int = Field(description="Creation order; breaks ties between clocks firing at the same moment.")
    kind: ClockKind
    fires_at: AwareDatetime
    ref: str | None = Field(default=None, description="The task or notice this clock belongs to.")


class TaskState(Frozen):
    task_id: str
    kind: str
    role: Role
    assignee: str | None = None
    due_at: AwareDatetime
    opened_at: AwareDatetime
    ref: str | None = Field(default=None, description="The report or notice the task is about.")
    overdue: bool = False
    escalated: bool = False
    escalation_of: str | None = Field(default=None, description="Set on the team lead's copy of an escalated task.")


class ReportEntry(Frozen):
    """A report as the case shows it: no complainant."""

    report_id: str
    external_ref: str
    source_kind: SourceKind
    category: Category
    severity: Severity
    occurred_at: AwareDatetime
    received_at: AwareDatetime
    place: str = Field(max_length=200, description="Where (stairwell, yard): the incident's facts, not a person.")
    complainant_reachable: bool = Field(
        default=False, description="The complainant left a contact to hear back on; the contact stays in the register."
    )
    verified: bool | None = None
    verdict_at: AwareDatetime | None = None
    digests: dict[str, str] | None = Field(
        default=None,
        description="A digest per compared field of the report as filed (domain.intake.report_digests), so a "
        "repeat of its external_ref with changed content is refused naming the fields. Absent on reports "
        "recorded before intake kept them.",
    )


class NoticeEntry(Frozen):
    """A notice the case asked for, and what became of it. Under `rules` 2 a notice counts
    as given only once `delivered_at` is set: by the channel's outcome, or by a named member
    of staff completing its deliver-by-hand task (`delivered_by`)."""

    notice_id: str
    kind: NoticeKind
    requested_at: AwareDatetime
    undelivered: bool = False
    acknowledged_at: AwareDatetime | None = None
    required: bool = Field(default=False, description="A legal duty (domain.law.LEGAL_DUTIES), not a courtesy.")
    delivered_at: AwareDatetime | None = None
    delivered_to: tuple[str, ...] = Field(default=(), description="Partner ids the channel delivered to.")
    delivered_by: str | None = Field(default=None, description="Staff id who confirmed delivery by hand.")
    no_partner: bool = Field(default=False, description="No partner in the directory takes this kind.")


RULES_BEFORE_LAW = 1
"""The ladder as it ran before domain.law: notices counted when requested, the termination
window from entering review, steps judged on the state as it stood. Cases opened before the
`law-rules` patch keep it, so their histories replay and their clocks stay as they were."""

CURRENT_RULES = 2
"""Delivery-driven notices, termination preconditions, the 43 § window from learning of the
ground, steps judged at the moment they are taken, owner roles by housing form, outcomes
checked against the record (README 'Legal invariants')."""


class CaseState(BaseModel):
    """Everything a case knows. Mutable for the ladder's convenience; only `decide` changes it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    rules: int = Field(
        default=RULES_BEFORE_LAW,
        description="Which rules the ladder applies to this case, fixed when it opens (CURRENT_RULES under the "
        "`law-rules` patch) and carried through continue-as-new; a state recorded without it is an older case.",
    )
    case_id: str
    workflow_id: str
    tenancy: TenancyRef
    category: Category
    policy: EscalationPolicy
    stage: CaseStage = CaseStage.REPORTED
    outcome: Outcome | None = None
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    seq: int = 0
    record_version: int = 0
    reports: list[ReportEntry] = Field(default_factory=list)
    tasks: dict[str, TaskState] = Field(default_factory=dict)
    clocks: dict[str, Clock] = Field(default_factory=dict)
    notices: list[NoticeEntry] = Field(default_factory=list)
    assignee: str | None = None
    particularly_serious: bool = False
    warning_issued_at: AwareDatetime | None = None
    warning_proposed_at: AwareDatetime | None = Field(
        default=None, description="A coordinator's warning waits for the team lead (policy asks for approval)."
    )
    social_services_notified_at: AwareDatetime | None = Field(
        default=None, description="Rules 2: when the notice to social services was delivered; rules 1: requested."
    )
    warned_at: AwareDatetime | None = Field(
        default=None, description="Rules 2: when the warning (tillsägelse) reached the tenant, by letter or by hand."
    )
    termination_window_closes_at: AwareDatetime | None = None
    ground_report_id: str | None = Field(default=None, description="The verified report termination would rest on.")
    ground_learned_at: AwareDatetime | None = Field(
        default=None, description="When the landlord learned of the ground (12 kap. 43 §): the window runs from it."
    )
    ground_learned_basis: str | None = Field(
        default=None, description="Why the tenancy lawyer recorded a later date (GroundBasis), if they did."
    )
    prevention_workflow_id: str | None = None
    prevention_outcome: PreventionOutcome | None = None
    milestones: list[str] = Field(default_factory=list)
    notes: int = 0

    @property
    def is_closed(self) -> bool:
        return self.stage is CaseStage.CLOSED

    @property
    def law(self) -> bool:
        """True when this case runs under domain.law (rules 2 or later)."""
        return self.rules >= CURRENT_RULES

    @property
    def owner_role(self) -> Role:
        """Senior housing (55+/70+) goes to the seniorvärd, everything else to the coordinator."""
        if self.tenancy.housing_form is not HousingForm.ORDINARY:
            return self.policy.senior_owner_role
        return self.policy.owner_role

    def report(self, report_id: str) -> ReportEntry | None:
        return next((r for r in self.reports if r.report_id == report_id), None)

    def has_verified_report(self) -> bool:
        return any(r.verified for r in self.reports)

    def external_refs(self) -> set[str]:
        return {r.external_ref for r in self.reports}

    def next_clock(self) -> Clock | None:
        return min(self.clocks.values(), key=lambda c: (c.fires_at, c.seq), default=None)

    def notice(self, notice_id: str) -> NoticeEntry | None:
        return next((n for n in self.notices if n.notice_id == notice_id), None)

    def next_due(self) -> datetime | None:
        return min((t.due_at for t in self.tasks.values()), default=None)
