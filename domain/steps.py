"""Staff steps: one input model each, who may take it, in which stage, and why not.

A console or client imports `STEP_MODELS` to build `trygg act CASE STEP --data JSON`
generically: the step name is the Update name on `DisturbanceCaseWorkflow`, and the
JSON is the model. Steps of the prevention track are Updates on the prevention child
workflow (`PREVENTION_STEP_MODELS` in domain.prevention).

`refusal(state, step_name, step, now)` is the single check behind every Update validator
and handler: it returns a sentence a person understands, or None when the step may go
ahead. Under the law's rules (`CaseState.law`) it judges the case as it stands at `now`,
every due clock applied (`domain.ladder.settle`), and asks `domain.law` for the statute's
checks; a case opened before them is judged as it always was.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import Field

from domain import law
from domain.law import GroundBasis
from domain.models import Actor, Frozen, Role
from domain.state import CaseStage, CaseState, Outcome, PreventionOutcome
from domain.text import IsoDate, IsoDatetime, Ref, ShortText, StrictBool

STAFF_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")


class StepInput(Frozen):
    """Every step says who takes it, in which role, and why (the reason goes to the audit trail).

    Field types come from domain.text: trimmed text without control characters, strict
    booleans, ISO dates, so "yes", 1 or a unix number never decide a tenancy."""

    actor: Actor
    reason: ShortText = Field(
        description="Why, in staff's words: kept in the register's audit trail, read only by the roles that may read "
        "free text (domain/redaction.py); never sent to a partner or the tenant.",
    )


class VerificationMethod(StrEnum):
    OWN_OBSERVATION = "own_observation"
    SECURITY_COMPANY_ON_SITE = "security_company_on_site"
    INSPECTION = "inspection"
    POLICE_REPORT = "police_report"


class ContactMethod(StrEnum):
    CALL = "call"
    VISIT = "visit"
    LETTER = "letter"


class Milestone(StrEnum):
    """Steps outside Trygg after a termination, recorded as they happen."""

    RENT_TRIBUNAL_APPLICATION = "rent_tribunal_application"  # hyresnämnden
    RENT_TRIBUNAL_DECISION = "rent_tribunal_decision"
    COURT_JUDGMENT = "court_judgment"  # tingsrätten
    KRONOFOGDEN_APPLICATION = "kronofogden_application"  # ansökan om avhysning
    EVICTION_CARRIED_OUT = "eviction_carried_out"
    EVICTION_CANCELLED = "eviction_cancelled"


class VerifyReport(StepInput):
    report_id: Ref
    method: VerificationMethod


class RejectReport(StepInput):
    report_id: Ref


class Assign(StepInput):
    assignee: str = STAFF_ID


class RecordContact(StepInput):
    method: ContactMethod


class RecordDialogue(StepInput):
    resolved: StrictBool = Field(description="True: the tenant agreed and the disturbance stopped; the case closes.")


class IssueWarning(StepInput):
    """Tillsägelse to the tenant and underrättelse to social services (12 kap. 25 §)."""


class ApproveWarning(StepInput):
    """The team lead's answer to a proposed warning (when the policy asks for approval)."""

    approved: StrictBool = Field(default=True, description="False: no warning now; the case stays where it is.")


class RecordFollowUp(StepInput):
    calm: StrictBool = Field(description="No disturbance since the last checkpoint. A new one must come as a report.")


class EscalateToPrevention(StepInput):
    """Start the eviction-prevention track. When the first meeting with social services
    is already fixed, its time and place go into the notice that invites them."""

    meeting_at: IsoDatetime | None = Field(default=None, description="The first action-plan meeting, if fixed.")
    meeting_place: ShortText | None = Field(
        default=None,
        description="Where the first meeting is held. LEAVES TRYGG: social services receive it in the invitation; "
        "a complainant's identity typed here is cut by the screen and the coordinator gets a check_redaction task.",
    )


