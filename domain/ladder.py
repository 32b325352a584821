"""The ladder's rules as pure functions: `open_case` and `decide`.

Given the state, an event (a report, a staff step, a clock, a partner's answer) and
the time, they return the new state and the commands to carry out. No I/O, no clock,
no randomness: ids are derived from the case id and a counter in the state, so a
retried activity reuses its id and a replay derives the same ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.calendar import WorkingCalendar, add_months
from domain.commands import (
    AssignTask,
    CancelClock,
    CancelPrevention,
    Close,
    CloseTask,
    Command,
    Notify,
    OpenTask,
    PreventionInput,
    RecordEvent,
    RecordReport,
    RecordVerdict,
    StartClock,
    StartPrevention,
    UpsertCase,
)
from domain import law
from domain.events import (
    ClockFired,
    IntakeRefused,
    NoticeAcknowledged,
    NoticeDelivered,
    NoticeRedacted,
    NoticeUndelivered,
    PreventionFinished,
    ReportReceived,
)
from domain.intake import report_digests
from domain.models import SYSTEM_ACTOR, Actor, DisturbanceReport, Role, Severity
from domain.policy import EscalationPolicy, TaskKind
from domain.records import (
    AssignStaffTask,
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    NoticeKind,
    NoticeRequest,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
    TaskStatus,
)
from domain.state import (
    CURRENT_RULES,
    CaseStage,
    CaseState,
    Clock,
    ClockKind,
    NoticeEntry,
    Outcome,
    PreventionOutcome,
    ReportEntry,
    TaskState,
)
from domain.steps import (
    AddNote,
    ApproveTermination,
    ApproveWarning,
    Assign,
    HandOverTask,
    CloseCase,
    CompleteTask,
    EscalateToPrevention,
    IssueWarning,
    RecordContact,
    RecordDialogue,
    RecordFollowUp,
    RecordGroundLearned,
    RecordMilestone,
    RejectReport,
    STEP_NAMES,
    StepInput,
    VerifyReport,
    refusal,
)

LEGAL_BASIS: dict[NoticeKind, str] = {
    NoticeKind.DISTURBANCE_NOTICE: "jordabalken 12 kap. 25 § (underrättelse till socialnämnden)",
    NoticeKind.WARNING_COPY: "jordabalken 12 kap. 25 § (kopia av tillsägelse till socialnämnden)",
    NoticeKind.WARNING_TO_TENANT: "jordabalken 12 kap. 25 § (tillsägelse/rättelseanmaning)",
    NoticeKind.TERMINATION_NOTICE: "jordabalken 12 kap. 44 § (underrättelse vid uppsägning)",
    NoticeKind.CRIME_REPORT: "polisanmälan: the facts of the incident only",
    NoticeKind.FIRE_HAZARD: "lag (2003:778) om skydd mot olyckor 2 kap. 2 §",
    NoticeKind.DAMAGE_CLAIM: "skadeanmälan under the property insurance: damage facts only",
    NoticeKind.EXTRA_ROUNDS: "personuppgiftsbiträdesavtal (GDPR art. 28) with the security company",
    NoticeKind.ACTION_PLAN_MEETING: "vräkningsförebyggande samverkan with socialtjänsten (12 kap. 25 § jordabalken)",
    NoticeKind.COMPLAINANT_REPLY: "återkoppling till anmälaren (praxis): that the report is handled, nothing about the tenant",
}

TERMINATION_GROUND: dict[bool, str] = {
    False: "störningar i boendet som har fortsatt efter tillsägelse (12 kap. 42 § första stycket 6 jordabalken)",
    True: "särskilt allvarliga störningar i boendet (12 kap. 42 § första stycket 6 jordabalken)",
}
"""The ground for termination in words, for the notice to social services (12 kap. 44 §),
keyed by whether the disturbance was particularly serious (no warning needed then)."""

STAGE_TASKS = frozenset(
    {TaskKind.FIRST_CONTACT, TaskKind.DIALOGUE, TaskKind.FOLLOW_UP, TaskKind.APPROVE_TERMINATION,
     TaskKind.TERMINATION_WINDOW_CLOSING, TaskKind.LEGAL_PROCESS}
)
"""Tasks that belong to a stage and close when the case leaves it."""

FOLLOW_UP_CLOCKS = frozenset({ClockKind.FOLLOW_UP_CHECKPOINT, ClockKind.QUIET_PERIOD})
WINDOW_CLOCKS = frozenset({ClockKind.TERMINATION_WINDOW_WARNING, ClockKind.TERMINATION_WINDOW_CLOSES})


def prevention_workflow_id(case_id: str) -> str:
    return f"prevention-{case_id}"


def _working_copy(state: CaseState) -> CaseState:
    """A copy the turn may change: its containers are new, their items (frozen models) and
    the policy are shared, since nothing changes them in place. A deep copy of the policy's
    calendar on every turn cost more than the rest of the turn."""
    containers = {"reports": list(state.reports), "tasks": dict(state.tasks), "clocks": dict(state.clocks),
                  "notices": list(state.notices), "milestones": list(state.milestones)}  # fmt: skip
    return state.model_copy(update=containers)


class _Turn:
    """One call of the ladder: a working copy of the state plus the commands so far."""

    def __init__(self, state: CaseState, now: datetime) -> None:
        self.s = _working_copy(state)
        self.now = now
        self.commands: list[Command] = []
        self.calendar: WorkingCalendar = self.s.policy.calendar()
        self._stage_before = (state.stage, state.outcome)

    @property
    def policy(self) -> EscalationPolicy:
        return self.s.policy

    def next_id(self, prefix: str) -> str:
        self.s.seq += 1
        return f"{self.s.case_id}:{prefix}{self.s.seq}"

    # -- register -----------------------------------------------------------------
    def upsert(self) -> None:
        self.s.record_version += 1
        s = self.s
        self.commands.append(
            UpsertCase(
                record=CaseRecord(
                    case_id=s.case_id,
                    workflow_id=s.workflow_id,
                    tenancy_id=s.tenancy.tenancy_id,
                    property_id=s.tenancy.property_id,
                    area=s.tenancy.area,
                    housing_form=s.tenancy.housing_form,
                    category=s.category,
                    stage=str(s.stage),
                    opened_at=s.opened_at,
                    closed_at=s.closed_at,
                    outcome=str(s.outcome) if s.outcome else None,
                    policy_version=s.policy.version,
                    tenant_ids=s.tenancy.tenant_ids,
                    version=s.record_version,
                    changed_at=self.now,  # dates the register's stage history (median days per stage)
                )
            )
        )

    def record(self, kind: str, actor: Actor = SYSTEM_ACTOR, reason: str | None = None, **data: Any) -> None:
        clean = {k: (str(v) if not isinstance(v, (int, bool, float, type(None))) else v) for k, v in data.items()}
        self.commands.append(
            RecordEvent(
                record=CaseEventRecord(
                    case_id=self.s.case_id,
                    event_id=self.next_id("e"),
                    kind=kind,
                    at=self.now,
                    actor=actor,
                    reason=reason,
                    data=clean,
                )
            )
        )

    def judge_report(self, report_id: str, *, verified: bool) -> ReportEntry:
        """Record a report as verified or rejected, in the case and in the register."""
        entry = self.s.report(report_id)
        assert entry is not None  # the step's validator checked it
        entry = entry.model_copy(update={"verified": verified, "verdict_at": self.now})
        self.s.reports = [entry if r.report_id == report_id else r for r in self.s.reports]
        self.commands.append(
            RecordVerdict(record=ReportVerdict(case_id=self.s.case_id, report_id=report_id, verified=verified, at=self.now))
        )
        return entry

    def finish(self) -> tuple[CaseState, list[Command]]:
        if (self.s.stage, self.s.outcome) != self._stage_before:
            self.upsert()
        return self.s, self.commands

    # -- clocks --------------------------------------------------------------------
    def start_clock(self, kind: ClockKind, fires_at: datetime, ref: str | None = None) -> None:
        clock_id = self.next_id("c")
        clock = Clock(clock_id=clock_id, seq=self.s.seq, kind=kind, fires_at=fires_at, ref=ref)
        self.s.clocks[clock_id] = clock
        self.commands.append(StartClock(clock=clock))

    def cancel_clocks(self, kinds: frozenset[ClockKind] | None = None, ref: str | None = None) -> None:
        for clock_id, clock in list(self.s.clocks.items()):
            if (kinds is None or clock.kind in kinds) and (ref is None or clock.ref == ref):
                del self.s.clocks[clock_id]
                self.commands.append(CancelClock(clock_id=clock_id))

    # -- tasks ---------------------------------------------------------------------
    def open_task(
        self,
        kind: str,
        role: Role,
        *,
        ref: str | None = None,
        due_at: datetime | None = None,
        reminders: bool = True,
    ) -> TaskState:
        due = due_at or self.calendar.due_at(self.now, self.policy.task_days(kind))
        assignee = self.s.assignee if role is self.s.owner_role else None
        task = TaskState(
            task_id=self.next_id("t"), kind=kind, role=role, assignee=assignee, due_at=due, opened_at=self.now, ref=ref
        )
        self._open(task)
        if reminders:
            self.start_clock(ClockKind.TASK_DUE, due, ref=task.task_id)
        return task

    def _open(self, task: TaskState) -> None:
        self.s.tasks[task.task_id] = task
        self.commands.append(
            OpenTask(
                record=StaffTaskRecord(
                    case_id=self.s.case_id,
                    task_id=task.task_id,
                    kind=task.kind,
                    role=task.role,
                    assignee=task.assignee,
                    area=self.s.tenancy.area,
                    due_at=task.due_at,
                    opened_at=task.opened_at,
                    escalated=task.escalation_of is not None,
                )
            )
        )

    def close_task(self, task_id: str, status: TaskStatus = TaskStatus.DONE) -> None:
        if self.s.tasks.pop(task_id, None) is None:
            return
        self.commands.append(
            CloseTask(record=CloseStaffTask(case_id=self.s.case_id, task_id=task_id, status=status, at=self.now))
        )
        self.cancel_clocks(ref=task_id)
        for twin in [t.task_id for t in self.s.tasks.values() if t.escalation_of == task_id]:
            self.close_task(twin, status)

    def assign_task(self, task_id: str, assignee: str) -> None:
        """One task to one person, recorded so the register's inbox follows."""
        self.s.tasks[task_id] = self.s.tasks[task_id].model_copy(update={"assignee": assignee})
        self.commands.append(
            AssignTask(record=AssignStaffTask(case_id=self.s.case_id, task_id=task_id, assignee=assignee, at=self.now))
        )

    def assign_open_tasks(self, assignee: str) -> None:
        """The case's new assignee takes over the owner role's open tasks: an inbox that
        still named the previous coordinator would leave the work with nobody. Tasks for
        other roles (the lawyer's, the team lead's escalations) stay as they are."""
        for task in list(self.s.tasks.values()):
            if task.role is not self.s.owner_role or task.escalation_of is not None or task.assignee == assignee:
                continue
            self.s.tasks[task.task_id] = task.model_copy(update={"assignee": assignee})
            self.commands.append(
                AssignTask(
                    record=AssignStaffTask(case_id=self.s.case_id, task_id=task.task_id, assignee=assignee, at=self.now)
                )
            )

    def close_tasks(self, kinds: frozenset[str], status: TaskStatus = TaskStatus.DONE, ref: str | None = None) -> None:
        for task in list(self.s.tasks.values()):
            if task.kind in kinds and task.escalation_of is None and (ref is None or task.ref == ref):
                self.close_task(task.task_id, status)

    # -- notices -------------------------------------------------------------------
    def facts(self, report: ReportEntry | None = None) -> dict[str, Any]:
        """Everything the ladder knows that a notice might carry; the channel strips what a
        recipient may not receive (partners.payload). Never the complainant: the case state
        does not hold it.

        The letters (partners.documents) need the tenant's names and address and the
        verified incidents; they are included whenever the case knows them. A fact the case
        does not know is left out rather than sent empty: a letter that cannot do without it
        is then not sent, and the case gets a "deliver by hand" task instead."""
        s = self.s
        verified = [r for r in s.reports if r.verified]
        facts: dict[str, Any] = {
            "case_id": s.case_id,
            "tenancy_id": s.tenancy.tenancy_id,
            "property_id": s.tenancy.property_id,
            "area": s.tenancy.area,
            "housing_form": str(s.tenancy.housing_form),
            "tenant_ids": list(s.tenancy.tenant_ids),
            "category": str(s.category),
            "stage": str(s.stage),
            "report_count": len(s.reports),
            "verified_report_count": len(verified),
            # Only verified reports: a warning must not rest on neighbours' word alone (RH 2018:23).
            "incidents": [
                {"occurred_at": r.occurred_at.isoformat(), "category": str(r.category), "place": r.place, "verified": True}
                for r in verified
            ],
        }
        if s.tenancy.address:
            facts["address"] = s.tenancy.address
        if s.tenancy.tenant_names:
            facts["tenant_names"] = list(s.tenancy.tenant_names)
        warned_at = (s.warned_at or s.warning_issued_at) if s.law else s.warning_issued_at
        if warned_at is not None:  # under the law's rules, the day the warning reached the tenant once it did
            facts["warned_at"] = warned_at.isoformat()
        if s.stage is CaseStage.LEGAL_PROCESS:
            facts["termination_ground"] = TERMINATION_GROUND[s.particularly_serious]
        if report is not None:
            facts.update(
                report_id=report.report_id,
                category=str(report.category),
                severity=str(report.severity),
                occurred_at=report.occurred_at.isoformat(),
                place=report.place,
            )
        return facts

    def notify(self, kind: NoticeKind, facts: dict[str, Any], *, required: bool | None = None) -> str:
        """Ask for a notice. Under the law's rules it counts as given only when delivered
        (`_on_delivered`, or by hand), and its acknowledgement clock starts then; before
        them, it counted from the request. `required`: a legal duty (default: by its kind)."""
        notice_id = self.next_id("n")
        duty = law.notice_required(kind) if required is None else required
        self.s.notices.append(
            NoticeEntry(notice_id=notice_id, kind=kind, requested_at=self.now, required=duty and self.s.law)
        )
        self.commands.append(
            Notify(
                request=NoticeRequest(
                    notice_id=notice_id,
                    case_id=self.s.case_id,
                    kind=kind,
                    requested_at=self.now,
                    legal_basis=LEGAL_BASIS[kind],
                    facts=facts,
                    workflow_id=self.s.workflow_id,
                )
            )
        )
        if self.s.law:
            return notice_id
        days = self.policy.acknowledgement_days.get(kind)
        if days:
            self.start_clock(ClockKind.ACKNOWLEDGEMENT_DUE, self.calendar.due_at(self.now, days), ref=notice_id)
        if kind is NoticeKind.DISTURBANCE_NOTICE:
            self.s.social_services_notified_at = self.now
        return notice_id

    def notice_given(self, notice: NoticeEntry, *, delivered_to: tuple[str, ...] = (), by: Actor | None = None) -> None:
        """A notice reached its recipient: the moment the law counts (rules 2). The first
        delivered warning and notice to social services date the case's legal duties."""
        given = notice.model_copy(
            update={"delivered_at": self.now, "delivered_to": delivered_to, "delivered_by": by.id if by else None}
        )
        self.s.notices = [given if n.notice_id == notice.notice_id else n for n in self.s.notices]
        if notice.kind is NoticeKind.DISTURBANCE_NOTICE and self.s.social_services_notified_at is None:
            self.s.social_services_notified_at = self.now
        if notice.kind is NoticeKind.WARNING_TO_TENANT and self.s.warned_at is None:
            self.s.warned_at = self.now

    # -- stage moves -----------------------------------------------------------------
    def leave_stage(self) -> None:
        if self.s.warning_proposed_at is not None:  # the move overtakes a warning waiting for approval
            self.s.warning_proposed_at = None
            self.close_tasks(frozenset({TaskKind.APPROVE_WARNING}), TaskStatus.CANCELLED)
        self.close_tasks(STAGE_TASKS, TaskStatus.CANCELLED)
        self.cancel_clocks(FOLLOW_UP_CLOCKS | WINDOW_CLOCKS)
        self.s.termination_window_closes_at = None

    def enter_contact(self) -> None:
        self.s.stage = CaseStage.CONTACT
        due = self.calendar.due_at(self.s.opened_at, self.policy.first_contact_working_days)
        self.open_task(TaskKind.FIRST_CONTACT, self.s.owner_role, due_at=due)

    def enter_follow_up(self) -> None:
        self.leave_stage()
        self.s.stage = CaseStage.FOLLOW_UP
        # The quiet period is started first so it wins a tie with the last checkpoint.
        self.start_clock(ClockKind.QUIET_PERIOD, self.now + timedelta(weeks=self.policy.quiet_period_weeks))
        for weeks in self.policy.follow_up_checkpoint_weeks:
            self.start_clock(ClockKind.FOLLOW_UP_CHECKPOINT, self.now + timedelta(weeks=weeks))

    def enter_prevention(self, actor: Actor, reason: str | None, meeting: dict[str, Any] | None = None) -> None:
        """`meeting`: the meeting's time and place when staff already fixed them; the
        invitation otherwise says they follow."""
        self.leave_stage()
        self.s.stage = CaseStage.PREVENTION
        workflow_id = prevention_workflow_id(self.s.case_id)
        self.s.prevention_workflow_id = workflow_id
        self.record("prevention_started", actor, reason, prevention_workflow_id=workflow_id)
        self.notify(NoticeKind.ACTION_PLAN_MEETING, self.facts() | (meeting or {}))
        self.commands.append(
            StartPrevention(
                input=PreventionInput(
                    case_id=self.s.case_id,
                    workflow_id=workflow_id,
                    parent_workflow_id=self.s.workflow_id,
                    tenancy=self.s.tenancy,
                    policy=self.policy,
                    started_at=self.now,
                )
            )
        )

    def stop_prevention(self) -> None:
        if self.s.stage is CaseStage.PREVENTION and self.s.prevention_workflow_id and self.s.prevention_outcome is None:
            self.s.prevention_outcome = PreventionOutcome.WITHDRAWN
            self.commands.append(CancelPrevention(workflow_id=self.s.prevention_workflow_id))

    def enter_termination_review(self) -> None:
        self.stop_prevention()
        self.leave_stage()
        self.s.stage = CaseStage.TERMINATION_REVIEW
        if self.s.law:
            self.open_task(TaskKind.APPROVE_TERMINATION, Role.TENANCY_LAWYER)
            self.set_window("termination_review_opened")
            return
        closes = add_months(self.now, self.policy.termination_window_months)
        self.s.termination_window_closes_at = closes
        warn_at = closes - timedelta(weeks=self.policy.termination_warning_weeks_before_close)
        self.start_clock(ClockKind.TERMINATION_WINDOW_WARNING, max(warn_at, self.now))
        self.start_clock(ClockKind.TERMINATION_WINDOW_CLOSES, closes)
        self.open_task(TaskKind.APPROVE_TERMINATION, Role.TENANCY_LAWYER)
        self.record("termination_review_opened", window_closes_at=closes.isoformat())

    def set_window(
        self, kind: str, actor: Actor = SYSTEM_ACTOR, reason: str | None = None, learned_at: datetime | None = None
    ) -> None:
        """Run the 43 § window from when the landlord learned of the ground (domain.law):
        the window and its warning clock start, or move with a later date of learning
        (`learned_at`, the tenancy lawyer's; or a later ground's receipt)."""
        s = self.s
        report = law.ground_report(s)
        learned = max(law.learned_of_ground(s, self.now), learned_at or datetime.min.replace(tzinfo=self.now.tzinfo))
        if kind != "termination_review_opened" and learned == s.ground_learned_at:
            return
        s.ground_report_id = report.report_id if report else None
        s.ground_learned_at = learned
        closes = law.window_closes_at(learned, self.policy)
        s.termination_window_closes_at = closes
        self.cancel_clocks(WINDOW_CLOCKS)
        self.close_tasks(frozenset({TaskKind.TERMINATION_WINDOW_CLOSING}), TaskStatus.CANCELLED)
        warn_at = closes - timedelta(weeks=self.policy.termination_warning_weeks_before_close)
        # A window that closed already, or closes soon, fires in this very turn (_settle).
        self.start_clock(ClockKind.TERMINATION_WINDOW_WARNING, max(warn_at, self.now))
        self.start_clock(ClockKind.TERMINATION_WINDOW_CLOSES, closes)
        self.record(kind, actor, reason, window_closes_at=closes.isoformat(), learned_at=learned.isoformat(),
                    ground_report_id=s.ground_report_id, basis=s.ground_learned_basis)  # fmt: skip

    def close(self, outcome: Outcome, actor: Actor = SYSTEM_ACTOR, reason: str | None = None) -> None:
        self.stop_prevention()
        for task_id in [t.task_id for t in self.s.tasks.values() if t.escalation_of is None]:
            self.close_task(task_id, TaskStatus.CANCELLED)
        self.cancel_clocks()
        self.s.stage = CaseStage.CLOSED
        self.s.outcome = outcome
        self.s.closed_at = self.now
        self.s.termination_window_closes_at = None
        self.record("case_closed", actor, reason, outcome=outcome)
        self.commands.append(Close(outcome=outcome))


