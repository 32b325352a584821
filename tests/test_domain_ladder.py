"""The ladder's invariants, proved over random sequences of reports, steps, clocks and
partner answers (hypothesis), plus a few exact rules. No Temporal here: pure functions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import event as event_note
from hypothesis import strategies as st

from domain.commands import AssignTask, Notify, OpenTask, RecordEvent, StartPrevention, UpsertCase
from domain.events import ClockFired, NoticeAcknowledged, NoticeUndelivered, PreventionFinished, PreventionResult, ReportReceived
from domain.ladder import decide, open_case
from domain.models import Actor, Category, Complainant, DisturbanceReport, HousingForm, Role, Severity, SourceKind, TenancyRef
from domain.policy import EscalationPolicy
from domain.records import NoticeAcknowledgement, NoticeKind
from domain.state import CaseStage, CaseState, PreventionOutcome
from domain.steps import (
    STEP_MODELS,
    STEP_ROLES,
    AddNote,
    ApproveTermination,
    ApproveWarning,
    Assign,
    HandOverTask,
    CloseCase,
    CompleteTask,
    ContactMethod,
    EscalateToPrevention,
    IssueWarning,
    Milestone,
    RecordContact,
    RecordDialogue,
    RecordFollowUp,
    RecordGroundLearned,
    RecordMilestone,
    RejectReport,
    StepInput,
    VerifyReport,
    allowed_steps,
    refusal,
)
from domain.state import Outcome

START = datetime(2025, 3, 3, 9, tzinfo=UTC)
POLICY = EscalationPolicy()
SECRET = "Agneta Secret"


def _report(ref: str, category: Category, severity: Severity, housing: HousingForm) -> DisturbanceReport:
    return DisturbanceReport(
        external_ref=ref,
        source_kind=SourceKind.NEIGHBOUR,
        category=category,
        severity=severity,
        occurred_at=START,
        place="yard",
        tenancy=TenancyRef(tenancy_id="T1", property_id="P1", area="Ryd", housing_form=housing),
        complainant=Complainant(name=SECRET, contact="070-000"),
    )


def _step(data, state: CaseState):
    """Draw a staff step with plausible arguments from the state (it may still be refused)."""
    allowed = allowed_steps(state)
    wander = data.draw(st.integers(0, 9)) == 0  # now and then, any step in any role: it must be refused cleanly
    name = data.draw(st.sampled_from(sorted(STEP_MODELS) if wander or not allowed else allowed))
    roles = list(Role) if wander else sorted(STEP_ROLES[name])
    actor = Actor(id="staff-1", role=data.draw(st.sampled_from(roles)))
    pending = [r.report_id for r in state.reports if r.verified is None]
    reports = (pending if pending and not wander else [r.report_id for r in state.reports]) or ["none"]
    tasks = list(state.tasks) or ["none"]
    common = {"actor": actor, "reason": "because"}
    match name:
        case "verify_report":
            return name, VerifyReport(report_id=data.draw(st.sampled_from(reports)), method="inspection", **common)
        case "reject_report":
            return name, RejectReport(report_id=data.draw(st.sampled_from(reports)), **common)
        case "assign":
            return name, Assign(assignee="coord-2", **common)
        case "record_contact":
            return name, RecordContact(method=data.draw(st.sampled_from(list(ContactMethod))), **common)
        case "record_dialogue":
            return name, RecordDialogue(resolved=data.draw(st.booleans()), **common)
        case "issue_warning":
            return name, IssueWarning(**common)
        case "approve_warning":
            return name, ApproveWarning(approved=data.draw(st.booleans()), **common)
        case "record_follow_up":
            return name, RecordFollowUp(calm=data.draw(st.booleans()), **common)
        case "escalate_to_prevention":
            return name, EscalateToPrevention(**common)
        case "approve_termination":
            return name, ApproveTermination(approved=data.draw(st.booleans()), **common)
        case "record_ground_learned":
            learned = state.opened_at + timedelta(days=data.draw(st.integers(0, 120)))
            return name, RecordGroundLearned(learned_at=learned, basis="criminal_judgment_final", **common)
        case "record_milestone":
            return name, RecordMilestone(milestone=data.draw(st.sampled_from(list(Milestone))), **common)
        case "close_case":
            return name, CloseCase(outcome=data.draw(st.sampled_from(list(Outcome))), **common)
        case "add_note":
            return name, AddNote(**common)
        case "complete_task":
            return name, CompleteTask(task_id=data.draw(st.sampled_from(tasks)), **common)
        case "assign_task":
            assignee = data.draw(st.sampled_from(["staff-1", "coord-2"]))
            return name, HandOverTask(task_id=data.draw(st.sampled_from(tasks)), assignee=assignee, **common)
    raise AssertionError(name)


class Ledger:
    """Everything the commands asked for over a whole sequence, to check across steps."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.versions: list[int] = []
        self.notices: list[Notify] = []

    def take(self, state: CaseState, commands: list) -> None:
        for command in commands:
            match command:
                case RecordEvent(record=r):
                    self.ids.append(r.event_id)
                case OpenTask(record=r):
                    self.ids.append(r.task_id)
                case Notify():
                    self.ids.append(command.request.notice_id)
                    self.notices.append(command)
                    if command.request.kind is NoticeKind.WARNING_TO_TENANT:
                        assert state.has_verified_report(), "no formal warning without a verified report"
                case UpsertCase(record=r):
                    self.versions.append(r.version)
            if isinstance(command, StartPrevention):
                assert state.stage is CaseStage.PREVENTION


