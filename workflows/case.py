"""DisturbanceCaseWorkflow: the durable shell around the ladder in domain/.

One workflow per tenancy at a time, id `case-{tenancy_id}` (`case_workflow_id`).
Reports arrive by signal-with-start on the signal `report`; start it with:

    await client.start_workflow(
        DisturbanceCaseWorkflow.run, CaseInput(policy=policy),
        id=case_workflow_id(report.tenancy.tenancy_id), task_queue=queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        start_signal="report", start_signal_args=[report],
    )

The first report opens the case, later ones join it, a repeated `external_ref` is a
no-op. After the case closes the run ends, so the next signal-with-start starts a new
run: a new case with a new `case_id`.

Everything the case decides comes from `domain.ladder.decide`; this module feeds it
events (signals, Updates, clocks, partner answers) one at a time under a lock and
carries out the commands it returns. Clocks live in the state: the main loop sleeps
until the earliest one, so one durable timer runs at a time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.commands import CancelPrevention, Notify, StartPrevention
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
    from domain.ladder import decide, open_case
    from domain.models import DisturbanceReport, Role
    from domain.policy import EscalationPolicy
    from domain.records import ActivityName, NoticeAcknowledgement, NoticeOutcome, NoticeRequest
    from domain.state import CURRENT_RULES, RULES_BEFORE_LAW, CaseState
    from domain.steps import (
        AddNote,
        ApproveTermination,
        ApproveWarning,
        Assign,
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
        StepInput,
        VerifyReport,
        refusal,
    )
    from domain.inputs import CaseInput
    from domain.view import CaseView, view_of
    from workflows import search_attributes as sa
    from workflows.activities import NOTICE_TIMEOUT, carry_out, notice_retry
    from workflows.prevention import PreventionWorkflow

REPORT_SIGNAL = "report"

LAW_RULES = "law-rules"
"""Patch id: a case opened under it runs by the law's rules (CaseState.rules 2: notices
count when delivered, termination preconditions, the 43 § window from learning of the
ground, steps judged at their moment). Asked once, when the case opens; the rules then
travel in the state through continue-as-new, so a case opened before keeps its ladder."""


def case_workflow_id(tenancy_id: str) -> str:
    """The one workflow id a tenancy's case runs under (one open case per tenancy)."""
    return f"case-{tenancy_id}"