def open_case(
    report: DisturbanceReport,
    now: datetime,
    policy: EscalationPolicy,
    case_id: str,
    workflow_id: str,
    rules: int = CURRENT_RULES,
) -> tuple[CaseState, list[Command]]:
    """The first report opens a case. The first command is always UpsertCase: the register's
    other tables refer to the case row. `rules` fixes the ladder the case runs by for its
    whole life (the workflow passes the older rules on a replay of a case opened before them)."""
    state = CaseState(
        rules=rules,
        case_id=case_id,
        workflow_id=workflow_id,
        tenancy=report.tenancy,
        category=report.category,
        policy=policy,
        opened_at=now,
    )
    turn = _Turn(state, now)
    turn.upsert()
    turn.record("case_opened", policy_version=policy.version)
    _on_report(turn, report)
    return turn.finish()


def decide(state: CaseState, event: Any, now: datetime) -> tuple[CaseState, list[Command]]:
    """The ladder: the new state and the commands for one event. A closed case accepts
    nothing (a new report opens a new case, which is the workflow's business).

    Under the law's rules every clock due by `now` fires first, so an event (a staff step
    above all) is decided on the case as it stands at that moment, and again after it, so
    no clock is left in the past: a window that closed while a worker was down is closed
    before a late approval is weighed."""
    if state.is_closed:
        return state, []
    turn = _Turn(state, now)
    if not state.law:  # the ladder as cases opened before the law's rules run it (CaseState.rules 1)
        _on_event(turn, event)
        return turn.finish()
    _settle(turn)
    if not turn.s.is_closed:
        _on_event(turn, event)
    _settle(turn)
    return turn.finish()