def _invariants(state: CaseState, ledger: Ledger) -> None:
    if state.stage is CaseStage.LEGAL_PROCESS or state.outcome is Outcome.TERMINATED:
        assert state.social_services_notified_at is not None or state.particularly_serious, (
            "no termination without a prior social-services notice unless particularly serious"
        )
        sent = [n.request.kind for n in ledger.notices]
        if not state.particularly_serious:
            assert NoticeKind.DISTURBANCE_NOTICE in sent[: sent.index(NoticeKind.TERMINATION_NOTICE)]
    if not state.is_closed:
        running_track = (
            state.stage is CaseStage.PREVENTION and state.prevention_workflow_id and state.prevention_outcome is None
        )
        assert state.tasks or state.clocks or running_track, f"stage {state.stage} has nothing pending"
    else:
        assert not state.tasks and not state.clocks
    if state.warning_proposed_at is not None and not state.is_closed:
        assert [t for t in state.tasks.values() if t.kind == "approve_warning" and t.role is Role.TEAM_LEAD], (
            "a proposed warning waits in the team lead's inbox"
        )
    if state.assignee is not None:
        for task in state.tasks.values():
            if task.role is state.owner_role and task.escalation_of is None:
                # The case's assignee holds them, unless assign_task handed one to a colleague since.
                assert task.assignee is not None, "the owner's open tasks are held by someone"
    assert len(ledger.ids) == len(set(ledger.ids)), "ids are unique"
    assert ledger.versions == sorted(set(ledger.versions)), "case record versions only grow"
    for notice in ledger.notices:
        assert SECRET not in json.dumps(notice.request.facts), "the complainant never reaches a partner"
        assert notice.request.workflow_id == "case-T1", "every notice can be acknowledged back to its case"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_ladder_invariants_hold_over_any_sequence(data):
    housing = data.draw(st.sampled_from(list(HousingForm)))
    first = _report("ref-0", data.draw(st.sampled_from(list(Category))), data.draw(st.sampled_from(list(Severity))), housing)
    now = START
    approval = data.draw(st.booleans())
    policy = POLICY.model_copy(update={"warning_needs_team_lead_approval": approval})
    rules = data.draw(st.sampled_from([1, 2]))  # the ladder before domain.law keeps running old cases
    state, commands = open_case(first, now, policy, "T1.case", "case-T1", rules)
    assert isinstance(commands[0], UpsertCase), "the case row comes first"
    ledger = Ledger()
    ledger.take(state, commands)
    _invariants(state, ledger)
    for _ in range(data.draw(st.integers(min_value=1, max_value=40))):
        kind = data.draw(st.sampled_from(["step", "step", "step", "report", "clock", "clock", "ack", "fail", "prevention"]))
        event = None
        # Time passes before the event, which is judged and decided at one moment.
        now += timedelta(hours=data.draw(st.integers(min_value=0, max_value=24 * 20)))
        if kind == "step":
            name, step = _step(data, state)
            reason = refusal(state, name, step, now)
            if reason is not None:
                assert isinstance(reason, str) and reason.endswith(".")
                continue
            assert state.is_closed is False and name in allowed_steps(state, step.actor.role)
            event = step
        elif kind == "report":
            ref = data.draw(st.sampled_from(["ref-0", "ref-1", "ref-2", "ref-3"]))
            category = data.draw(st.sampled_from(list(Category)))
            event = ReportReceived(report=_report(ref, category, data.draw(st.sampled_from(list(Severity))), housing))
        elif kind == "clock":
            clock = state.next_clock()
            if clock is None:
                continue
            now = max(now, clock.fires_at)
            event = ClockFired(clock_id=clock.clock_id)
        elif kind in ("ack", "fail"):
            if not state.notices:
                continue
            notice = data.draw(st.sampled_from(state.notices))
            event = (
                NoticeAcknowledged(acknowledgement=NoticeAcknowledgement(notice_id=notice.notice_id, partner_id="p", at=now))
                if kind == "ack"
                else NoticeUndelivered(notice_id=notice.notice_id)
            )
        else:
            # A track reports fulfilled or failed; it is withdrawn only by its case, which then left the stage.
            outcome = data.draw(st.sampled_from([PreventionOutcome.FULFILLED, PreventionOutcome.FAILED]))
            event = PreventionFinished(result=PreventionResult(case_id=state.case_id, outcome=outcome, at=now))
        before = state
        state, commands = decide(state, event, now)
        if before.is_closed:
            assert state is before and commands == [], "a closed case accepts nothing"
        if approval and state.warning_issued_at != before.warning_issued_at:
            assert isinstance(event, StepInput) and event.actor.role is Role.TEAM_LEAD, "no warning without the lead"
        ledger.take(state, commands)
        _invariants(state, ledger)
        event_note(f"reached {state.stage}")


