"""The statute's invariants hold under any order of events and any clock: a hypothesis
state machine over the pure ladder (rules 2), plus the exact rules of domain.law.

The machine files reports of every category and severity, takes every staff step in
every role (mostly plausible ones, now and then anything), answers notices as the
partner channel would (delivered, refused, no partner takes it, acknowledged), lets the
prevention track finish, and lets time jump from minutes to months. It keeps its own
record of what it told the ladder (which notices were delivered, which reports verified,
which dates the lawyer recorded) and after every step checks the law against that record,
not against the ladder's own bookkeeping.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, settings, target
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain import law
from domain.calendar import add_months
from domain.commands import Notify, RecordEvent
from domain.events import (
    ClockFired,
    NoticeAcknowledged,
    NoticeDelivered,
    NoticeUndelivered,
    PreventionFinished,
    PreventionResult,
    ReportReceived,
    notice_outcome_event,
)
from domain.ladder import decide, open_case, settle
from domain.models import Actor, Category, DisturbanceReport, HousingForm, Role, Severity, SourceKind, TenancyRef
from domain.policy import EscalationPolicy, TaskKind
from domain.records import NoticeAcknowledgement, NoticeKind, NoticeOutcome
from domain.state import CaseStage, CaseState, ClockKind, Outcome, PreventionOutcome
from domain.steps import (
    STEP_MODELS,
    STEP_ROLES,
    ApproveTermination,
    Assign,
    CloseCase,
    HandOverTask,
    CompleteTask,
    EscalateToPrevention,
    IssueWarning,
    RecordContact,
    RecordDialogue,
    RecordGroundLearned,
    RejectReport,
    VerifyReport,
    allowed_steps,
    refusal,
)
from runtime.calendar import default_policy

START = datetime(2025, 3, 3, 9, tzinfo=UTC)
POLICY = default_policy(2025, years=3)

SEVERITIES = st.sampled_from([Severity.MINOR, Severity.NORMAL, Severity.NORMAL, Severity.SERIOUS, Severity.PARTICULARLY_SERIOUS])
CLOSERS = frozenset({"close_case", "add_note", "assign", "reject_report"})
"""Steps that end or idle a case; a plausible step avoids them most of the time, so that
sequences reach warnings, prevention and termination review."""


def _open_case(machine: "LawMachine") -> bool:
    return machine.state is not None and not machine.state.is_closed


def _in_flight(machine: "LawMachine") -> bool:
    return _open_case(machine) and any(n.notice_id not in machine.told for n in machine.state.notices)


JUMPS = st.one_of(
    st.integers(1, 59).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 48).map(lambda h: timedelta(hours=h)),
    st.integers(1, 30).map(lambda d: timedelta(days=d)),
    st.integers(1, 4).map(lambda m: timedelta(days=30 * m)),
)


def _tenancy(housing: HousingForm) -> TenancyRef:
    return TenancyRef(tenancy_id="T1", property_id="P1", area="Ryd", housing_form=housing)


class LawMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state: CaseState | None = None
        self.now = START
        self.housing = HousingForm.ORDINARY
        self.refs = 0
        self.cases = 0
        self.best = 0
        self._forget()

    def _forget(self) -> None:
        """A new case: the machine's record starts afresh."""
        self.told: dict[str, str] = {}  # notice id -> what the channel said: delivered, refused, no_partner
        self.given: dict[str, datetime] = {}  # notice id -> when it reached its recipient, by partner or by hand
        self.verified: dict[str, datetime] = {}  # report id -> occurred_at, as the machine verified them
        self.learned: list[datetime] = []  # dates of learning the lawyer recorded and the ladder took

    def _progress(self) -> None:
        """How far towards a lawful termination this sequence got: hypothesis steers
        towards the far end (target), where the statute's conditions bite hardest."""
        s = self.state
        rungs = [CaseStage.CONTACT, CaseStage.DIALOGUE, CaseStage.FOLLOW_UP, CaseStage.PREVENTION,
                 CaseStage.TERMINATION_REVIEW, CaseStage.LEGAL_PROCESS]  # fmt: skip
        score = rungs.index(s.stage) + 1 if s.stage in rungs else 0
        score += 2 * (s.warned_at is not None) + 2 * (s.social_services_notified_at is not None)
        score += 3 * (law.disturbance_after_warning(s) is not None)
        self.best = max(self.best, score)

    def teardown(self) -> None:
        target(float(self.best), label="progress towards a lawful termination")

    # -- driving the ladder --------------------------------------------------------------
    def _apply(self, event) -> None:
        before = self.state
        self.state, commands = decide(self.state, event, self.now)
        for command in commands:
            if isinstance(command, Notify) and command.request.kind is NoticeKind.WARNING_TO_TENANT:
                assert self.state.has_verified_report(), "no warning without a verified report (RH 2018:23)"
            if isinstance(command, RecordEvent) and command.record.kind == "termination_approved":
                self._check_termination(before, event)

    def _check_termination(self, before: CaseState, step) -> None:
        """12 kap. 42 § första stycket 6, 25 § and 43 §, against the machine's own record."""
        assert isinstance(step, ApproveTermination) and step.actor.role is Role.TENANCY_LAWYER, "only the lawyer"
        judged = settle(before, self.now)
        event("termination approved: " + ("particularly serious" if judged.particularly_serious else "after warning"))
        if not judged.particularly_serious:
            kinds = {n.notice_id: n.kind for n in judged.notices}
            warned = [at for nid, at in self.given.items() if kinds.get(nid) is NoticeKind.WARNING_TO_TENANT]
            social = [at for nid, at in self.given.items() if kinds.get(nid) is NoticeKind.DISTURBANCE_NOTICE]
            assert warned, "no termination without a delivered warning"
            assert social, "no termination without a delivered notice to social services"
            assert any(occurred > min(warned) for occurred in self.verified.values()), (
                "no termination without a verified disturbance after the warning was delivered"
            )
        known = [r.received_at for r in judged.reports if r.report_id in self.verified] + self.learned
        assert known and self.now < add_months(max(known), 2), "no termination outside the 43 § window"

    @initialize(
        housing=st.sampled_from(list(HousingForm)),
        category=st.sampled_from(list(Category)),
        severity=SEVERITIES,
        approval=st.booleans(),
        start=st.sampled_from(["fresh", "fresh", "warned", "prevention_without_warning"]),
    )
    def open(self, housing, category, severity, approval, start) -> None:
        """A case opens with one report; some sequences start further up the ladder, reached
        through the same ladder, so that the deep rungs get their share of random events."""
        self.housing = housing
        self.policy = POLICY.model_copy(update={"warning_needs_team_lead_approval": approval})
        if start != "fresh":
            severity = Severity.NORMAL
        self.state, _ = open_case(self._report(category, severity, timedelta(hours=1)), START, self.policy, "T1.c", "case-T1")
        if start == "fresh":
            return
        owner = Actor(id="owner-1", role=self.state.owner_role)
        report_id = self.state.reports[0].report_id
        self.verified[report_id] = self.state.reports[0].occurred_at
        self._apply(VerifyReport(actor=owner, reason="seen", report_id=report_id, method="inspection"))
        self._apply(RecordContact(actor=owner, reason="call", method="call"))
        self._apply(RecordDialogue(actor=owner, reason="no change", resolved=False))
        if start == "warned":
            self._apply(IssueWarning(actor=Actor(id="lead-1", role=Role.TEAM_LEAD), reason="goes on"))
        else:
            self._apply(EscalateToPrevention(actor=owner, reason="support needed"))


    def _report(self, category: Category, severity: Severity, ago: timedelta) -> DisturbanceReport:
        self.refs += 1
        return DisturbanceReport(
            external_ref=f"ref-{self.refs}", source_kind=SourceKind.NEIGHBOUR, category=category, severity=severity,
            occurred_at=self.now - ago, place="yard", tenancy=_tenancy(self.housing),
        )  # fmt: skip

    @rule(jump=JUMPS)
    def time_passes(self, jump: timedelta) -> None:
        """Time jumps; the workflow then fires what fell due (one ClockFired, the ladder the rest)."""
        self.now += jump
        if self.state is None or self.state.is_closed:
            return
        clock = self.state.next_clock()
        if clock is not None and clock.fires_at <= self.now:
            self._apply(ClockFired(clock_id=clock.clock_id))

    @rule(
        category=st.sampled_from(list(Category)),
        severity=SEVERITIES,
        ago=st.one_of(st.integers(1, 120), st.integers(1, 60 * 24 * 10)).map(lambda m: timedelta(minutes=m)),
    )
    def report_arrives(self, category, severity, ago) -> None:
        """A report joins the case; after closure it opens the next one, as the workflow does."""
        report = self._report(category, severity, ago)
        if not self.state.is_closed:
            self._apply(ReportReceived(report=report))
            return
        self.cases += 1
        self._forget()
        self.state, _ = open_case(report, self.now, self.policy, f"T1.c{self.cases}", "case-T1")

    @precondition(_open_case)
    @rule(data=st.data())
    def any_staff_step(self, data) -> None:
        self._step(data, wander=True)

    @precondition(_open_case)
    @rule(data=st.data())
    def a_plausible_staff_step(self, data) -> None:
        self._step(data, wander=False)

    @precondition(_open_case)
    @rule(data=st.data())
    def another_plausible_staff_step(self, data) -> None:
        self._step(data, wander=False)

    def _step(self, data, *, wander: bool) -> None:
        if self.state.is_closed:
            return
        name, step = _draw_step(data, self.state, self.now, wander=wander)
        reason = refusal(self.state, name, step, self.now)
        if reason is not None:
            assert reason.endswith("."), reason
            return
        judged = settle(self.state, self.now)
        assert name in allowed_steps(judged, step.actor.role), f"{name} taken but not offered to {step.actor.role}"
        if isinstance(step, VerifyReport):
            self.verified[step.report_id] = judged.report(step.report_id).occurred_at
        if isinstance(step, RecordGroundLearned):
            self.learned.append(step.learned_at)
        if isinstance(step, CompleteTask):
            task = judged.tasks[step.task_id]
            if task.kind == TaskKind.DELIVER_BY_HAND and task.ref not in self.given:
                self.given[task.ref] = self.now
        self._apply(step)

    @precondition(_in_flight)
    @rule(data=st.data(), answer=st.sampled_from(["delivered", "delivered", "refused", "no_partner"]))
    def channel_answers(self, data, answer: str) -> None:
        waiting = [n.notice_id for n in self.state.notices if n.notice_id not in self.told]
        if not waiting or self.state.is_closed:
            return
        notice_id = data.draw(st.sampled_from(waiting))
        self.told[notice_id] = answer
        outcome = {
            "delivered": NoticeOutcome(notice_id=notice_id, delivered_to=("partner-1",)),
            "refused": NoticeOutcome(notice_id=notice_id, failed_permanently=("partner-1",)),
            "no_partner": NoticeOutcome(notice_id=notice_id, skipped=True),
        }[answer]
        if answer == "delivered" and not self.state.is_closed:
            self.given.setdefault(notice_id, self.now)
        self._apply(notice_outcome_event(outcome))
        if answer != "delivered" and self.state.notice(notice_id).required and not self.state.is_closed:
            event("a legal notice went by hand")

    @precondition(_in_flight)
    @rule()
    def channel_delivers_all_it_holds(self) -> None:
        """Partners answer quickly as a rule: every notice in flight is delivered."""
        for notice in [n for n in self.state.notices if n.notice_id not in self.told]:
            if not self.state.is_closed:
                self.told[notice.notice_id] = "delivered"
                self.given.setdefault(notice.notice_id, self.now)
                self._apply(NoticeDelivered(notice_id=notice.notice_id, delivered_to=("partner-1",)))

    @precondition(lambda self: _open_case(self) and "delivered" in self.told.values())
    @rule(data=st.data())
    def partner_acknowledges(self, data) -> None:
        delivered = [nid for nid, answer in self.told.items() if answer == "delivered"]
        if delivered and not self.state.is_closed:
            notice_id = data.draw(st.sampled_from(delivered))
            ack = NoticeAcknowledgement(notice_id=notice_id, partner_id="partner-1", at=self.now)
            self._apply(NoticeAcknowledged(acknowledgement=ack))

    @precondition(lambda self: _open_case(self) and self.state.stage is CaseStage.PREVENTION)
    @rule(outcome=st.sampled_from([PreventionOutcome.FULFILLED, PreventionOutcome.FAILED]))
    def prevention_track_ends(self, outcome) -> None:
        if self.state.stage is CaseStage.PREVENTION:
            result = PreventionResult(case_id=self.state.case_id, outcome=outcome, at=self.now)
            self._apply(PreventionFinished(result=result))

    # -- the statute, after every step ----------------------------------------------------
    @invariant()
    def no_clock_left_in_the_past(self) -> None:
        if self.state is not None:
            self._progress()
            assert all(c.fires_at > self.now for c in self.state.clocks.values()), "a due clock was left unfired"

    @invariant()
    def every_required_notice_is_delivered_or_in_hand(self) -> None:
        s = self.state
        if s is None or s.is_closed:
            return
        by_hand = {t.ref for t in s.tasks.values() if t.kind == TaskKind.DELIVER_BY_HAND}
        for notice in s.notices:
            answer = self.told.get(notice.notice_id)
            if answer is None:
                assert notice.delivered_at is None or notice.notice_id in self.given, "counted before it left"
                continue
            if answer == "delivered":
                assert notice.delivered_at is not None
            elif notice.required:
                assert notice.delivered_at is not None or notice.notice_id in by_hand, (
                    f"legal notice {notice.kind} ({answer}) neither delivered nor a deliver-by-hand task"
                )

    @invariant()
    def legal_dates_follow_delivery(self) -> None:
        s = self.state
        if s is None:
            return
        kinds = {n.notice_id: n.kind for n in s.notices}
        for field, kind in (("social_services_notified_at", NoticeKind.DISTURBANCE_NOTICE),
                            ("warned_at", NoticeKind.WARNING_TO_TENANT)):  # fmt: skip
            at = getattr(s, field)
            given = sorted(t for nid, t in self.given.items() if kinds.get(nid) is kind)
            assert at is None or (given and at == given[0]), f"{field} set without a delivered {kind}"
        for clock in s.clocks.values():
            if clock.kind is ClockKind.ACKNOWLEDGEMENT_DUE:
                assert clock.ref in self.given, "an acknowledgement clock for a notice that never left"

    @invariant()
    def outcomes_agree_with_the_record(self) -> None:
        s = self.state
        if s is not None and s.outcome is Outcome.UNFOUNDED:
            assert not self.verified, "unfounded although a report was verified"
        if s is not None and s.warning_issued_at is not None:
            assert self.verified, "no warning without a verified report"

    @invariant()
    def termination_only_inside_its_window(self) -> None:
        s = self.state
        if s is not None and s.stage is CaseStage.TERMINATION_REVIEW:
            assert s.termination_window_closes_at is not None and s.termination_window_closes_at > self.now
            assert s.termination_window_closes_at == add_months(s.ground_learned_at, 2)