def settle(state: CaseState, now: datetime) -> CaseState:
    """The case once every clock due by `now` has fired: what a step taken at `now` is
    judged on (domain.steps.refusal). Cases under the older rules are judged as they stand."""
    clock = state.next_clock()
    if not state.law or state.is_closed or clock is None or clock.fires_at > now:
        return state
    turn = _Turn(state, now)
    _settle(turn)
    return turn.s


def _settle(turn: _Turn) -> None:
    for _ in range(10_000):
        clock = turn.s.next_clock()
        if turn.s.is_closed or clock is None or clock.fires_at > turn.now:
            return
        del turn.s.clocks[clock.clock_id]
        _on_clock(turn, clock)
    raise RuntimeError("clocks keep falling due: a clock started in the past")  # a defect in the ladder


def _on_event(turn: _Turn, event: Any) -> None:
    s = turn.s
    match event:
        case ReportReceived(report=report):
            if report.external_ref not in s.external_refs():
                _on_report(turn, report)
        case ClockFired(clock_id=clock_id):
            clock = s.clocks.pop(clock_id, None)
            if clock is not None:
                _on_clock(turn, clock)
        case NoticeDelivered():
            if s.law:  # never sent for older cases: their notices counted when requested
                _on_delivered(turn, event)
        case NoticeUndelivered():
            _on_undelivered(turn, event)
        case NoticeAcknowledged(acknowledgement=ack):
            _on_acknowledged(turn, ack)
        case NoticeRedacted():
            _on_redacted(turn, event)
        case IntakeRefused(refusal=refused):
            _on_intake_refused(turn, refused)
        case PreventionFinished(result=result):
            if result.case_id == s.case_id and s.stage is CaseStage.PREVENTION:
                _on_prevention_finished(turn, result.outcome)
        case StepInput():
            # Under the law's rules judged again on the case as it now stands: a step the
            # moment has overtaken (its window closed while it waited) changes nothing. The
            # workflow refuses it first.
            if not s.law or refusal(s, STEP_NAMES[type(event)], event, turn.now) is None:
                _on_step(turn, event)
        case _:
            raise TypeError(f"unknown event {type(event).__name__}")