def test_closed_case_accepts_nothing_but_a_new_case():
    state, _ = open_case(_report("a", Category.NOISE, Severity.NORMAL, HousingForm.ORDINARY), START, POLICY, "c", "w")
    state, _ = decide(state, RejectReport(actor=Actor(id="x", role=Role.COORDINATOR), reason="no", report_id=state.reports[0].report_id), START)
    assert state.outcome is Outcome.UNFOUNDED
    again = _report("b", Category.NOISE, Severity.NORMAL, HousingForm.ORDINARY)
    assert decide(state, ReportReceived(report=again), START) == (state, [])
    assert refusal(state, "add_note", AddNote(actor=Actor(id="x", role=Role.COORDINATOR), reason="hi"), START) == (
        "This case is closed (unfounded). A new report opens a new case."
    )


def test_first_contact_is_due_three_working_days_after_the_report():
    friday = datetime(2025, 3, 7, 10, tzinfo=UTC)
    state, _ = open_case(_report("a", Category.NOISE, Severity.NORMAL, HousingForm.ORDINARY), friday, POLICY, "c", "w")
    verify = VerifyReport(actor=Actor(id="x", role=Role.COORDINATOR), reason="seen", report_id=state.reports[0].report_id, method="inspection")
    state, _ = decide(state, verify, friday)
    (task,) = state.tasks.values()
    assert task.kind == "first_contact" and task.due_at.date().isoformat() == "2025-03-12"


