"""The discrete-event run: the real ladder, fed as the workflows feed it.

SimPy keeps the time (whole microseconds since the run began, so a clock's `fires_at`
converts exactly) and the staff: one `simpy.Resource` per role, with the scenario's
headcount as its capacity, held for the hours a step costs. What a case does comes only
from `domain.ladder.open_case` / `decide` and `domain.prevention`: the engine opens a
case on its first report, feeds later reports, staff steps, partner answers and the
clocks the state asks for, one event at a time, in the order `workflows/case.py` does
(a notice's outcome arrives after the turn that asked for it; a due clock fires as
`ClockFired`; the prevention track wakes on `next_moment`). A staff step is first
judged by `domain.steps.refusal`, as the Update validator judges it.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Callable

import simpy

from domain.calendar import add_months
from domain.commands import CancelPrevention, Close, CloseTask, Notify, OpenTask, RecordEvent, StartPrevention, UpsertCase
from domain.events import (
    ClockFired,
    NoticeAcknowledged,
    NoticeDelivered,
    NoticeUndelivered,
    PreventionFinished,
    PreventionResult,
    ReportReceived,
)
from domain.ladder import decide, open_case
from domain.models import Actor, Role, SourceKind
from domain.policy import EscalationPolicy, TaskKind
from domain.prevention import (
    AgreeActionPlan,
    PreventionStage,
    PreventionState,
    RecordConsent,
    RecordReview,
    ReviewVerdict,
    next_moment,
    prevention_clock_fired,
    prevention_refusal,
    prevention_step,
    review_due,
    start_prevention,
    withdraw,
)
from domain.records import NoticeAcknowledgement
from domain.state import CaseState, Outcome, PreventionOutcome
from domain.steps import (
    ApproveTermination,
    ApproveWarning,
    CloseCase,
    CompleteTask,
    IssueWarning,
    Milestone,
    RecordContact,
    RecordDialogue,
    RecordFollowUp,
    RecordMilestone,
    RejectReport,
    StepInput,
    VerifyReport,
    refusal,
)
from runtime.calendar import with_swedish_calendar
from simulator.figures import STAFF_ROLES, Tally
from simulator.scenario import Scenario
from simulator.world import Disturbance, Stops, World, triangle

US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR
WEEK = 7 * DAY
WORK_START = time(7, 0, tzinfo=UTC)
WORK_HOURS = 8
LEGAL_STEPS = (
    Milestone.RENT_TRIBUNAL_APPLICATION,
    Milestone.RENT_TRIBUNAL_DECISION,
    Milestone.KRONOFOGDEN_APPLICATION,
    Milestone.EVICTION_CARRIED_OUT,
)
"""What the tenancy lawyer records, one per legal-process task, after a termination."""
DEFAULT_POLICY = EscalationPolicy()
"""The deadlines the scenario's pick-up delays were set against."""


@dataclass
class Task:
    task_id: str
    kind: str
    role: Role
    due_us: int
    run: "CaseRun"
    track: bool
    escalation: bool
    picked_us: int = 0


@dataclass
class CaseRun:
    """One simulated case: its state as the workflow would hold it, its prevention track,
    and (when asked) the inputs that reached it, for the conformance replay."""

    number: int
    d: Disturbance
    opened_us: int
    in_window: bool
    state: CaseState | None = None
    track: PreventionState | None = None
    clock_gen: int = 0
    track_gen: int = 0
    track_reported: bool = False
    inputs: list[tuple] | None = None
    notice_outcomes: dict[str, bool] = field(default_factory=dict)
    tally: dict[str, Counter] | None = None


