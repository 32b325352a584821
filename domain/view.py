"""The case as staff see it: the answer of every step and of the `view` query.

No complainant, no free text: ids, codes, dates. `allowed_steps` is what the asking
role may do next (or every step someone may take, when no role is given). The workflow
answers with the whole view; every read by a person is cut to that person's role by
domain/redaction.py (client.TryggClient.view and .act), so `external_ref` and staff ids
reach only the roles that may see them.
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from domain import law
from domain.models import Category, Frozen, HousingForm, Role, Severity, SourceKind
from domain.policy import TaskKind
from domain.records import NoticeKind
from domain.state import CaseStage, CaseState, ClockKind, Outcome, PreventionOutcome
from domain.steps import allowed_steps


class ReportView(Frozen):
    report_id: str
    external_ref: str | None = Field(description="The case system's id; shown only to the case owner's roles.")
    source_kind: SourceKind
    category: Category
    severity: Severity
    occurred_at: AwareDatetime
    verified: bool | None


class TaskView(Frozen):
    task_id: str
    kind: str
    role: Role
    assignee: str | None
    due_at: AwareDatetime
    overdue: bool
    escalated: bool
    ref: str | None = Field(
        default=None, description="The report or notice the task is about (an id), so two tasks of one kind can be told apart."
    )


class ClockView(Frozen):
    """A running clock; `ref` and `notice_kind` say what it belongs to (a task, or the
    notice whose acknowledgement it waits for), so two clocks of one kind can be told apart."""

    kind: ClockKind
    fires_at: AwareDatetime
    ref: str | None = None
    notice_kind: NoticeKind | None = None


class LegalDutyView(Frozen):
    """One legal duty of the case (domain.law.LEGAL_DUTIES) and where it stands: whether the
    law asks for it now, and of its latest notice when it was sent, delivered (by a partner,
    or by hand by the named staff id) and acknowledged; `by_hand` while a deliver-by-hand
    task for it is open."""

    kind: NoticeKind
    basis: str
    required: bool
    sent_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    delivered_by: str | None = None
    acknowledged_at: AwareDatetime | None = None
    by_hand: bool = False


def legal_duties(state: CaseState) -> tuple[LegalDutyView, ...]:
    rows = []
    for kind, basis in law.LEGAL_DUTIES.items():
        notice = next((n for n in reversed(state.notices) if n.kind is kind), None)
        by_hand = notice is not None and any(
            t.kind == TaskKind.DELIVER_BY_HAND and t.ref == notice.notice_id for t in state.tasks.values()
        )
        rows.append(
            LegalDutyView(
                kind=kind,
                basis=basis,
                required=law.duty_required(state, kind),
                sent_at=notice.requested_at if notice else None,
                delivered_at=notice.delivered_at if notice else None,
                delivered_by=notice.delivered_by if notice else None,
                acknowledged_at=notice.acknowledged_at if notice else None,
                by_hand=by_hand,
            )
        )
    return tuple(rows)


def _clock_view(state: CaseState, clock) -> ClockView:
    notice = next((n for n in state.notices if n.notice_id == clock.ref), None) if clock.ref else None
    return ClockView(kind=clock.kind, fires_at=clock.fires_at, ref=clock.ref, notice_kind=notice.kind if notice else None)


class CaseView(Frozen):
    case_id: str
    workflow_id: str
    tenancy_id: str
    area: str
    housing_form: HousingForm
    category: Category
    stage: CaseStage
    outcome: Outcome | None
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None
    policy_version: str
    assignee: str | None
    reports: tuple[ReportView, ...]
    open_tasks: tuple[TaskView, ...]
    clocks: tuple[ClockView, ...]
    next_due: AwareDatetime | None
    overdue: bool
    escalated: bool
    particularly_serious: bool
    warning_issued_at: AwareDatetime | None
    social_services_notified_at: AwareDatetime | None
    termination_window_closes_at: AwareDatetime | None
    rules: int = 1
    warned_at: AwareDatetime | None = None
    ground_learned_at: AwareDatetime | None = None
    legal_duties: tuple[LegalDutyView, ...] = ()
    prevention_workflow_id: str | None
    prevention_outcome: PreventionOutcome | None
    prevention_tasks: tuple[TaskView, ...] = Field(
        default=(),
        description="The open tasks of the prevention track (its own workflow): filled in by the client that reads "
        "the case (TryggClient.view), since the case does not hold them.",
    )
    milestones: tuple[str, ...]
    notes: int
    for_role: Role | None
    allowed_steps: tuple[str, ...]


def view_of(state: CaseState, role: Role | None = None) -> CaseView:
    tasks = sorted(state.tasks.values(), key=lambda t: (t.due_at, t.task_id))
    clocks = sorted(state.clocks.values(), key=lambda c: (c.fires_at, c.seq))
    return CaseView(
        case_id=state.case_id,
        workflow_id=state.workflow_id,
        tenancy_id=state.tenancy.tenancy_id,
        area=state.tenancy.area,
        housing_form=state.tenancy.housing_form,
        category=state.category,
        stage=state.stage,
        outcome=state.outcome,
        opened_at=state.opened_at,
        closed_at=state.closed_at,
        policy_version=state.policy.version,
        assignee=state.assignee,
        reports=tuple(
            ReportView(
                report_id=r.report_id,
                external_ref=r.external_ref,
                source_kind=r.source_kind,
                category=r.category,
                severity=r.severity,
                occurred_at=r.occurred_at,
                verified=r.verified,
            )
            for r in state.reports
        ),
        open_tasks=tuple(
            TaskView(
                task_id=t.task_id,
                kind=t.kind,
                role=t.role,
                assignee=t.assignee,
                due_at=t.due_at,
                overdue=t.overdue,
                escalated=t.escalated,
                ref=t.ref,
            )
            for t in tasks
        ),
        clocks=tuple(_clock_view(state, c) for c in clocks),
        next_due=state.next_due(),
        overdue=any(t.overdue for t in tasks),
        escalated=any(t.escalated for t in tasks),
        particularly_serious=state.particularly_serious,
        warning_issued_at=state.warning_issued_at,
        social_services_notified_at=state.social_services_notified_at,
        termination_window_closes_at=state.termination_window_closes_at,
        rules=state.rules,
        warned_at=state.warned_at,
        ground_learned_at=state.ground_learned_at,
        legal_duties=legal_duties(state) if state.law else (),
        prevention_workflow_id=state.prevention_workflow_id,
        prevention_outcome=state.prevention_outcome,
        milestones=tuple(state.milestones),
        notes=state.notes,
        for_role=role,
        allowed_steps=allowed_steps(state, role),
    )