class ApproveTermination(StepInput):
    approved: StrictBool = Field(
        default=True, description="False: the fault is of minor importance (ringa betydelse); back to follow-up."
    )
    termination_date: IsoDate | None = Field(
        default=None,
        description="The day the lease ends, when the lawyer has set it: the notice to social services names it "
        "(without it the letter says the date follows separately).",
    )


class RecordGroundLearned(StepInput):
    """The tenancy lawyer records that the landlord learned of the ground later than the
    report's receipt, e.g. when a contested criminal judgment became final (NJA 2008 s. 243):
    the 43 § window and its warning clock move to run from that date. The reason says how."""

    learned_at: IsoDatetime = Field(description="When the landlord learned of the ground; not in the future.")
    basis: GroundBasis


class RecordMilestone(StepInput):
    milestone: Milestone


class CloseCase(StepInput):
    outcome: Outcome


class AddNote(StepInput):
    """The reason is the note. Facts only; no diagnoses (GDPR art. 9/10)."""


class CompleteTask(StepInput):
    """Mark a side task done: a notice delivered by hand, a fire hazard inspected, an acknowledgement chased."""

    task_id: Ref


class HandOverTask(StepInput):
    """Hand one open task to a named colleague. The team lead may hand any task to anyone;
    a member of the task's role may claim an unassigned one for themselves. The case's own
    assignee (`assign`) is untouched: this moves one piece of work, not the case."""

    task_id: Ref
    assignee: str = STAFF_ID


STEP_MODELS: dict[str, type[StepInput]] = {
    "verify_report": VerifyReport,
    "reject_report": RejectReport,
    "assign": Assign,
    "record_contact": RecordContact,
    "record_dialogue": RecordDialogue,
    "issue_warning": IssueWarning,
    "approve_warning": ApproveWarning,
    "record_follow_up": RecordFollowUp,
    "escalate_to_prevention": EscalateToPrevention,
    "approve_termination": ApproveTermination,
    "record_ground_learned": RecordGroundLearned,
    "record_milestone": RecordMilestone,
    "close_case": CloseCase,
    "add_note": AddNote,
    "complete_task": CompleteTask,
    "assign_task": HandOverTask,
}
"""Update name on DisturbanceCaseWorkflow -> its input model."""

STEP_NAMES: dict[type[StepInput], str] = {model: name for name, model in STEP_MODELS.items()}

OWNERS = frozenset({Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD})
STAFF = frozenset(Role) - {Role.OPERATOR, Role.SYSTEM}
ANY_OPEN = frozenset(CaseStage) - {CaseStage.CLOSED}

STEP_ROLES: dict[str, frozenset[Role]] = {
    "verify_report": OWNERS | {Role.FIRE_SAFETY_OFFICER},
    "reject_report": OWNERS | {Role.FIRE_SAFETY_OFFICER},
    "assign": OWNERS,
    "record_contact": OWNERS,
    "record_dialogue": OWNERS,
    "issue_warning": OWNERS,
    "approve_warning": frozenset({Role.TEAM_LEAD}),
    "record_follow_up": OWNERS | {Role.PREVENTION_TEAM},
    "escalate_to_prevention": OWNERS | {Role.PREVENTION_TEAM},
    "approve_termination": frozenset({Role.TENANCY_LAWYER}),
    "record_ground_learned": frozenset({Role.TENANCY_LAWYER}),
    "record_milestone": OWNERS | {Role.TENANCY_LAWYER},
    "close_case": OWNERS | {Role.TENANCY_LAWYER},
    "add_note": STAFF,
    "complete_task": STAFF,
    "assign_task": STAFF,
}