def test_senior_housing_tasks_go_to_the_senior_coordinator_and_fire_hazards_to_the_fire_officer():
    state, commands = open_case(
        _report("a", Category.FIRE_HAZARD, Severity.SERIOUS, HousingForm.SENIOR_55), START, POLICY, "c", "w"
    )
    roles = {c.record.kind: c.record.role for c in commands if isinstance(c, OpenTask)}
    assert roles == {"verify_report": Role.SENIOR_COORDINATOR, "fire_hazard": Role.FIRE_SAFETY_OFFICER}
    assert [c.request.kind for c in commands if isinstance(c, Notify)] == [NoticeKind.FIRE_HAZARD]


def test_assigning_the_case_hands_the_owner_roles_open_tasks_to_the_assignee():
    state, _ = open_case(_report("a", Category.FIRE_HAZARD, Severity.SERIOUS, HousingForm.ORDINARY), START, POLICY, "c", "w")
    verify_task = next(t for t in state.tasks.values() if t.kind == "verify_report")
    for _ in range(2):  # the reminder, then the escalation to the team lead
        (clock,) = [c for c in state.clocks.values() if c.ref == verify_task.task_id]
        state, _ = decide(state, ClockFired(clock_id=clock.clock_id), clock.fires_at)
    lead = Actor(id="lead-1", role=Role.TEAM_LEAD)

    state, commands = decide(state, Assign(actor=lead, reason="Maja takes Ryd", assignee="maja.l"), START + timedelta(days=9))
    assigned = [c.record for c in commands if isinstance(c, AssignTask)]
    assert [(a.task_id, a.assignee) for a in assigned] == [(verify_task.task_id, "maja.l")]
    holders = {(t.kind, t.role): t.assignee for t in state.tasks.values()}
    assert holders == {
        ("verify_report", Role.COORDINATOR): "maja.l",
        ("verify_report", Role.TEAM_LEAD): None,  # the escalation stays with the lead
        ("fire_hazard", Role.FIRE_SAFETY_OFFICER): None,  # another role's task
        ("fire_hazard", Role.TEAM_LEAD): None,  # its escalation too: every clock due by the step has fired
    }
    _, again = decide(state, Assign(actor=lead, reason="again", assignee="maja.l"), START + timedelta(days=9))
    assert not [c for c in again if isinstance(c, AssignTask)], "assigning the same person again moves nothing"


def _letters_tenancy() -> TenancyRef:
    return TenancyRef(
        tenancy_id="T1", property_id="P1", area="Ryd", address="Storgatan 1 B, 582 22 Linköping",
        tenant_names=("Bo Bengtsson",),
    )  # fmt: skip


def test_warning_notices_carry_what_the_letters_need_and_the_workflow_to_acknowledge():
    coordinator = Actor(id="x", role=Role.COORDINATOR)
    first = _report("a", Category.NOISE, Severity.NORMAL, HousingForm.ORDINARY).model_copy(
        update={"tenancy": _letters_tenancy()}
    )
    state, _ = open_case(first, START, POLICY, "T1.c", "case-T1")
    state, _ = decide(state, ReportReceived(report=first.model_copy(update={"external_ref": "b", "place": "hall"})), START)
    verified, unverified = state.reports
    state, _ = decide(state, VerifyReport(actor=coordinator, reason="seen", report_id=verified.report_id, method="inspection"), START)
    state, _ = decide(state, RecordContact(actor=coordinator, reason="call", method=ContactMethod.CALL), START)
    state, _ = decide(state, RecordDialogue(actor=coordinator, reason="no", resolved=False), START)
    state, commands = decide(state, IssueWarning(actor=coordinator, reason="goes on"), START)
    notices = [c.request for c in commands if isinstance(c, Notify)]
    assert {n.kind for n in notices} == {
        NoticeKind.WARNING_TO_TENANT, NoticeKind.WARNING_COPY, NoticeKind.DISTURBANCE_NOTICE
    }  # fmt: skip
    for notice in notices:
        assert notice.workflow_id == "case-T1", "partners' acknowledgements find the case by it"
        facts = notice.facts
        assert facts["address"] == "Storgatan 1 B, 582 22 Linköping" and facts["tenant_names"] == ["Bo Bengtsson"]
        assert facts["incidents"] == [
            {"occurred_at": START.isoformat(), "category": "noise", "place": "yard", "verified": True}
        ], "only the verified report is an incident the warning rests on"
        assert facts["warned_at"] == START.isoformat()
        assert (facts["report_count"], facts["verified_report_count"]) == (2, 1)
        assert SECRET not in json.dumps(facts)
    assert unverified.verified is None