def _draw_step(data, state: CaseState, now: datetime, *, wander: bool):
    """A staff step: a plausible one (offered by the case, seldom one that ends it, with
    fitting arguments), or with `wander` any step in any role, which must then be refused
    cleanly or be lawful."""
    judged = settle(state, now)
    offered = allowed_steps(judged)
    onward = [n for n in offered if n not in CLOSERS]
    wander = wander or not offered
    if not wander and onward and data.draw(st.integers(0, 9)) > 0:
        offered = onward
    name = data.draw(st.sampled_from(sorted(STEP_MODELS) if wander else offered))
    roles = sorted(Role) if wander else sorted(STEP_ROLES[name])
    role = data.draw(st.sampled_from(roles))
    actor = Actor(id=data.draw(st.sampled_from(["staff-1", "coord-2"])), role=role)
    common = {"actor": actor, "reason": "because"}
    pending = [r.report_id for r in judged.reports if r.verified is None] or [r.report_id for r in judged.reports]
    tasks = sorted(judged.tasks) or ["none"]
    model = STEP_MODELS[name]
    match name:
        case "verify_report":
            return name, VerifyReport(report_id=data.draw(st.sampled_from(pending)), method="inspection", **common)
        case "reject_report":
            return name, RejectReport(report_id=data.draw(st.sampled_from(pending)), **common)
        case "assign":
            return name, Assign(assignee=data.draw(st.sampled_from(["staff-1", "coord-2"])), **common)
        case "record_contact":
            return name, RecordContact(method="visit", **common)
        case "record_dialogue":
            return name, RecordDialogue(resolved=data.draw(st.booleans()), **common)
        case "issue_warning":
            return name, IssueWarning(**common)
        case "escalate_to_prevention":
            meeting = data.draw(st.none() | st.integers(-3, 20).map(lambda d: now + timedelta(days=d)))
            return name, EscalateToPrevention(meeting_at=meeting, meeting_place="Socialkontoret" if meeting else None, **common)
        case "approve_termination":
            ends = data.draw(st.none() | st.integers(-5, 90).map(lambda d: now.date() + timedelta(days=d)))
            return name, ApproveTermination(approved=data.draw(st.booleans()), termination_date=ends, **common)
        case "record_ground_learned":
            learned = now - data.draw(st.integers(-2, 24 * 90).map(lambda h: timedelta(hours=h)))
            return name, RecordGroundLearned(learned_at=learned, basis="criminal_judgment_final", **common)
        case "close_case":
            return name, CloseCase(outcome=data.draw(st.sampled_from(list(Outcome))), **common)
        case "complete_task":
            return name, CompleteTask(task_id=data.draw(st.sampled_from(tasks)), **common)
        case "assign_task":
            assignee = data.draw(st.sampled_from(["staff-1", "coord-2"]))
            return name, HandOverTask(task_id=data.draw(st.sampled_from(tasks)), assignee=assignee, **common)
    fields = {"approved": data.draw(st.booleans())} if "approved" in model.model_fields else {}
    if "calm" in model.model_fields:
        fields = {"calm": data.draw(st.booleans())}
    if "milestone" in model.model_fields:
        fields = {"milestone": "court_judgment"}
    return name, model(**common, **fields)