STEP_STAGES: dict[str, frozenset[CaseStage]] = {
    "verify_report": ANY_OPEN,
    "reject_report": ANY_OPEN,
    "assign": ANY_OPEN,
    "record_contact": frozenset({CaseStage.CONTACT}),
    "record_dialogue": frozenset({CaseStage.DIALOGUE}),
    "issue_warning": frozenset(
        {CaseStage.CONTACT, CaseStage.DIALOGUE, CaseStage.FOLLOW_UP, CaseStage.PREVENTION, CaseStage.TERMINATION_REVIEW}
    ),
    "approve_warning": frozenset(
        {CaseStage.CONTACT, CaseStage.DIALOGUE, CaseStage.FOLLOW_UP, CaseStage.PREVENTION, CaseStage.TERMINATION_REVIEW}
    ),
    "record_follow_up": frozenset({CaseStage.FOLLOW_UP}),
    "escalate_to_prevention": frozenset({CaseStage.DIALOGUE, CaseStage.FOLLOW_UP}),
    "approve_termination": frozenset({CaseStage.TERMINATION_REVIEW}),
    # In follow-up only after a window closed unused (the case knows a ground): a later date reopens it.
    "record_ground_learned": frozenset({CaseStage.TERMINATION_REVIEW, CaseStage.FOLLOW_UP}),
    "record_milestone": frozenset({CaseStage.LEGAL_PROCESS}),
    "close_case": ANY_OPEN,
    "add_note": ANY_OPEN,
    "complete_task": ANY_OPEN,
    "assign_task": ANY_OPEN,
}

CLOSING_OUTCOMES: dict[CaseStage, frozenset[Outcome]] = {
    CaseStage.REPORTED: frozenset({Outcome.UNFOUNDED, Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}),
    CaseStage.CONTACT: frozenset(
        {Outcome.RESOLVED_IN_DIALOGUE, Outcome.UNFOUNDED, Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}
    ),
    CaseStage.DIALOGUE: frozenset(
        {Outcome.RESOLVED_IN_DIALOGUE, Outcome.UNFOUNDED, Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}
    ),
    CaseStage.FOLLOW_UP: frozenset({Outcome.CORRECTED_AFTER_WARNING, Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}),
    CaseStage.PREVENTION: frozenset({Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}),
    CaseStage.TERMINATION_REVIEW: frozenset({Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}),
    CaseStage.LEGAL_PROCESS: frozenset({Outcome.TERMINATED, Outcome.WITHDRAWN, Outcome.TENANT_MOVED_OUT}),
}
"""Which outcomes a person may close a case with, by stage. `action_plan_fulfilled` is
also allowed in follow-up after a fulfilled plan (see `closing_outcomes`)."""

SIDE_TASKS = frozenset(
    {
        "deliver_by_hand",
        "fire_hazard",
        "chase_acknowledgement",
        "termination_window_closing",
        "review_refused_intake",
        "check_redaction",
    }
)
"""Tasks closed with `complete_task`; the others close when their stage's step is taken."""


def closing_outcomes(state: CaseState) -> frozenset[Outcome]:
    allowed = CLOSING_OUTCOMES.get(state.stage, frozenset())
    if state.stage is CaseStage.FOLLOW_UP and state.prevention_outcome is PreventionOutcome.FULFILLED:
        allowed = allowed | {Outcome.ACTION_PLAN_FULFILLED}
    return allowed


def _names(values) -> str:
    return ", ".join(sorted(str(v) for v in values))


OWNER_STEPS = frozenset(name for name, roles in STEP_ROLES.items() if Role.COORDINATOR in roles) - {
    "add_note",
    "complete_task",
    "assign_task",
}
"""The owner's steps: on a case under the law's rules, the coordinator role of the case's
housing form and the team lead take them (policy `owner_steps_by_housing_form`)."""

COORDINATOR_ROLES = frozenset({Role.COORDINATOR, Role.SENIOR_COORDINATOR})