@workflow.defn
class DisturbanceCaseWorkflow:
    @workflow.init
    def __init__(self, input: CaseInput) -> None:
        self._input = input
        self._state: CaseState | None = input.state
        self._reports: list[DisturbanceReport] = list(input.pending_reports)
        self._events: list[Any] = [
            *(NoticeAcknowledged(acknowledgement=a) for a in input.pending_acknowledgements),
            *(PreventionFinished(result=r) for r in input.pending_prevention_results),
            *input.pending_undelivered,
            *input.pending_delivered,
        ]
        self._lock = asyncio.Lock()
        self._notices_in_flight = 0
        self._notice_tasks: set[asyncio.Task] = set()
        self._commits = 0
        self._search_attributes: tuple | None = None

    # -- the main loop -------------------------------------------------------------------
    @workflow.run
    async def run(self, input: CaseInput) -> CaseView:
        while True:
            await self._wait_for_work()
            async with self._lock:
                await self._drain()
            if self._state is not None and self._state.is_closed:
                break
            if self._should_continue_as_new():
                await self._until_quiet()
                workflow.continue_as_new(self._continue_input(self._state))
        await self._until_quiet()
        fresh = [r for r in self._reports if r.external_ref not in self._state.external_refs()]
        if fresh:
            # Reports that came in while the case was closing open the next case.
            workflow.continue_as_new(
                CaseInput(policy=input.policy, pending_reports=fresh, search_attributes=input.search_attributes)
            )
        return view_of(self._state)

    async def _wait_for_work(self) -> None:
        if self._state is None:
            await workflow.wait_condition(lambda: bool(self._reports))
            return
        clock = self._state.next_clock()
        seen = self._commits

        def has_work() -> bool:
            # A step taken by an Update may have closed the case or set an earlier clock.
            return bool(self._reports or self._events) or self._commits != seen or self._closed()

        if clock is None:
            await workflow.wait_condition(has_work)
            return
        delay = (clock.fires_at - workflow.now()).total_seconds()
        if delay <= 0 or has_work():
            return
        try:
            await workflow.wait_condition(has_work, timeout=timedelta(seconds=delay))
        except TimeoutError:
            pass

    async def _drain(self) -> None:
        """Process everything pending: reports first (a report never waits behind a clock),
        then partner answers, then every clock that is due."""
        while self._reports and not self._closed():
            report = self._reports.pop(0)
            if self._state is None:
                case_id = f"{report.tenancy.tenancy_id}.{workflow.uuid4().hex[:12]}"
                state, commands = open_case(
                    report, workflow.now(), self._input.policy, case_id, workflow.info().workflow_id, self._rules()
                )
                await self._commit(state, commands)
            else:
                await self._apply(ReportReceived(report=report))
        while self._events and not self._closed():
            await self._apply(self._events.pop(0))
        while not self._closed():
            clock = self._state.next_clock() if self._state else None
            if clock is None or clock.fires_at > workflow.now():
                break
            await self._apply(ClockFired(clock_id=clock.clock_id))

    def _rules(self) -> int:
        """The rules a case opened now runs by, for its whole life (LAW_RULES)."""
        return CURRENT_RULES if workflow.patched(LAW_RULES) else RULES_BEFORE_LAW

    def _closed(self) -> bool:
        return self._state is not None and self._state.is_closed

    def _quiet(self) -> bool:
        return workflow.all_handlers_finished() and self._notices_in_flight == 0

    async def _until_quiet(self) -> None:
        """Quiet, and still quiet once every task of this activation had its turn: an Update
        that arrives in the activation that would continue-as-new registers as in progress
        only when its task runs, and a continue-as-new issued before it precedes its
        acceptance, which the server refuses ("ContinueAsNew must be the last command").
        A delivered notice waking the loop made that race common; asyncio.sleep(0) yields
        without a timer, so it adds no command."""
        while True:
            await workflow.wait_condition(self._quiet)
            await asyncio.sleep(0)
            if self._quiet():
                return

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._input.max_history_events_before_continue
        return info.is_continue_as_new_suggested() or (limit is not None and info.get_current_history_length() >= limit)

    def _continue_input(self, state: CaseState) -> CaseInput:
        return CaseInput(
            policy=state.policy,
            state=state,
            pending_reports=list(self._reports),
            pending_acknowledgements=[e.acknowledgement for e in self._events if isinstance(e, NoticeAcknowledged)],
            pending_prevention_results=[e.result for e in self._events if isinstance(e, PreventionFinished)],
            pending_undelivered=[e for e in self._events if isinstance(e, NoticeUndelivered)],
            pending_delivered=[e for e in self._events if isinstance(e, NoticeDelivered)],
            search_attributes=self._input.search_attributes,
            max_history_events_before_continue=self._input.max_history_events_before_continue,
        )

    # -- carrying out the ladder's commands ------------------------------------------------
    async def _apply(self, event: Any) -> None:
        state, commands = decide(self._state, event, workflow.now())
        await self._commit(state, commands)

    async def _commit(self, state: CaseState, commands: list) -> None:
        self._state = state
        self._commits += 1
        await carry_out(commands, state.case_id, lambda command: self._carry_out_other(command, state))
        self._upsert_search_attributes()

    async def _carry_out_other(self, command: Any, state: CaseState) -> None:
        """A command that is not a register write: a notice (in the background) or the
        prevention track."""
        match command:
            case Notify(request=request):
                self._notices_in_flight += 1
                task = asyncio.create_task(self._send_notice(request, state.policy, state.law))
                self._notice_tasks.add(task)
                task.add_done_callback(self._notice_tasks.discard)
            case StartPrevention(input=child_input):
                await workflow.start_child_workflow(
                    PreventionWorkflow.run,
                    child_input,
                    id=child_input.workflow_id,
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                )
            case CancelPrevention(workflow_id=child_id):
                try:
                    await workflow.get_external_workflow_handle(child_id).cancel()
                except Exception:  # the track may have ended already
                    workflow.logger.info("prevention track already gone", extra={"workflow": child_id})

    async def _send_notice(self, request: NoticeRequest, policy: EscalationPolicy, law: bool) -> None:
        """Deliver one notice without holding up the case. A partner outage or a permanent
        refusal becomes a `deliver_by_hand` task, never a failed or stalled case. Under the
        law's rules (`law`) the ladder hears every outcome, delivered or not (no partner takes
        it included), since a legal notice counts only once delivered; a case opened before
        hears only of failures, as it always did, so its history does not change."""
        try:
            outcome = await workflow.execute_activity(
                ActivityName.SEND_NOTICE,
                request,
                result_type=NoticeOutcome,
                start_to_close_timeout=NOTICE_TIMEOUT,
                retry_policy=notice_retry(policy),
            )
            if law:
                self._events.append(notice_outcome_event(outcome))
            elif outcome.failed_permanently:
                detail = "failed permanently for " + ", ".join(outcome.failed_permanently)
                self._events.append(NoticeUndelivered(notice_id=request.notice_id, detail=detail))
        except ActivityError as err:
            cause = getattr(err.cause, "type", None) or type(err.cause).__name__
            self._events.append(NoticeUndelivered(notice_id=request.notice_id, detail=f"delivery failed: {cause}"))
        finally:
            self._notices_in_flight -= 1

    def _upsert_search_attributes(self) -> None:
        s = self._state
        if s is None or not self._input.search_attributes:
            return
        view = view_of(s)
        values = (str(s.stage), s.tenancy.area, str(s.category), view.next_due, view.overdue, view.escalated)
        if values == self._search_attributes:
            return
        self._search_attributes = values
        updates = [
            sa.CASE_STAGE.value_set(values[0]),
            sa.CASE_AREA.value_set(values[1]),
            sa.CASE_CATEGORY.value_set(values[2]),
            sa.NEXT_DUE.value_set(view.next_due) if view.next_due else sa.NEXT_DUE.value_unset(),
            sa.OVERDUE.value_set(view.overdue),
            sa.ESCALATED.value_set(view.escalated),
        ]
        workflow.upsert_search_attributes(updates)

    # -- messages from outside ----------------------------------------------------------------
    @workflow.signal(name=REPORT_SIGNAL)
    def report(self, report: DisturbanceReport) -> None:
        """A störningsanmälan for this tenancy (signal-with-start opens the case)."""
        self._reports.append(report)

    @workflow.signal(name="acknowledge_notice")
    def acknowledge_notice(self, acknowledgement: NoticeAcknowledgement) -> None:
        """A partner confirmed receipt; cancels the reminder for that notice."""
        self._events.append(NoticeAcknowledged(acknowledgement=acknowledgement))

    @workflow.signal(name="prevention_finished")
    def prevention_finished(self, result: PreventionResult) -> None:
        """The prevention child workflow reports its outcome."""
        self._events.append(PreventionFinished(result=result))

    @workflow.query(name="view")
    def view(self, role: Role | None = None) -> CaseView:
        """The case as staff see it; with a role, `allowed_steps` is what that role may do next."""
        if self._state is None:
            raise ApplicationError("No case is open yet: the first report is still being recorded.")
        return view_of(self._state, role)

    # -- staff steps: Updates with synchronous validators -------------------------------------
    def _validate(self, name: str, step: StepInput) -> None:
        """Judged at this moment, every due clock applied (domain.steps.refusal), in the
        validator and again in the handler."""
        reason = refusal(self._state, name, step, workflow.now())
        if reason is not None:
            raise ApplicationError(reason, type="StepRefused", non_retryable=True)

    async def _take(self, name: str, step: StepInput) -> CaseView:
        async with self._lock:
            # Checked again: another step may have moved the case while this one waited.
            self._validate(name, step)
            await self._apply(step)
            return view_of(self._state, step.actor.role)

    @workflow.update(name="verify_report")
    async def verify_report(self, step: VerifyReport) -> CaseView:
        return await self._take("verify_report", step)

    @verify_report.validator
    def _check_verify_report(self, step: VerifyReport) -> None:
        self._validate("verify_report", step)

    @workflow.update(name="reject_report")
    async def reject_report(self, step: RejectReport) -> CaseView:
        return await self._take("reject_report", step)

    @reject_report.validator
    def _check_reject_report(self, step: RejectReport) -> None:
        self._validate("reject_report", step)

    @workflow.update(name="assign")
    async def assign(self, step: Assign) -> CaseView:
        return await self._take("assign", step)

    @assign.validator
    def _check_assign(self, step: Assign) -> None:
        self._validate("assign", step)

    @workflow.update(name="record_contact")
    async def record_contact(self, step: RecordContact) -> CaseView:
        return await self._take("record_contact", step)

    @record_contact.validator
    def _check_record_contact(self, step: RecordContact) -> None:
        self._validate("record_contact", step)

    @workflow.update(name="record_dialogue")
    async def record_dialogue(self, step: RecordDialogue) -> CaseView:
        return await self._take("record_dialogue", step)

    @record_dialogue.validator
    def _check_record_dialogue(self, step: RecordDialogue) -> None:
        self._validate("record_dialogue", step)

    @workflow.update(name="issue_warning")
    async def issue_warning(self, step: IssueWarning) -> CaseView:
        return await self._take("issue_warning", step)

    @issue_warning.validator
    def _check_issue_warning(self, step: IssueWarning) -> None:
        self._validate("issue_warning", step)

    @workflow.update(name="approve_warning")
    async def approve_warning(self, step: ApproveWarning) -> CaseView:
        return await self._take("approve_warning", step)

    @approve_warning.validator
    def _check_approve_warning(self, step: ApproveWarning) -> None:
        self._validate("approve_warning", step)

    @workflow.update(name="record_follow_up")
    async def record_follow_up(self, step: RecordFollowUp) -> CaseView:
        return await self._take("record_follow_up", step)

    @record_follow_up.validator
    def _check_record_follow_up(self, step: RecordFollowUp) -> None:
        self._validate("record_follow_up", step)

    @workflow.update(name="escalate_to_prevention")
    async def escalate_to_prevention(self, step: EscalateToPrevention) -> CaseView:
        return await self._take("escalate_to_prevention", step)

    @escalate_to_prevention.validator
    def _check_escalate_to_prevention(self, step: EscalateToPrevention) -> None:
        self._validate("escalate_to_prevention", step)

    @workflow.update(name="approve_termination")
    async def approve_termination(self, step: ApproveTermination) -> CaseView:
        return await self._take("approve_termination", step)

    @approve_termination.validator
    def _check_approve_termination(self, step: ApproveTermination) -> None:
        self._validate("approve_termination", step)

    @workflow.update(name="record_ground_learned")
    async def record_ground_learned(self, step: RecordGroundLearned) -> CaseView:
        return await self._take("record_ground_learned", step)

    @record_ground_learned.validator
    def _check_record_ground_learned(self, step: RecordGroundLearned) -> None:
        self._validate("record_ground_learned", step)

    @workflow.update(name="record_milestone")
    async def record_milestone(self, step: RecordMilestone) -> CaseView:
        return await self._take("record_milestone", step)

    @record_milestone.validator
    def _check_record_milestone(self, step: RecordMilestone) -> None:
        self._validate("record_milestone", step)

    @workflow.update(name="close_case")
    async def close_case(self, step: CloseCase) -> CaseView:
        return await self._take("close_case", step)

    @close_case.validator
    def _check_close_case(self, step: CloseCase) -> None:
        self._validate("close_case", step)

    @workflow.update(name="add_note")
    async def add_note(self, step: AddNote) -> CaseView:
        return await self._take("add_note", step)

    @add_note.validator
    def _check_add_note(self, step: AddNote) -> None:
        self._validate("add_note", step)

    @workflow.update(name="complete_task")
    async def complete_task(self, step: CompleteTask) -> CaseView:
        return await self._take("complete_task", step)

    @complete_task.validator
    def _check_complete_task(self, step: CompleteTask) -> None:
        self._validate("complete_task", step)