LawMachine.TestCase.settings = settings(
    max_examples=2000, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
)
TestLawMachine = LawMachine.TestCase


# -- the exact rules ---------------------------------------------------------------------------
COORDINATOR = Actor(id="coord-1", role=Role.COORDINATOR)
LAWYER = Actor(id="lawyer-1", role=Role.TENANCY_LAWYER)


def _open(severity: Severity = Severity.NORMAL, housing: HousingForm = HousingForm.ORDINARY, at: datetime = START):
    report = DisturbanceReport(
        external_ref="a", source_kind=SourceKind.NEIGHBOUR, category=Category.NOISE, severity=severity,
        occurred_at=at - timedelta(hours=1), place="yard", tenancy=_tenancy(housing),
    )  # fmt: skip
    state, _ = open_case(report, at, EscalationPolicy(), "T1.c", "case-T1")
    return state


def _verify(state: CaseState, at: datetime, actor: Actor = COORDINATOR) -> CaseState:
    report_id = next(r.report_id for r in state.reports if r.verified is None)
    step = VerifyReport(actor=actor, reason="seen", report_id=report_id, method="inspection")
    assert refusal(state, "verify_report", step, at) is None
    return decide(state, step, at)[0]


def test_a_report_verified_late_gets_a_window_from_its_receipt_not_from_the_review():
    state = _verify(_open(Severity.PARTICULARLY_SERIOUS), START + timedelta(days=20))
    assert state.stage is CaseStage.TERMINATION_REVIEW
    assert state.ground_learned_at == START and state.termination_window_closes_at == add_months(START, 2)
    late = _verify(_open(Severity.PARTICULARLY_SERIOUS), START + timedelta(days=70))
    assert late.stage is CaseStage.FOLLOW_UP, "the window had closed before the report was verified"