def _on_report(turn: _Turn, report: DisturbanceReport) -> None:
    s = turn.s
    report_id = turn.next_id("r")
    entry = ReportEntry(
        report_id=report_id,
        external_ref=report.external_ref,
        source_kind=report.source_kind,
        category=report.category,
        severity=report.severity,
        occurred_at=report.occurred_at,
        received_at=turn.now,
        place=report.place,
        complainant_reachable=bool(report.complainant and report.complainant.contact),
        digests=report_digests(report),
    )
    s.reports.append(entry)
    # The register's record is the case's entry plus the complainant, kept only there.
    unverified = entry.model_dump(exclude={"verified", "verdict_at", "complainant_reachable", "digests"})
    turn.commands.append(
        RecordReport(record=ReportRecord(case_id=s.case_id, complainant=report.complainant, **unverified))
    )
    turn.record("report_received", report_id=report_id, category=report.category, severity=report.severity)
    turn.open_task(TaskKind.VERIFY_REPORT, s.owner_role, ref=report_id)
    facts = turn.facts(entry)
    if report.category in turn.policy.fire_categories:
        turn.notify(NoticeKind.FIRE_HAZARD, facts)
        turn.open_task(TaskKind.FIRE_HAZARD, Role.FIRE_SAFETY_OFFICER, ref=report_id)
    if report.category in turn.policy.security_company_categories and (
        turn.policy.extra_rounds_before_verification or not s.law
    ):
        turn.notify(NoticeKind.EXTRA_ROUNDS, facts)