class Engine:
    """One policy through one synthetic period."""

    def __init__(
        self,
        scenario: Scenario,
        rules: EscalationPolicy,
        *,
        homes: int,
        months: int,
        seed: int,
        begin: datetime,
        keep_inputs: bool = False,
    ) -> None:
        self.scenario = scenario
        self.homes = homes
        self.seed = seed
        self.begin = begin
        warm = add_months(begin, scenario.warmup_months.value)
        end = add_months(warm, months)
        self.policy = with_swedish_calendar(rules, begin.year, end.year + 3)
        self.calendar = self.policy.calendar()
        self.warm_us = self._us(warm)
        self.end_us = self._us(end)
        self.days = (end - warm).total_seconds() / 86400
        self.weeks = max(1, -(-(self.end_us - self.warm_us) // WEEK))
        self.keep_inputs = keep_inputs
        self.env = simpy.Environment()
        self.world = World(scenario, homes, seed)
        self.tally = Tally(self.weeks)
        self.headcount = {role: scenario.staff.headcount(role, homes) for role in STAFF_ROLES}
        # Short of hands, staff take the task nearest its deadline first.
        self.staff = {role: simpy.PriorityResource(self.env, capacity=n) for role, n in self.headcount.items()}
        self.actors = {role: Actor(id=f"{role}-1", role=role) for role in Role}
        self.open: dict[str, CaseRun] = {}
        self.tasks: dict[str, Task] = {}
        self.runs: list[CaseRun] = []
        self.cases_per_tenancy: Counter[str] = Counter()
        self.disturbances = 0
        self.cases = 0

    # -- time ----------------------------------------------------------------------
    def _us(self, moment: datetime) -> int:
        return (moment - self.begin) // timedelta(microseconds=1)

    def now(self) -> datetime:
        return self.begin + timedelta(microseconds=self.env.now)

    @property
    def measuring(self) -> bool:
        return self.env.now >= self.warm_us

    def later(self, delay_us: int, action: Callable[[], None]) -> None:
        event = self.env.timeout(max(0, int(delay_us)))
        event.callbacks.append(lambda _: action())

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.later(self._us(moment) - self.env.now, action)

    # -- the run ---------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        self._next_arrival()
        self.later(self.warm_us, self._snapshot)
        self.env.run(until=self.end_us)
        for run in list(self.open.values()):
            if run.in_window and run.state is not None:
                self.tally.case_ended(None, run.state.stage, run.state.has_verified_report(), 0.0)
        figures = self.tally.figures(
            self.headcount, self.scenario.staff.case_hours_per_person_per_week.value, self.homes, self.days
        )
        return figures

    def _snapshot(self) -> None:
        """Weekly: open and overdue tasks, open cases per stage."""
        if self.env.now >= self.end_us:
            return
        open_tasks = [t for t in self.tasks.values() if not t.escalation]
        self.tally.open_tasks.append(len(open_tasks))
        self.tally.overdue_tasks.append(sum(1 for t in open_tasks if t.due_us < self.env.now))
        stages = Counter(str(r.state.stage) for r in self.open.values() if r.state is not None)
        for stage, counts in self.tally.stages.items():
            counts.append(stages.get(stage, 0))
        self.later(WEEK, self._snapshot)

    # -- reports -----------------------------------------------------------------------
    def _next_arrival(self) -> None:
        self.later(round(self.world.next_gap_hours() * HOUR), self._arrive)

    def _arrive(self) -> None:
        self._next_arrival()
        home = self.world.home()
        # Drawn on arrival, joined or not, so a policy that keeps a case open longer does not
        # renumber (and so redraw) every disturbance after it.
        self.disturbances += 1
        d = self.world.disturbance(self.disturbances, home)
        if self.measuring:  # the world's own figures: the same under every policy
            self.tally.arrivals += 1
            self.tally.first_report_categories[str(d.category)] += 1
            self.tally.first_reports_founded += d.founded
        open_case = self.open.get(d.tenancy.tenancy_id)
        if open_case is not None:  # a new disturbance in a home with an open case joins it
            self._report(open_case.d, chain=False)
            return
        if self.measuring:
            self.tally.new_disturbances += 1
        self._report(d)

    def _report(self, d: Disturbance, chain: bool = True) -> None:
        """The disturbance's next report; `chain`: the next repeat is drawn too (a report of
        a new disturbance joining an open case leaves that case's own repeats as they are)."""
        report = self.world.report(d, self.now())
        if self.measuring:
            self.tally.reports_by_source[str(report.source_kind)] += 1
            if report.source_kind is SourceKind.SECURITY_COMPANY:
                self.tally.night_patrol_reports += 1
        run = self.open.get(d.tenancy.tenancy_id)
        if run is None:
            self._open_case(d, report)
        else:
            self._input(run, "report", report)
            self._apply(run, ReportReceived(report=report))
        if chain and d.founded and not d.stopped:
            self.later(round(self.world.repeat_gap_days(d) * DAY), lambda: self._repeat(d))

    def _repeat(self, d: Disturbance) -> None:
        if d.stopped or d.ended:
            return
        self._report(d)

    def _open_case(self, d: Disturbance, report) -> None:
        self.cases += 1
        run = CaseRun(self.cases, d, self.env.now, self.measuring)
        if self.keep_inputs:
            run.inputs = []
            run.tally = {"events": Counter(), "tasks": Counter(), "notices": Counter()}
            self.runs.append(run)
        self.open[d.tenancy.tenancy_id] = run
        self.cases_per_tenancy[d.tenancy.tenancy_id] += 1
        if self.measuring:
            self.tally.cases_opened += 1
        self._input(run, "report", report)
        case_id = f"{d.tenancy.tenancy_id}.sim{self.cases}"
        state, commands = open_case(report, self.now(), self.policy, case_id, f"case-{d.tenancy.tenancy_id}")
        self._commit(run, state, commands)

    def _input(self, run: CaseRun, kind: str, *payload: Any) -> None:
        if run.inputs is not None:
            run.inputs.append((self.env.now, kind, *payload))

    # -- the case ------------------------------------------------------------------------
    def _apply(self, run: CaseRun, event: Any) -> None:
        if run.state.is_closed:
            return
        state, commands = decide(run.state, event, self.now())
        self._commit(run, state, commands)

    def _commit(self, run: CaseRun, state: CaseState, commands: list) -> None:
        run.state = state
        for command in commands:
            self._carry_out(run, command)
        if state.is_closed:
            self._closed(run)
            return
        clock = state.next_clock()
        if clock is not None:
            run.clock_gen += 1
            gen = run.clock_gen
            self.at(clock.fires_at, lambda: self._clock(run, gen))

    def _clock(self, run: CaseRun, gen: int) -> None:
        """The workflow's main loop waking on its earliest clock: every clock due fires."""
        if gen != run.clock_gen or run.state.is_closed:
            return
        clock = run.state.next_clock()
        if clock is not None and clock.fires_at <= self.now():
            self._apply(run, ClockFired(clock_id=clock.clock_id))

    def _carry_out(self, run: CaseRun, command: Any, track: bool = False) -> None:
        match command:
            case RecordEvent(record=record):
                if run.tally is not None:
                    run.tally["events"][record.kind] += 1
                if self.measuring:
                    self.tally.event(record.kind, record.data)
                self._story(run, record.kind, record.data)
            case OpenTask(record=record):
                if run.tally is not None:
                    run.tally["tasks"][record.kind] += 1
                self._task_opened(run, record, track)
            case CloseTask(record=record):
                self.tasks.pop(record.task_id, None)
            case Notify(request=request):
                if run.tally is not None:
                    run.tally["notices"][str(request.kind)] += 1
                if self.measuring:
                    self.tally.notice(request.kind)
                self._partner_answers(run, request)
            case StartPrevention(input=child):
                self.later(0, lambda: self._track_commit(run, *start_prevention(child, self.now())))
            case CancelPrevention():
                if run.track is not None and run.track.stage is not PreventionStage.FINISHED:
                    self._track_commit(run, *withdraw(run.track, self.now()))
            case UpsertCase() | Close():
                pass

    def _story(self, run: CaseRun, kind: str, data: dict[str, Any]) -> None:
        """What the tenant does when the ladder reaches the rung they stop at."""
        d = run.d
        if kind == "warning_issued" and d.stops is Stops.WARNING:
            d.stopped = True
        elif kind == "action_plan_agreed" and d.stops is Stops.ACTION_PLAN:
            d.stopped = True
        elif kind == "tenant_contacted" and self.measuring:
            opened = run.state.opened_at.date() if run.state else self.now().date()
            self.tally.working_days_to_first_contact.append(self.calendar.working_days_between(opened, self.now().date()))

    def _closed(self, run: CaseRun) -> None:
        state = run.state
        if self.open.get(state.tenancy.tenancy_id) is run:
            del self.open[state.tenancy.tenancy_id]
        for task_id in [t for t, task in self.tasks.items() if task.run is run]:
            del self.tasks[task_id]
        if state.outcome in (Outcome.TERMINATED, Outcome.TENANT_MOVED_OUT):
            run.d.ended = True
        if run.in_window:
            days = (self.env.now - run.opened_us) / DAY
            self.tally.case_ended(state.outcome, state.stage, state.has_verified_report(), days)

    # -- the prevention track -------------------------------------------------------------
    def _track_commit(self, run: CaseRun, state: PreventionState, commands: list) -> None:
        run.track = state
        for command in commands:
            self._carry_out(run, command, track=True)
        if state.stage is PreventionStage.FINISHED:
            if state.outcome is not PreventionOutcome.WITHDRAWN and not run.track_reported:
                run.track_reported = True
                result = PreventionResult(case_id=state.input.case_id, outcome=state.outcome, at=self.now())
                self.later(0, lambda: self._apply(run, PreventionFinished(result=result)))
            return
        wake_at, clock = next_moment(state, task_clocks=True)
        if wake_at is None:
            return
        run.track_gen += 1
        gen, review_at = run.track_gen, state.next_review_at
        self.at(wake_at, lambda: self._track_wake(run, gen, clock, review_at))

    def _track_wake(self, run: CaseRun, gen: int, clock, review_at) -> None:
        """PreventionWorkflow._wait_for_review_or_step's wake-up, as it decides it."""
        track = run.track
        if gen != run.track_gen or track.stage is PreventionStage.FINISHED:
            return
        if clock is not None:
            if clock.clock_id in track.clocks:
                self._track_commit(run, *prevention_clock_fired(track, clock.clock_id, self.now()))
        elif track.next_review_at == review_at:
            self._track_commit(run, *review_due(track, self.now()))

    # -- partners ---------------------------------------------------------------------------
    def _draw(self, d: Disturbance, notice_suffix: str, what: str) -> float:
        """A uniform draw in [0, 1) fixed by the seed, the disturbance and the notice: the same
        notice gets the same answer under every policy, and nothing is kept per disturbance."""
        key = f"{self.seed}:{d.number}:{notice_suffix}:{what}".encode()
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64

    def _partner_answers(self, run: CaseRun, request) -> None:
        """As the stand-in channel answers: delivered to `partner-<kind>`, or refused for good;
        a partner that acknowledges signals it some working days later."""
        p = self.scenario.partners
        suffix = request.notice_id.rsplit(":", 1)[1]
        delivered = self._draw(run.d, suffix, "delivered") < p.delivered_share.value
        run.notice_outcomes[suffix] = delivered
        if not delivered:
            event = NoticeUndelivered(notice_id=request.notice_id, detail="delivery failed: PermanentDeliveryError")
            self.later(0, lambda: self._apply(run, event))
            return
        partner = f"partner-{request.kind}"
        self.later(0, lambda: self._apply(run, NoticeDelivered(notice_id=request.notice_id, delivered_to=(partner,))))
        if request.kind in self.policy.acknowledgement_days and self._draw(run.d, suffix, "ack") < p.acknowledged_share.value:
            spread = p.acknowledgement_working_days.value
            u = self._draw(run.d, suffix, "ack_days")
            days = spread.low + (spread.high - spread.low) * u  # uniform over the spread: no state to keep
            moment = self._working_moment(self._after_working_days(days), None)

            def acknowledge() -> None:
                ack = NoticeAcknowledgement(notice_id=request.notice_id, partner_id=partner, at=self.now())
                if not run.state.is_closed:
                    self._input(run, "ack", ack)
                self._apply(run, NoticeAcknowledged(acknowledgement=ack))

            self.at(moment, acknowledge)

    # -- staff -------------------------------------------------------------------------------
    def _after_working_days(self, days: float) -> datetime:
        now = self.now()
        whole = int(days)
        if whole == 0:
            return now + timedelta(hours=(days - whole) * WORK_HOURS)
        day = self.calendar.add_working_days(now.date(), whole)
        return datetime.combine(day, WORK_START) + timedelta(hours=(days - whole) * WORK_HOURS)

    def _working_moment(self, moment: datetime, rng: random.Random | None) -> datetime:
        """Staff act in office hours (07-15 UTC on working days): a moment outside them
        moves to the next morning (within its first two hours, drawn from `rng` if given)."""
        if self.calendar.is_working_day(moment.date()) and WORK_START.hour <= moment.hour < WORK_START.hour + WORK_HOURS:
            return moment
        day = moment.date()
        if moment.hour >= WORK_START.hour or not self.calendar.is_working_day(day):
            day = self.calendar.add_working_days(day, 1)
        return datetime.combine(day, WORK_START) + timedelta(minutes=rng.randrange(0, 120) if rng else 37)

    def _task_opened(self, run: CaseRun, record, track: bool) -> None:
        escalation = record.escalated
        task = Task(record.task_id, record.kind, record.role, self._us(record.due_at), run, track, escalation)
        self.tasks[record.task_id] = task
        if record.kind == TaskKind.FIRST_CONTACT and self.measuring:
            self.tally.first_contact_tasks += 1
        if escalation:
            self._hours(Role.TEAM_LEAD, self.scenario.staff.escalation_hours.value)
            return
        spread = self.scenario.staff.pickup_working_days.value.get(record.kind)
        if spread is None:
            return  # nobody acts on this kind in the scenario (it closes with its stage)
        days = triangle(run.d.rng, spread) * self._deadline_scale(record.kind)
        pickup = self._working_moment(self._after_working_days(days), run.d.rng)
        self.at(pickup, lambda: self._pick_up(task))

    def _deadline_scale(self, kind: str) -> float:
        """How much later than the scenario's pick-up staff turn to a task whose deadline the
        policy lengthened (earlier for one it shortened), by `pickup_follows_deadline`."""
        follows = self.scenario.staff.pickup_follows_deadline.value
        if not follows:
            return 1.0
        if kind == TaskKind.FIRST_CONTACT:
            ratio = self.policy.first_contact_working_days / DEFAULT_POLICY.first_contact_working_days
        else:
            ratio = self.policy.task_days(kind) / DEFAULT_POLICY.task_days(kind)
        return max(0.0, 1 + follows * (ratio - 1))

    def _pick_up(self, task: Task) -> None:
        if task.task_id not in self.tasks:
            return
        resource = self.staff.get(task.role)
        if resource is None:
            self._act(task)
            return
        task.picked_us = self.env.now
        request = resource.request(priority=task.due_us)
        request.callbacks.append(lambda _: self._work(task, resource, request))

    def _work(self, task: Task, resource: simpy.PriorityResource, request) -> None:
        if task.task_id not in self.tasks:
            resource.release(request)
            return
        hours = self.scenario.staff.step_hours.value.get(task.kind, 0.5)
        elapsed = hours * 168 / self.scenario.staff.case_hours_per_person_per_week.value

        waited = self.env.now - task.picked_us

        def done() -> None:
            resource.release(request)
            self._hours(task.role, hours)
            if self.measuring and self.env.now > task.due_us >= self.env.now - waited:
                self.tally.late_for_staff[task.kind] += 1  # on time, had nobody been busy
            self.at(self._working_moment(self.now(), task.run.d.rng), lambda: self._act(task))

        self.later(round(elapsed * HOUR), done)

    def _hours(self, role: Role, hours: float) -> None:
        if self.measuring and role in self.tally.hours:
            week = min(self.weeks - 1, (self.env.now - self.warm_us) // WEEK)
            self.tally.hours[role][week] += hours

    def _act(self, task: Task) -> None:
        """The step a person takes on this task, as the scenario says tenants behave."""
        if task.task_id not in self.tasks:
            return
        run, d = task.run, task.run.d
        if task.track:
            self._act_on_track(task)
            return
        state = run.state
        actor = self.actors[task.role]
        reason = "simulated"
        match task.kind:
            case TaskKind.VERIFY_REPORT:
                entry = state.report(self._task_ref(state, task))
                if entry is None:
                    return
                if d.verdicts.get(entry.external_ref, False):
                    method = "security_company_on_site" if entry.source_kind is SourceKind.SECURITY_COMPANY else "own_observation"
                    self._take(run, "verify_report", VerifyReport(actor=actor, reason=reason, report_id=entry.report_id, method=method))
                else:
                    self._take(run, "reject_report", RejectReport(actor=actor, reason=reason, report_id=entry.report_id))
            case TaskKind.FIRST_CONTACT:
                self._take(run, "record_contact", RecordContact(actor=actor, reason=reason, method="visit"))
            case TaskKind.DIALOGUE:
                if d.stops is Stops.DIALOGUE:
                    d.stopped = True
                    self._take(run, "record_dialogue", RecordDialogue(actor=actor, reason=reason, resolved=True))
                else:
                    self._take(run, "record_dialogue", RecordDialogue(actor=actor, reason=reason, resolved=False))
                    self._take(run, "issue_warning", IssueWarning(actor=actor, reason=reason))
            case TaskKind.FOLLOW_UP:
                self._take(run, "record_follow_up", RecordFollowUp(actor=actor, reason=reason, calm=d.stopped))
            case TaskKind.APPROVE_WARNING:
                self._take(run, "approve_warning", ApproveWarning(actor=actor, reason=reason, approved=True))
            case TaskKind.APPROVE_TERMINATION | TaskKind.TERMINATION_WINDOW_CLOSING:
                if not any(t.kind == TaskKind.APPROVE_TERMINATION for t in state.tasks.values()):
                    return
                approved = d.rng.random() < self.scenario.behaviour.termination_approved.value
                if not (approved and self._take(run, "approve_termination", ApproveTermination(actor=actor, reason=reason))):
                    self._take(run, "approve_termination", ApproveTermination(actor=actor, reason=reason, approved=False))
            case TaskKind.LEGAL_PROCESS:
                self._legal_step(run, actor)
            case TaskKind.FIRE_HAZARD | TaskKind.DELIVER_BY_HAND | TaskKind.CHASE_ACKNOWLEDGEMENT:
                self._take(run, "complete_task", CompleteTask(actor=actor, reason=reason, task_id=task.task_id))

    @staticmethod
    def _task_ref(state: CaseState, task: Task) -> str:
        open_task = state.tasks.get(task.task_id)
        return open_task.ref if open_task is not None and open_task.ref else ""

    def _legal_step(self, run: CaseRun, actor: Actor) -> None:
        d, state = run.d, run.state
        if d.rng.random() < self.scenario.behaviour.moves_out_per_legal_step.value:
            self._take(run, "close_case", CloseCase(actor=actor, reason="simulated", outcome=Outcome.TENANT_MOVED_OUT))
            return
        milestone = LEGAL_STEPS[min(len(state.milestones), len(LEGAL_STEPS) - 1)]
        self._take(run, "record_milestone", RecordMilestone(actor=actor, reason="simulated", milestone=milestone))
        if milestone is Milestone.EVICTION_CARRIED_OUT:
            self._take(run, "close_case", CloseCase(actor=actor, reason="simulated", outcome=Outcome.TERMINATED))

    def _take(self, run: CaseRun, name: str, step: StepInput) -> bool:
        """A staff step, judged as the Update validator judges it, then decided."""
        if run.state.is_closed or refusal(run.state, name, step, self.now()) is not None:
            self.tally.refused_steps[name] += 1
            return False
        if isinstance(step, CompleteTask):
            # Side tasks opened by notices' outcomes take their ids in the order the outcomes
            # arrive, which the workflow does not fix: the replay finds the task by what it is
            # about (two chases of one moment differ only there), else by kind and due.
            task = run.state.tasks[step.task_id]
            self._input(run, "step", name, step, (task.kind, task.due_at, task.ref))
        else:
            self._input(run, "step", name, step)
        self._apply(run, step)
        return True

    def _act_on_track(self, task: Task) -> None:
        run, d = task.run, task.run.d
        track = run.track
        if track is None or track.stage is PreventionStage.FINISHED:
            return
        actor = self.actors[Role.PREVENTION_TEAM]
        if task.kind == TaskKind.AGREE_ACTION_PLAN:
            if track.consent_given is None:
                given = d.rng.random() < self.scenario.behaviour.consent_given.value
                self._take_on_track(run, "record_consent", RecordConsent(actor=actor, reason="simulated", given=given))
            self._take_on_track(run, "agree_action_plan",
                                AgreeActionPlan(actor=actor, reason="simulated", measures=("quiet_hours", "social_services_contact")))  # fmt: skip
        elif task.kind == TaskKind.REVIEW_ACTION_PLAN:
            if d.stopped:
                d.reviews_calm += 1
                done = d.reviews_calm >= self.scenario.behaviour.reviews_to_fulfil_plan.value
                verdict = ReviewVerdict.FULFILLED if done else ReviewVerdict.ON_TRACK
            else:
                verdict = ReviewVerdict.FAILED
            self._take_on_track(run, "record_review", RecordReview(actor=actor, reason="simulated", verdict=verdict))

    def _take_on_track(self, run: CaseRun, name: str, step: StepInput) -> None:
        if run.track is None or prevention_refusal(run.track, name, step) is not None:
            self.tally.refused_steps[name] += 1
            return
        self._input(run, "pstep", name, step)
        self._track_commit(run, *prevention_step(run.track, step, self.now()))