def test_the_lawyer_moves_the_window_to_when_a_contested_judgment_became_final():
    state = _verify(_open(Severity.PARTICULARLY_SERIOUS), START + timedelta(days=10))
    final = START + timedelta(days=40)
    step = RecordGroundLearned(actor=LAWYER, reason="judgment final", learned_at=final, basis="criminal_judgment_final")
    assert refusal(state, "record_ground_learned", step, START + timedelta(days=39)).startswith("The date")
    at = START + timedelta(days=41)
    assert refusal(state, "record_ground_learned", step, at) is None
    moved, _ = decide(state, step, at)
    closes = add_months(final, 2)
    assert (moved.ground_learned_at, moved.termination_window_closes_at) == (final, closes)
    window = sorted((c.kind, c.fires_at) for c in moved.clocks.values() if c.kind.value.startswith("termination"))
    assert window == [(ClockKind.TERMINATION_WINDOW_CLOSES, closes), (ClockKind.TERMINATION_WINDOW_WARNING, closes - timedelta(weeks=2))]
    earlier = step.model_copy(update={"learned_at": START + timedelta(days=5)})
    assert "only a later date" in refusal(moved, "record_ground_learned", earlier, at)


def test_an_approval_after_the_window_closed_is_refused_though_its_clock_has_not_run():
    state = _verify(_open(Severity.PARTICULARLY_SERIOUS), START)
    late = state.termination_window_closes_at + timedelta(minutes=1)
    reason = refusal(state, "approve_termination", ApproveTermination(actor=LAWYER, reason="holds"), late)
    assert reason is not None and "12 kap. 43 §" in reason
    after, commands = decide(state, ApproveTermination(actor=LAWYER, reason="holds"), late)
    assert after.stage is CaseStage.FOLLOW_UP, "the ladder applied the window's clock before the step"
    events = [c.record.kind for c in commands if isinstance(c, RecordEvent)]
    assert "termination_window_closed" in events and "termination_approved" not in events