def _on_verified(turn: _Turn, entry: ReportEntry) -> None:
    s = turn.s
    if entry.category in turn.policy.police_categories:
        turn.notify(NoticeKind.CRIME_REPORT, turn.facts(entry))
    if entry.category in turn.policy.insurer_categories:
        turn.notify(NoticeKind.DAMAGE_CLAIM, turn.facts(entry))
    if s.law and not turn.policy.extra_rounds_before_verification and entry.category in turn.policy.security_company_categories:
        turn.notify(NoticeKind.EXTRA_ROUNDS, turn.facts(entry))
    if s.law and s.stage is CaseStage.TERMINATION_REVIEW:
        # A disturbance learned of later is a later ground: the 43 § window moves with it.
        s.particularly_serious = s.particularly_serious or entry.severity is Severity.PARTICULARLY_SERIOUS
        turn.set_window("termination_window_moved")
        return
    if entry.severity is Severity.PARTICULARLY_SERIOUS:
        s.particularly_serious = True
        if s.stage in (CaseStage.TERMINATION_REVIEW, CaseStage.LEGAL_PROCESS):
            return
        if turn.policy.notify_social_services_when_particularly_serious:
            # Not a duty here (12 kap. 42 § första stycket 6): policy tells social services anyway.
            turn.notify(NoticeKind.DISTURBANCE_NOTICE, turn.facts(entry), required=False)
        turn.enter_termination_review()
        return
    if s.stage is CaseStage.REPORTED:
        turn.enter_contact()
    elif s.stage is CaseStage.FOLLOW_UP:
        # A new verified disturbance after a warning: no correction (DOMAIN.md step 5).
        if s.prevention_outcome is None:
            turn.enter_prevention(SYSTEM_ACTOR, "new verified disturbance during follow-up")
        else:
            turn.enter_termination_review()