def test_a_tenancy_without_address_or_names_leaves_them_out_of_the_facts():
    state, commands = open_case(
        _report("a", Category.DRUGS, Severity.NORMAL, HousingForm.ORDINARY), START, POLICY, "c", "w"
    )
    for notice in [c.request for c in commands if isinstance(c, Notify)]:
        assert "address" not in notice.facts and "tenant_names" not in notice.facts


def test_the_termination_notice_names_the_ground():
    lawyer = Actor(id="l", role=Role.TENANCY_LAWYER)
    serious = _report("a", Category.VIOLENCE, Severity.PARTICULARLY_SERIOUS, HousingForm.ORDINARY).model_copy(
        update={"tenancy": _letters_tenancy()}
    )
    state, _ = open_case(serious, START, POLICY, "c", "w")
    verify = VerifyReport(actor=Actor(id="x", role=Role.COORDINATOR), reason="police", report_id=state.reports[0].report_id, method="inspection")
    state, _ = decide(state, verify, START)
    assert state.stage is CaseStage.TERMINATION_REVIEW
    state, commands = decide(state, ApproveTermination(actor=lawyer, reason="ground holds"), START)
    (notice,) = [c.request for c in commands if isinstance(c, Notify)]
    assert notice.kind is NoticeKind.TERMINATION_NOTICE
    assert notice.facts["termination_ground"].startswith("särskilt allvarliga störningar")
    assert "termination_date" not in notice.facts, "no date set: the letter says it follows separately"

    # The lawyer may set the day the lease ends with the approval: the notice then names it.
    state, _ = open_case(serious.model_copy(update={"external_ref": "b"}), START, POLICY, "c2", "w2")
    verify = verify.model_copy(update={"report_id": state.reports[0].report_id})
    state, _ = decide(state, verify, START)
    approve = ApproveTermination(actor=lawyer, reason="ground holds", termination_date="2025-06-30")
    _, commands = decide(state, approve, START)
    (notice,) = [c.request for c in commands if isinstance(c, Notify)]
    assert notice.facts["termination_date"] == "2025-06-30"


def test_an_escalation_with_a_fixed_meeting_invites_social_services_to_it():
    coordinator = Actor(id="x", role=Role.COORDINATOR)
    noisy = _report("a", Category.NOISE, Severity.NORMAL, HousingForm.ORDINARY).model_copy(update={"tenancy": _letters_tenancy()})
    state, _ = open_case(noisy, START, POLICY, "c", "w")
    verify = VerifyReport(actor=coordinator, reason="heard", report_id=state.reports[0].report_id, method="inspection")
    state, _ = decide(state, verify, START)
    state, _ = decide(state, RecordContact(actor=coordinator, reason="called", method="call"), START)

    def invitation(step: EscalateToPrevention) -> dict:
        _, commands = decide(state, step, START)
        (notice,) = [c.request for c in commands if isinstance(c, Notify) and c.request.kind is NoticeKind.ACTION_PLAN_MEETING]
        return notice.facts

    fixed = invitation(EscalateToPrevention(actor=coordinator, reason="support needed",
                                            meeting_at="2025-03-12T10:00:00+01:00", meeting_place="Socialkontoret Ryd"))  # fmt: skip
    assert (fixed["meeting_at"], fixed["meeting_place"]) == ("2025-03-12T10:00:00+01:00", "Socialkontoret Ryd")
    open_ = invitation(EscalateToPrevention(actor=coordinator, reason="support needed"))
    assert "meeting_at" not in open_ and "meeting_place" not in open_, "not fixed: the letter says it follows"