def _warned(at: datetime = START) -> CaseState:
    state = _verify(_open(at=at), at)
    state, _ = decide(state, RecordContact(actor=COORDINATOR, reason="call", method="call"), at)
    state, _ = decide(state, RecordDialogue(actor=COORDINATOR, reason="no", resolved=False), at)
    state, _ = decide(state, IssueWarning(actor=COORDINATOR, reason="goes on"), at)
    return state


def test_warning_and_social_services_count_only_when_delivered_and_acknowledgement_clocks_only_then():
    state = _warned()
    assert state.warned_at is None and state.social_services_notified_at is None
    assert not [c for c in state.clocks.values() if c.kind is ClockKind.ACKNOWLEDGEMENT_DUE]
    notices = {n.kind: n.notice_id for n in state.notices}
    at = START + timedelta(hours=2)
    state, _ = decide(state, NoticeDelivered(notice_id=notices[NoticeKind.DISTURBANCE_NOTICE], delivered_to=("soc",)), at)
    assert state.social_services_notified_at == at and state.warned_at is None
    (ack_clock,) = [c for c in state.clocks.values() if c.kind is ClockKind.ACKNOWLEDGEMENT_DUE]
    assert ack_clock.ref == notices[NoticeKind.DISTURBANCE_NOTICE]