def _reply_facts(entry: ReportEntry) -> dict[str, Any]:
    """What the complainant hears back: their own report, recognisably, and that it is
    handled. Nothing about the tenant or the case's course (the housing company's
    secrecy towards third parties); the channel finds the complainant in the register."""
    return {
        "report_id": entry.report_id,
        "received_at": entry.received_at.isoformat(),
        "category": str(entry.category),
        "place": entry.place,
    }


def _on_step(turn: _Turn, step: StepInput) -> None:
    s = turn.s
    actor, reason = step.actor, step.reason
    match step:
        case VerifyReport():
            entry = turn.judge_report(step.report_id, verified=True)
            turn.record("report_verified", actor, reason, report_id=entry.report_id, method=step.method)
            turn.close_tasks(frozenset({TaskKind.VERIFY_REPORT}), ref=entry.report_id)
            if entry.complainant_reachable and turn.policy.reply_to_complainant:
                turn.notify(NoticeKind.COMPLAINANT_REPLY, _reply_facts(entry))
            _on_verified(turn, entry)
        case RejectReport():
            entry = turn.judge_report(step.report_id, verified=False)
            turn.record("report_rejected", actor, reason, report_id=entry.report_id)
            turn.close_tasks(frozenset({TaskKind.VERIFY_REPORT}), ref=entry.report_id)
            if s.stage is CaseStage.REPORTED and all(r.verified is False for r in s.reports):
                turn.close(Outcome.UNFOUNDED, actor, reason)
        case Assign():
            s.assignee = step.assignee
            turn.record("assigned", actor, reason, assignee=step.assignee)
            turn.assign_open_tasks(step.assignee)
        case RecordContact():
            turn.record("tenant_contacted", actor, reason, method=step.method)
            turn.close_tasks(frozenset({TaskKind.FIRST_CONTACT}))
            s.stage = CaseStage.DIALOGUE
            turn.open_task(TaskKind.DIALOGUE, s.owner_role)
        case RecordDialogue():
            turn.record("dialogue_held", actor, reason, resolved=step.resolved)
            if step.resolved:
                turn.close_tasks(frozenset({TaskKind.DIALOGUE}))
                turn.close(Outcome.RESOLVED_IN_DIALOGUE, actor, reason)
        case IssueWarning():
            if turn.policy.warning_needs_team_lead_approval and actor.role is not Role.TEAM_LEAD:
                s.warning_proposed_at = turn.now
                turn.record("warning_proposed", actor, reason)
                turn.open_task(TaskKind.APPROVE_WARNING, Role.TEAM_LEAD)
            else:
                _issue_warning(turn, actor, reason)
        case ApproveWarning():
            if step.approved:
                _issue_warning(turn, actor, reason)
            else:
                s.warning_proposed_at = None
                turn.record("warning_declined", actor, reason)
                turn.close_tasks(frozenset({TaskKind.APPROVE_WARNING}))
        case RecordFollowUp():
            turn.record("follow_up_recorded", actor, reason, calm=step.calm)
            turn.close_tasks(frozenset({TaskKind.FOLLOW_UP}))
        case EscalateToPrevention():
            turn.close_tasks(frozenset({TaskKind.DIALOGUE, TaskKind.FOLLOW_UP}))
            meeting = {"meeting_at": step.meeting_at.isoformat() if step.meeting_at else None,
                       "meeting_place": step.meeting_place}  # fmt: skip
            turn.enter_prevention(actor, reason, {k: v for k, v in meeting.items() if v is not None})
        case ApproveTermination():
            turn.close_tasks(frozenset({TaskKind.APPROVE_TERMINATION, TaskKind.TERMINATION_WINDOW_CLOSING}))
            if step.approved:
                turn.record("termination_approved", actor, reason)
                turn.leave_stage()
                s.stage = CaseStage.LEGAL_PROCESS
                facts = turn.facts()
                if step.termination_date is not None:
                    facts["termination_date"] = step.termination_date.isoformat()
                turn.notify(NoticeKind.TERMINATION_NOTICE, facts)
                turn.open_task(TaskKind.LEGAL_PROCESS, Role.TENANCY_LAWYER)
            else:
                turn.record("termination_refused", actor, reason, ground="ringa betydelse")
                turn.enter_follow_up()
        case RecordMilestone():
            s.milestones.append(str(step.milestone))
            turn.record("milestone", actor, reason, milestone=step.milestone)
            turn.close_tasks(frozenset({TaskKind.LEGAL_PROCESS}))
            turn.open_task(TaskKind.LEGAL_PROCESS, Role.TENANCY_LAWYER)
        case CloseCase():
            turn.close(step.outcome, actor, reason)
        case AddNote():
            s.notes += 1
            turn.record("note", actor, reason)
        case HandOverTask():
            task = s.tasks[step.task_id]
            turn.record("task_assigned", actor, reason, task_id=task.task_id, task_kind=task.kind, assignee=step.assignee)
            turn.assign_task(task.task_id, step.assignee)
        case CompleteTask():
            task = s.tasks[step.task_id]
            turn.record("task_completed", actor, reason, task_id=task.task_id, task_kind=task.kind)
            turn.close_task(task.task_id)
            if s.law and task.kind == TaskKind.DELIVER_BY_HAND:
                _delivered_by_hand(turn, task, actor)
        case RecordGroundLearned():
            s.ground_learned_basis = str(step.basis)
            if s.stage is CaseStage.TERMINATION_REVIEW:
                turn.set_window("termination_window_moved", actor, reason, learned_at=step.learned_at)
            else:
                # Follow-up after a window closed unused: the later date opens a window again.
                s.ground_learned_at = step.learned_at
                turn.record("ground_learned_recorded", actor, reason, learned_at=step.learned_at.isoformat(),
                            basis=step.basis)  # fmt: skip
                turn.enter_termination_review()
        case _:
            raise TypeError(f"unknown step {type(step).__name__}")