def refusal(state: CaseState | None, name: str, step: StepInput, now: datetime) -> str | None:
    """Why this step may not be taken at `now`, in words for the person who tried; None if it may."""
    if name not in STEP_MODELS or not isinstance(step, STEP_MODELS[name]):
        return f"There is no step called '{name}'."
    if state is None:
        return "No case is open for this tenancy yet; a report opens one."
    if state.law:
        from domain.ladder import settle  # the ladder imports this module's step models

        before, state = state, settle(state, now)
        if state.is_closed and not before.is_closed:
            return f"This case closed at {state.closed_at.isoformat()} ({state.outcome}), before this step."
        window_closed = before.stage is CaseStage.TERMINATION_REVIEW and state.stage is not before.stage
        if name == "approve_termination" and window_closed and not state.is_closed:
            return law.window_refusal(before, now)  # its clock had not run yet: a worker down at the deadline
    if state.is_closed:
        return f"This case is closed ({state.outcome}). A new report opens a new case."
    role = step.actor.role
    if role not in STEP_ROLES[name]:
        return f"'{name}' needs one of the roles {_names(STEP_ROLES[name])}; you act as {role}."
    if state.law and name in OWNER_STEPS and not _takes_owner_steps(state, step.actor):
        return (
            f"On a case in {state.tenancy.housing_form} housing the owner's steps are for the {state.owner_role} "
            f"and the team lead, or a {role} the case is assigned to (assign). Source: DOMAIN.md 'The people'."
        )
    if state.stage not in STEP_STAGES[name]:
        return (
            f"'{name}' is not possible while the case is in stage '{state.stage}'. "
            f"It is possible in: {_names(STEP_STAGES[name])}."
        )
    if state.law:
        return _law_refusal(state, step, now)
    return _input_refusal(state, name, step)


def _takes_owner_steps(state: CaseState, actor: Actor) -> bool:
    """Owner roles follow housing form: the case's own coordinator role, or the team lead;
    the other coordinator role only as the case's assignee."""
    if actor.role not in COORDINATOR_ROLES or not state.policy.owner_steps_by_housing_form:
        return True
    return actor.role is state.owner_role or actor.id == state.assignee


def _law_refusal(state: CaseState, step: StepInput, now: datetime) -> str | None:
    """The input checks of a case under the law's rules, judged at `now` (rules 2)."""
    match step:
        case IssueWarning():
            reason = law.warning_refusal(state)
            if reason is not None:
                return reason
            if state.warning_proposed_at is not None and step.actor.role is not Role.TEAM_LEAD:
                return "A warning on this case already waits for the team lead's approval (approve_warning)."
            return None
        case EscalateToPrevention() if step.meeting_at is not None and step.meeting_at < now:
            return f"The first meeting cannot lie in the past ({step.meeting_at.isoformat()})."
        case ApproveTermination() if step.approved:
            if step.termination_date is not None and step.termination_date < now.astimezone(UTC).date():
                return f"The day the lease ends cannot lie in the past ({step.termination_date.isoformat()})."
            return law.termination_refusal(state, now)
        case CloseCase():
            reason = law.outcome_refusal(state, step.outcome)
            if reason is not None:
                return reason
        case RecordGroundLearned():
            if state.stage is CaseStage.FOLLOW_UP and state.ground_learned_at is None:
                return "No termination window ran on this case; a date of learning moves a window, it opens none."
            return law.ground_learned_refusal(state, step.learned_at, now)
    return _input_refusal(state, "", step)