@pytest.mark.parametrize("outcome", ["no_partner", "refused"])
def test_a_legal_notice_nobody_takes_or_that_failed_is_delivered_by_hand_and_counts_then(outcome):
    state = _warned()
    warning = next(n for n in state.notices if n.kind is NoticeKind.WARNING_TO_TENANT)
    answer = NoticeUndelivered(notice_id=warning.notice_id, no_partner=outcome == "no_partner")
    state, _ = decide(state, answer, START + timedelta(minutes=5))
    (task,) = [t for t in state.tasks.values() if t.kind == TaskKind.DELIVER_BY_HAND]
    assert task.ref == warning.notice_id and state.warned_at is None
    by_hand = START + timedelta(days=1)
    state, _ = decide(state, CompleteTask(actor=COORDINATOR, reason="handed over", task_id=task.task_id), by_hand)
    given = state.notice(warning.notice_id)
    assert (given.delivered_at, given.delivered_by, state.warned_at) == (by_hand, "coord-1", by_hand)


def test_a_notice_the_law_does_not_require_opens_no_task_when_nobody_takes_it():
    state = _open()
    (rounds,) = [n for n in state.notices if n.kind is NoticeKind.EXTRA_ROUNDS]
    state, _ = decide(state, NoticeUndelivered(notice_id=rounds.notice_id, no_partner=True), START)
    assert not [t for t in state.tasks.values() if t.kind == TaskKind.DELIVER_BY_HAND]


def _in_review_after_failed_plan() -> tuple[CaseState, datetime]:
    """Dialogue without a warning, prevention, a failed plan: termination review."""
    at = START
    state = _verify(_open(), at)
    state, _ = decide(state, RecordContact(actor=COORDINATOR, reason="call", method="call"), at)
    state, _ = decide(state, RecordDialogue(actor=COORDINATOR, reason="no", resolved=False), at)
    state, _ = decide(state, EscalateToPrevention(actor=COORDINATOR, reason="support"), at)
    result = PreventionResult(case_id=state.case_id, outcome=PreventionOutcome.FAILED, at=at)
    state, _ = decide(state, PreventionFinished(result=result), at + timedelta(days=7))
    return state, at + timedelta(days=7)