def _issue_warning(turn: _Turn, actor: Actor, reason: str) -> None:
    """Tillsägelse to the tenant, its copy and the notice to social services (12 kap.
    25 §), then follow-up. Answers a proposal waiting for approval, if any."""
    s = turn.s
    s.warning_issued_at = turn.now
    s.warning_proposed_at = None
    turn.close_tasks(frozenset({TaskKind.APPROVE_WARNING}))
    turn.record("warning_issued", actor, reason)
    facts = turn.facts()
    turn.notify(NoticeKind.WARNING_TO_TENANT, facts)
    turn.notify(NoticeKind.WARNING_COPY, facts)
    turn.notify(NoticeKind.DISTURBANCE_NOTICE, facts)
    if s.stage in (CaseStage.CONTACT, CaseStage.DIALOGUE, CaseStage.FOLLOW_UP):
        turn.close_tasks(frozenset({TaskKind.FIRST_CONTACT, TaskKind.DIALOGUE}))
        turn.enter_follow_up()


def _on_clock(turn: _Turn, clock: Clock) -> None:
    s = turn.s
    turn.commands.append(CancelClock(clock_id=clock.clock_id))  # a fired clock is gone
    match clock.kind:
        case ClockKind.TASK_DUE:
            task = s.tasks.get(clock.ref or "")
            if task is None:
                return
            s.tasks[task.task_id] = task.model_copy(update={"overdue": True})
            turn.record("task_reminder", task_id=task.task_id, task_kind=task.kind, role=task.role)
            if task.role is not Role.TEAM_LEAD:  # the lead's own task has nobody above it here
                escalate_at = turn.calendar.due_at(turn.now, turn.policy.escalate_after_working_days)
                turn.start_clock(ClockKind.TASK_ESCALATION, escalate_at, ref=task.task_id)
        case ClockKind.TASK_ESCALATION:
            task = s.tasks.get(clock.ref or "")
            if task is None:
                return
            s.tasks[task.task_id] = task.model_copy(update={"escalated": True})
            turn.record("task_escalated", task_id=task.task_id, task_kind=task.kind, to_role=Role.TEAM_LEAD)
            twin = TaskState(
                task_id=f"{task.task_id}.lead",
                kind=task.kind,
                role=Role.TEAM_LEAD,
                due_at=turn.calendar.due_at(turn.now, turn.policy.escalate_after_working_days),
                opened_at=turn.now,
                ref=task.ref,
                escalated=True,
                escalation_of=task.task_id,
            )
            turn._open(twin)
        case ClockKind.FOLLOW_UP_CHECKPOINT:
            turn.record("follow_up_checkpoint")
            turn.close_tasks(frozenset({TaskKind.FOLLOW_UP}), TaskStatus.CANCELLED)
            turn.open_task(TaskKind.FOLLOW_UP, s.owner_role)
        case ClockKind.QUIET_PERIOD:
            turn.record("quiet_period_passed", weeks=turn.policy.quiet_period_weeks)
            outcome = (
                Outcome.ACTION_PLAN_FULFILLED
                if s.prevention_outcome is PreventionOutcome.FULFILLED
                else Outcome.CORRECTED_AFTER_WARNING
            )
            turn.close(outcome)
        case ClockKind.TERMINATION_WINDOW_WARNING:
            closes = s.termination_window_closes_at or turn.now
            turn.record("termination_window_closing", window_closes_at=closes.isoformat())
            turn.open_task(TaskKind.TERMINATION_WINDOW_CLOSING, Role.TENANCY_LAWYER, due_at=closes, reminders=False)
        case ClockKind.TERMINATION_WINDOW_CLOSES:
            turn.record("termination_window_closed")
            # The ground is spent (12 kap. 43 §); watch for a new one in follow-up.
            turn.enter_follow_up()
        case ClockKind.ACKNOWLEDGEMENT_DUE:
            notice = next((n for n in s.notices if n.notice_id == clock.ref), None)
            if notice is None or notice.acknowledged_at is not None:
                return
            turn.record("acknowledgement_missing", notice_id=notice.notice_id, notice_kind=notice.kind)
            turn.open_task(TaskKind.CHASE_ACKNOWLEDGEMENT, s.owner_role, ref=notice.notice_id)