def _input_refusal(state: CaseState, name: str, step: StepInput) -> str | None:
    match step:
        case VerifyReport() | RejectReport():
            report = state.report(step.report_id)
            if report is None:
                known = _names(r.report_id for r in state.reports)
                return f"This case has no report '{step.report_id}'. Its reports are: {known}."
            if report.verified is not None:
                verdict = "verified" if report.verified else "rejected"
                return f"Report '{step.report_id}' was already {verdict}."
        case IssueWarning():
            if not state.has_verified_report():
                return (
                    "A formal warning needs at least one verified report: courts have rejected warnings that "
                    "rested only on neighbours' reports (RH 2018:23). Verify a report first."
                )
            if state.warning_proposed_at is not None and step.actor.role is not Role.TEAM_LEAD:
                return "A warning on this case already waits for the team lead's approval (approve_warning)."
        case ApproveWarning():
            if state.warning_proposed_at is None:
                return "No warning waits for approval on this case; issue_warning proposes one."
        case EscalateToPrevention():
            if state.prevention_outcome is not None:
                return f"The prevention track already ran for this case (outcome: {state.prevention_outcome})."
        case ApproveTermination():
            if step.approved and state.social_services_notified_at is None and not state.particularly_serious:
                return (
                    "Termination needs a prior notice to social services (jordabalken 12 kap. 25 §, RH 2004:38), "
                    "unless the disturbance is particularly serious. Issue the warning and notice first."
                )
        case CloseCase():
            allowed = closing_outcomes(state)
            if step.outcome not in allowed:
                return f"A case in stage '{state.stage}' can close as: {_names(allowed)}; not as '{step.outcome}'."
        case RecordGroundLearned():
            return "This case runs by the rules it was opened with, which keep the window from termination review."
        case HandOverTask():
            return _assign_task_refusal(state, step)
        case CompleteTask():
            task = state.tasks.get(step.task_id)
            if task is None:
                return f"There is no open task '{step.task_id}' on this case."
            if task.kind not in SIDE_TASKS:
                return (
                    f"Task '{step.task_id}' ({task.kind}) closes when its step is taken, not with complete_task."
                )
    return None


def _assign_task_refusal(state: CaseState, step: HandOverTask) -> str | None:
    """The team lead hands any task to anyone; a member of the task's role claims an
    unassigned one for themselves; nobody else moves another's work."""
    task = state.tasks.get(step.task_id)
    if task is None:
        return f"There is no open task '{step.task_id}' on this case."
    if task.assignee == step.assignee:
        return f"Task '{step.task_id}' is already assigned to {step.assignee}."
    actor = step.actor
    if actor.role is Role.TEAM_LEAD:
        return None
    if actor.role is not task.role:
        return (
            f"Task '{step.task_id}' ({task.kind}) is for the role {task.role}; only the team lead may hand it on, "
            f"you act as {actor.role}."
        )
    if task.assignee is not None:
        return f"Task '{step.task_id}' is already assigned to {task.assignee}; only the team lead may hand it on."
    if step.assignee != actor.id:
        return f"You may claim task '{step.task_id}' for yourself ({actor.id}); only the team lead hands tasks to others."
    return None


def _may_assign_a_task(state: CaseState, role: Role | None) -> bool:
    if role is None or role is Role.TEAM_LEAD:
        return bool(state.tasks)
    return any(t.role is role and t.assignee is None for t in state.tasks.values())


def allowed_steps(state: CaseState | None, role: Role | None = None) -> tuple[str, ...]:
    """The steps that role (or any role, if None) may take now, judged by role and stage only."""
    if state is None or state.is_closed:
        return ()
    names = []
    for name in STEP_MODELS:
        if role is not None and role not in STEP_ROLES[name]:
            continue
        if state.stage not in STEP_STAGES[name]:
            continue
        if name == "issue_warning" and not state.has_verified_report():
            continue
        if name == "approve_warning" and state.warning_proposed_at is None:
            continue
        if name in ("verify_report", "reject_report") and not any(r.verified is None for r in state.reports):
            continue
        if name == "escalate_to_prevention" and state.prevention_outcome is not None:
            continue
        if name == "complete_task" and not any(t.kind in SIDE_TASKS for t in state.tasks.values()):
            continue
        if name == "assign_task" and not _may_assign_a_task(state, role):
            continue
        if name == "record_ground_learned" and (not state.law or state.ground_learned_at is None):
            continue
        if state.law and name in OWNER_STEPS and role in COORDINATOR_ROLES and state.policy.owner_steps_by_housing_form:
            if role is not state.owner_role and state.assignee is None:
                continue  # the other coordinator role acts only as the case's assignee
        names.append(name)
    return tuple(names)