def test_termination_seconds_after_a_first_warning_is_refused_and_says_what_is_missing():
    state, at = _in_review_after_failed_plan()
    assert state.stage is CaseStage.TERMINATION_REVIEW
    approve = ApproveTermination(actor=LAWYER, reason="holds")
    reason = refusal(state, "approve_termination", approve, at)
    assert "delivered to the tenant" in reason and "social services" in reason
    state, _ = decide(state, IssueWarning(actor=COORDINATOR, reason="now"), at)
    for notice in state.notices:
        state, _ = decide(state, NoticeDelivered(notice_id=notice.notice_id, delivered_to=("p",)), at)
    reason = refusal(state, "approve_termination", approve, at + timedelta(seconds=5))
    assert reason == (
        "Termination is not possible yet; it needs a verified disturbance that occurred after the warning was "
        "delivered (12 kap. 42 § första stycket 6: the disturbances must have gone on)."
    )


def test_senior_housing_owner_steps_are_the_senior_coordinators_and_an_assigned_coordinators():
    state = _open(housing=HousingForm.SENIOR_70)
    verify = VerifyReport(actor=COORDINATOR, reason="seen", report_id=state.reports[0].report_id, method="inspection")
    assert "senior_coordinator" in refusal(state, "verify_report", verify, START)
    assert "verify_report" not in allowed_steps(state, Role.COORDINATOR)
    lead = Actor(id="lead-1", role=Role.TEAM_LEAD)
    assigned, _ = decide(state, Assign(actor=lead, reason="Anna takes it", assignee="coord-1"), START)
    assert refusal(assigned, "verify_report", verify, START) is None
    other = verify.model_copy(update={"actor": Actor(id="coord-9", role=Role.COORDINATOR)})
    assert refusal(assigned, "verify_report", other, START) is not None


def test_a_case_with_a_verified_report_cannot_close_as_unfounded():
    state = _verify(_open(), START)
    close = CloseCase(actor=COORDINATOR, reason="nothing", outcome="unfounded")
    assert refusal(state, "close_case", close, START) == (
        "A case with a verified report cannot close as unfounded: the record shows a disturbance."
    )


def test_dates_in_the_past_are_refused_for_the_lease_end_and_the_first_meeting():
    state = _verify(_open(Severity.PARTICULARLY_SERIOUS), START)
    past = ApproveTermination(actor=LAWYER, reason="holds", termination_date=date(2025, 3, 2))
    assert "cannot lie in the past" in refusal(state, "approve_termination", past, START)
    dialogue, _ = decide(_verify(_open(), START), RecordContact(actor=COORDINATOR, reason="c", method="call"), START)
    meeting = EscalateToPrevention(actor=COORDINATOR, reason="s", meeting_at=START - timedelta(hours=1), meeting_place="x")
    assert "cannot lie in the past" in refusal(dialogue, "escalate_to_prevention", meeting, START)


def test_cases_opened_before_the_law_keep_their_ladder():
    report = DisturbanceReport(
        external_ref="a", source_kind=SourceKind.NEIGHBOUR, category=Category.NOISE, occurred_at=START,
        place="yard", tenancy=_tenancy(HousingForm.SENIOR_55),
    )  # fmt: skip
    state, _ = open_case(report, START, EscalationPolicy(), "T1.c", "case-T1", rules=1)
    verify = VerifyReport(actor=COORDINATOR, reason="seen", report_id=state.reports[0].report_id, method="inspection")
    assert refusal(state, "verify_report", verify, START) is None, "the old rules let any owner role act"
    state, _ = decide(state, verify, START)
    state, _ = decide(state, RecordContact(actor=COORDINATOR, reason="c", method="call"), START)
    state, _ = decide(state, RecordDialogue(actor=COORDINATOR, reason="n", resolved=False), START)
    state, _ = decide(state, IssueWarning(actor=COORDINATOR, reason="w"), START)
    assert state.social_services_notified_at == START, "counted from the request, as it was"
    assert [c for c in state.clocks.values() if c.kind is ClockKind.ACKNOWLEDGEMENT_DUE]