def _delivered_by_hand(turn: _Turn, task: TaskState, actor: Actor) -> None:
    """A named member of staff confirms a notice delivered by hand: it counts as given now
    (the lead's copy of an escalated task answers for the original too)."""
    notice = turn.s.notice(task.ref or "")
    turn.close_tasks(frozenset({TaskKind.DELIVER_BY_HAND}), ref=task.ref)
    if notice is None or notice.delivered_at is not None:
        return
    turn.notice_given(notice, by=actor)
    turn.record("notice_delivered_by_hand", actor, notice_id=notice.notice_id, notice_kind=notice.kind)


def _on_delivered(turn: _Turn, event: NoticeDelivered) -> None:
    """The channel delivered a notice: it counts as given from now, and only now does the
    partner's acknowledgement clock run."""
    s = turn.s
    notice = s.notice(event.notice_id)
    if notice is None or notice.delivered_at is not None or notice.undelivered:
        return
    turn.notice_given(notice, delivered_to=event.delivered_to)
    turn.record("notice_delivered", notice_id=notice.notice_id, notice_kind=notice.kind,
                partners=",".join(event.delivered_to))  # fmt: skip
    days = turn.policy.acknowledgement_days.get(notice.kind)
    if days and notice.acknowledged_at is None:
        turn.start_clock(ClockKind.ACKNOWLEDGEMENT_DUE, turn.calendar.due_at(turn.now, days), ref=notice.notice_id)


def _on_undelivered(turn: _Turn, event: NoticeUndelivered) -> None:
    s = turn.s
    notice = next((n for n in s.notices if n.notice_id == event.notice_id), None)
    if notice is None or notice.undelivered or notice.delivered_at is not None:
        return
    if s.law and event.no_partner and not notice.required:
        # Nobody takes a notice the law does not require (no security company in the directory).
        s.notices = [n.model_copy(update={"no_partner": True}) if n is notice else n for n in s.notices]
        turn.record("notice_not_taken", notice_id=notice.notice_id, notice_kind=notice.kind)
        return
    # A legal duty nobody takes, or a notice that could not be delivered: by hand, at once.
    update = {"undelivered": True, "no_partner": True} if event.no_partner else {"undelivered": True}
    s.notices = [n.model_copy(update=update) if n is notice else n for n in s.notices]
    turn.cancel_clocks(frozenset({ClockKind.ACKNOWLEDGEMENT_DUE}), ref=notice.notice_id)
    turn.record("notice_undelivered", notice_id=notice.notice_id, notice_kind=notice.kind, detail=event.detail[:200])
    turn.open_task(TaskKind.DELIVER_BY_HAND, s.owner_role, ref=notice.notice_id)


def _on_redacted(turn: _Turn, event: NoticeRedacted) -> None:
    """A complainant's identity was typed into something that left: the screen cut it, and
    the owner checks what was typed (a `check_redaction` side task, one per notice)."""
    s = turn.s
    if any(t.kind == TaskKind.CHECK_REDACTION and t.ref == event.notice_id for t in s.tasks.values()):
        return
    turn.record("notice_redacted", notice_id=event.notice_id)
    turn.open_task(TaskKind.CHECK_REDACTION, s.owner_role, ref=event.notice_id)


def _on_acknowledged(turn: _Turn, ack) -> None:
    s = turn.s
    notice = next((n for n in s.notices if n.notice_id == ack.notice_id), None)
    if notice is None or notice.acknowledged_at is not None:
        return
    s.notices = [n.model_copy(update={"acknowledged_at": ack.at}) if n is notice else n for n in s.notices]
    turn.cancel_clocks(frozenset({ClockKind.ACKNOWLEDGEMENT_DUE}), ref=notice.notice_id)
    if s.law and notice.delivered_at is None:
        # A partner confirming receipt proves delivery, whatever the channel said before.
        turn.notice_given(s.notice(notice.notice_id), delivered_to=(ack.partner_id,))
        turn.close_tasks(frozenset({TaskKind.DELIVER_BY_HAND}), ref=notice.notice_id)
    turn.close_tasks(frozenset({TaskKind.CHASE_ACKNOWLEDGEMENT}), ref=notice.notice_id)
    turn.record("notice_acknowledged", notice_id=notice.notice_id, partner_id=ack.partner_id)


def _on_intake_refused(turn: _Turn, refusal) -> None:
    """A report for this tenancy reached the case and could not be read. Nothing of it
    enters the case but the fact, the fields and the reasons; the team lead follows it
    up with the case system that sent it (and closes the task with `complete_task`)."""
    turn.record("intake_refused", cause=refusal.cause, fields=",".join(refusal.fields())[:500], problems=refusal.describe())
    turn.open_task(TaskKind.REVIEW_REFUSED_INTAKE, Role.TEAM_LEAD)


def _on_prevention_finished(turn: _Turn, outcome: PreventionOutcome) -> None:
    turn.s.prevention_outcome = outcome
    turn.record("prevention_finished", outcome=outcome)
    if outcome is PreventionOutcome.FULFILLED:
        turn.enter_follow_up()
    elif outcome is PreventionOutcome.FAILED:
        turn.enter_termination_review()
