"""The eviction-prevention track (vräkningsförebyggande arbete), pure rules.

The prevention team, social services and the tenant agree an action plan
(handlingsplan) with review dates. The tenant's written consent (samtycke) decides
whether social services may share anything back. There is no lawful "second-chance
lease": the plan is a case artefact with reviews, not a lease term.

The track runs as a child workflow of the case (`workflows.prevention`); its staff
steps are Updates on that child, addressed by `prevention-{case_id}`, with the input
models below (`PREVENTION_STEP_MODELS`). When it ends it tells the case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain import steps
from domain.commands import AssignTask, CloseTask, Command, OpenTask, PreventionInput, RecordEvent
from domain.models import SYSTEM_ACTOR, Actor, Frozen, Role
from domain.policy import TaskKind
from domain.records import AssignStaffTask, CaseEventRecord, CloseStaffTask, StaffTaskRecord, TaskStatus
from domain.state import Clock, ClockKind, PreventionOutcome, TaskState
from domain.steps import HandOverTask, StepInput
from domain.text import StrictBool
from domain.view import TaskView


class PreventionStage(StrEnum):
    PLAN_PENDING = "plan_pending"
    REVIEWING = "reviewing"
    FINISHED = "finished"


class PlanMeasure(StrEnum):
    """Closed code list of what a plan can agree (no free-text diagnoses, GDPR art. 9/10)."""

    QUIET_HOURS = "quiet_hours"
    NO_NIGHT_VISITORS = "no_night_visitors"
    SOCIAL_SERVICES_CONTACT = "social_services_contact"
    HOME_SUPPORT = "home_support"
    DEBT_COUNSELLING = "debt_counselling"
    CLEANING_SUPPORT = "cleaning_support"
    NEIGHBOUR_MEDIATION = "neighbour_mediation"
    OTHER = "other"


class ReviewVerdict(StrEnum):
    ON_TRACK = "on_track"
    FULFILLED = "fulfilled"
    FAILED = "failed"


class RecordConsent(StepInput):
    """Samtycke: may social services share information back with the housing company?"""

    given: StrictBool


class AgreeActionPlan(StepInput):
    measures: tuple[PlanMeasure, ...] = Field(min_length=1, max_length=len(PlanMeasure))


class RecordReview(StepInput):
    verdict: ReviewVerdict


PREVENTION_STEP_MODELS: dict[str, type[StepInput]] = {
    "record_consent": RecordConsent,
    "agree_action_plan": AgreeActionPlan,
    "record_review": RecordReview,
}
"""Update name on PreventionWorkflow -> its input model."""

ASSIGN_TASK = "assign_task"
"""The Update on PreventionWorkflow that hands one of the track's tasks to a colleague
(input domain.steps.HandOverTask, judged as the case judges its own). Kept out of
PREVENTION_STEP_MODELS, whose names a client sends to the track: `assign_task` on the
case hands the case's tasks; the API sends a track task's hand-over here by its id."""

PREVENTION_ROLES = frozenset({Role.PREVENTION_TEAM, Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD})


class ReviewEntry(Frozen):
    at: AwareDatetime
    verdict: ReviewVerdict


class PreventionState(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    input: PreventionInput
    stage: PreventionStage = PreventionStage.PLAN_PENDING
    seq: int = 0
    consent_given: bool | None = None
    consent_at: AwareDatetime | None = None
    measures: tuple[PlanMeasure, ...] = ()
    plan_agreed_at: AwareDatetime | None = None
    next_review_at: AwareDatetime | None = None
    reviews: list[ReviewEntry] = Field(default_factory=list)
    outcome: PreventionOutcome | None = None
    tasks: dict[str, TaskState] = Field(default_factory=dict)
    clocks: dict[str, Clock] = Field(
        default_factory=dict, description="Reminder and escalation clocks of the open tasks, as on the case."
    )


class PreventionView(Frozen):
    case_id: str
    workflow_id: str
    stage: PreventionStage
    consent_given: bool | None
    consent_at: AwareDatetime | None
    measures: tuple[PlanMeasure, ...]
    plan_agreed_at: AwareDatetime | None
    next_review_at: AwareDatetime | None
    reviews: tuple[ReviewEntry, ...]
    outcome: PreventionOutcome | None
    open_tasks: tuple[str, ...]
    tasks: tuple[TaskView, ...] = Field(default=(), description="The open tasks themselves, as the case lists its own.")
    overdue: bool = False
    escalated: bool = False
    allowed_steps: tuple[str, ...]


STEP_STAGES = {
    "record_consent": frozenset({PreventionStage.PLAN_PENDING, PreventionStage.REVIEWING}),
    "agree_action_plan": frozenset({PreventionStage.PLAN_PENDING}),
    "record_review": frozenset({PreventionStage.REVIEWING}),
}


def prevention_refusal(state: PreventionState, name: str, step: StepInput) -> str | None:
    if name not in PREVENTION_STEP_MODELS or not isinstance(step, PREVENTION_STEP_MODELS[name]):
        return f"There is no prevention step called '{name}'."
    if state.stage is PreventionStage.FINISHED:
        return f"The prevention track has ended ({state.outcome})."
    if step.actor.role not in PREVENTION_ROLES:
        roles = ", ".join(sorted(PREVENTION_ROLES))
        return f"'{name}' needs one of the roles {roles}; you act as {step.actor.role}."
    if state.stage not in STEP_STAGES[name]:
        return f"'{name}' is not possible while the prevention track is at '{state.stage}'."
    if name == "agree_action_plan" and state.consent_given is None:
        return "Ask the tenant for consent (samtycke) and record the answer before the plan is agreed."
    return None


def hand_over_refusal(state: PreventionState, step: HandOverTask) -> str | None:
    if state.stage is PreventionStage.FINISHED:
        return f"The prevention track has ended ({state.outcome})."
    return steps.hand_over_refusal(state.tasks, step, "the prevention track")


def hand_over(state: PreventionState, step: HandOverTask, now: datetime) -> tuple[PreventionState, list[Command]]:
    """One of the track's tasks to one person, recorded so the register's inbox follows."""
    turn = _PTurn(state, now)
    task = turn.s.tasks[step.task_id]
    turn.record("task_assigned", step.actor, step.reason, task_id=task.task_id, task_kind=task.kind, assignee=step.assignee)
    turn.s.tasks[task.task_id] = task.model_copy(update={"assignee": step.assignee})
    turn.commands.append(
        AssignTask(record=AssignStaffTask(case_id=turn.s.input.case_id, task_id=task.task_id, assignee=step.assignee,
                                          at=now))  # fmt: skip
    )
    return turn.s, turn.commands


def prevention_allowed_steps(state: PreventionState, role: Role | None = None) -> tuple[str, ...]:
    if state.stage is PreventionStage.FINISHED or (role is not None and role not in PREVENTION_ROLES):
        return ()
    names = [n for n, stages in STEP_STAGES.items() if state.stage in stages]
    if state.consent_given is None and "agree_action_plan" in names:
        names.remove("agree_action_plan")
    return tuple(names)


def prevention_view(state: PreventionState, role: Role | None = None) -> PreventionView:
    return PreventionView(
        case_id=state.input.case_id,
        workflow_id=state.input.workflow_id,
        stage=state.stage,
        consent_given=state.consent_given,
        consent_at=state.consent_at,
        measures=state.measures,
        plan_agreed_at=state.plan_agreed_at,
        next_review_at=state.next_review_at,
        reviews=tuple(state.reviews),
        outcome=state.outcome,
        open_tasks=tuple(sorted(t.kind for t in state.tasks.values())),
        tasks=tuple(
            TaskView(task_id=t.task_id, kind=t.kind, role=t.role, assignee=t.assignee, due_at=t.due_at,
                     overdue=t.overdue, escalated=t.escalated)
            for t in sorted(state.tasks.values(), key=lambda t: (t.due_at, t.task_id))
        ),  # fmt: skip
        overdue=any(t.overdue for t in state.tasks.values()),
        escalated=any(t.escalated for t in state.tasks.values()),
        allowed_steps=prevention_allowed_steps(state, role),
    )


class _PTurn:
    def __init__(self, state: PreventionState, now: datetime) -> None:
        self.s = state.model_copy(deep=True)
        self.now = now
        self.commands: list[Command] = []

    def next_id(self, prefix: str) -> str:
        self.s.seq += 1
        return f"{self.s.input.case_id}:p{prefix}{self.s.seq}"

    def record(self, kind: str, actor: Actor = SYSTEM_ACTOR, reason: str | None = None, **data) -> None:
        self.commands.append(
            RecordEvent(
                record=CaseEventRecord(
                    case_id=self.s.input.case_id,
                    event_id=self.next_id("e"),
                    kind=kind,
                    at=self.now,
                    actor=actor,
                    reason=reason,
                    data={k: str(v) if v is not None and not isinstance(v, bool) else v for k, v in data.items()},
                )
            )
        )

    def open_task(self, kind: str) -> None:
        policy = self.s.input.policy
        due = policy.calendar().due_at(self.now, policy.task_days(kind))
        task = TaskState(task_id=self.next_id("t"), kind=kind, role=Role.PREVENTION_TEAM, due_at=due, opened_at=self.now)
        self._open(task)
        self.start_clock(ClockKind.TASK_DUE, due, task.task_id)

    def _open(self, task: TaskState) -> None:
        self.s.tasks[task.task_id] = task
        self.commands.append(
            OpenTask(
                record=StaffTaskRecord(
                    case_id=self.s.input.case_id,
                    task_id=task.task_id,
                    kind=task.kind,
                    role=task.role,
                    area=self.s.input.tenancy.area,
                    due_at=task.due_at,
                    opened_at=task.opened_at,
                    escalated=task.escalation_of is not None,
                )
            )
        )

    def close_tasks(self, status: TaskStatus = TaskStatus.DONE) -> None:
        """Close every open task (a step or the end of the track answers all of them),
        with its clocks."""
        for task_id in list(self.s.tasks):
            del self.s.tasks[task_id]
            self.commands.append(
                CloseTask(record=CloseStaffTask(case_id=self.s.input.case_id, task_id=task_id, status=status, at=self.now))
            )
        self.s.clocks.clear()

    def start_clock(self, kind: ClockKind, fires_at: datetime, ref: str) -> None:
        """The clock's id comes from its task, not from `seq`: tracks that started before
        task clocks existed must number their events and tasks as they did then."""
        clock = Clock(clock_id=f"{ref}:{kind}", seq=self.s.seq, kind=kind, fires_at=fires_at, ref=ref)
        self.s.clocks[clock.clock_id] = clock

    def schedule_review(self) -> None:
        self.s.next_review_at = self.now + timedelta(weeks=self.s.input.policy.action_plan_review_weeks)


def start_prevention(input: PreventionInput, now: datetime) -> tuple[PreventionState, list[Command]]:
    turn = _PTurn(PreventionState(input=input), now)
    turn.record("prevention_track_started")
    turn.open_task(TaskKind.AGREE_ACTION_PLAN)
    return turn.s, turn.commands


def prevention_step(state: PreventionState, step: StepInput, now: datetime) -> tuple[PreventionState, list[Command]]:
    turn = _PTurn(state, now)
    s = turn.s
    match step:
        case RecordConsent():
            s.consent_given, s.consent_at = step.given, now
            turn.record("consent_recorded", step.actor, step.reason, given=step.given)
        case AgreeActionPlan():
            s.measures = tuple(step.measures)
            s.plan_agreed_at = now
            s.stage = PreventionStage.REVIEWING
            turn.record("action_plan_agreed", step.actor, step.reason, measures=",".join(step.measures))
            turn.close_tasks()
            turn.schedule_review()
        case RecordReview():
            s.reviews.append(ReviewEntry(at=now, verdict=step.verdict))
            turn.record("action_plan_reviewed", step.actor, step.reason, verdict=step.verdict)
            turn.close_tasks()
            if step.verdict is ReviewVerdict.ON_TRACK:
                turn.schedule_review()
            else:
                s.stage = PreventionStage.FINISHED
                s.next_review_at = None
                s.outcome = (
                    PreventionOutcome.FULFILLED if step.verdict is ReviewVerdict.FULFILLED else PreventionOutcome.FAILED
                )
        case _:
            raise TypeError(f"unknown prevention step {type(step).__name__}")
    return s, turn.commands


def review_due(state: PreventionState, now: datetime) -> tuple[PreventionState, list[Command]]:
    """The review date came: open a review task for the prevention team and set the next date."""
    turn = _PTurn(state, now)
    turn.record("action_plan_review_due")
    if not any(t.kind == TaskKind.REVIEW_ACTION_PLAN for t in turn.s.tasks.values()):
        turn.open_task(TaskKind.REVIEW_ACTION_PLAN)
    turn.schedule_review()
    return turn.s, turn.commands


def next_moment(state: PreventionState, *, task_clocks: bool) -> tuple[datetime | None, Clock | None]:
    """When the track next has something to do without a step, and which task clock that
    is (None: the review date). A task clock wins only when strictly earlier; without
    `task_clocks` (tracks started before them) only the review date counts."""
    clock = min(state.clocks.values(), key=lambda c: (c.fires_at, c.seq), default=None) if task_clocks else None
    review_at = state.next_review_at
    if clock is not None and (review_at is None or clock.fires_at < review_at):
        return clock.fires_at, clock
    return review_at, None


def prevention_clock_fired(state: PreventionState, clock_id: str, now: datetime) -> tuple[PreventionState, list[Command]]:
    """A task of the track went unanswered: at its deadline a reminder (the task shows as
    overdue), then, `escalate_after_working_days` later, a copy for the team lead, as on
    the case: the track's work must not wait unseen while a tenancy is at stake."""
    turn = _PTurn(state, now)
    s = turn.s
    clock = s.clocks.pop(clock_id, None)
    task = s.tasks.get(clock.ref) if clock is not None else None
    if task is None:
        return state, []
    policy = s.input.policy
    if clock.kind is ClockKind.TASK_DUE:
        s.tasks[task.task_id] = task.model_copy(update={"overdue": True})
        turn.record("task_reminder", task_id=task.task_id, task_kind=task.kind, role=task.role)
        escalate_at = policy.calendar().due_at(now, policy.escalate_after_working_days)
        turn.start_clock(ClockKind.TASK_ESCALATION, escalate_at, task.task_id)
    elif clock.kind is ClockKind.TASK_ESCALATION:
        s.tasks[task.task_id] = task.model_copy(update={"escalated": True})
        turn.record("task_escalated", task_id=task.task_id, task_kind=task.kind, to_role=Role.TEAM_LEAD)
        turn._open(
            TaskState(
                task_id=f"{task.task_id}.lead",
                kind=task.kind,
                role=Role.TEAM_LEAD,
                due_at=policy.calendar().due_at(now, policy.escalate_after_working_days),
                opened_at=now,
                escalated=True,
                escalation_of=task.task_id,
            )
        )
    return s, turn.commands


def withdraw(state: PreventionState, now: datetime) -> tuple[PreventionState, list[Command]]:
    """The case stopped the track (closed, or a particularly serious incident)."""
    turn = _PTurn(state, now)
    turn.close_tasks(TaskStatus.CANCELLED)
    turn.s.stage = PreventionStage.FINISHED
    turn.s.outcome = PreventionOutcome.WITHDRAWN
    turn.s.next_review_at = None
    turn.record("prevention_track_withdrawn")
    return turn.s, turn.commands
