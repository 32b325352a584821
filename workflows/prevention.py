"""PreventionWorkflow: the eviction-prevention track as a child of the case.

Its id is `prevention-{case_id}`. Staff steps of the track are Updates on THIS
workflow (record_consent, agree_action_plan, record_review; models in
domain.prevention.PREVENTION_STEP_MODELS), so the plan's own history, reviews and
review clock live here and the case's history stays short. When the track ends it
signals `prevention_finished` to the case (by workflow id, so it reaches the case's
current run even after a continue-as-new) and returns the same result. The case
cancels it when the case closes or a particularly serious incident overtakes it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.commands import PreventionInput
    from domain.events import PreventionResult
    from domain.models import Role
    from domain.prevention import (
        ASSIGN_TASK,
        AgreeActionPlan,
        PreventionStage,
        PreventionState,
        PreventionView,
        RecordConsent,
        RecordReview,
        hand_over,
        hand_over_refusal,
        next_moment,
        prevention_clock_fired,
        prevention_refusal,
        prevention_step,
        prevention_view,
        review_due,
        start_prevention,
        withdraw,
    )
    from domain.steps import HandOverTask, StepInput
    from domain.summary import prevention_details
    from workflows.activities import carry_out

PREVENTION_TASK_CLOCKS = "prevention-task-clocks"
"""Patch id: the track's tasks get the case's reminder and team-lead escalation clocks.
Tracks started before it wait for their review date and steps only, as they did."""


@workflow.defn
class PreventionWorkflow:
    @workflow.init
    def __init__(self, input: PreventionInput) -> None:
        self._state: PreventionState | None = None
        self._lock = asyncio.Lock()
        self._commits = 0
        self._task_clocks = False

    @workflow.run
    async def run(self, input: PreventionInput) -> PreventionResult:
        # Asked once, first: a track keeps for its whole run the shape it started with.
        self._task_clocks = workflow.patched(PREVENTION_TASK_CLOCKS)
        async with self._lock:
            await self._commit(*start_prevention(input, workflow.now()))
        try:
            while self._state.stage is not PreventionStage.FINISHED:
                await self._wait_for_review_or_step()
        except asyncio.CancelledError:
            async with self._lock:
                await self._commit(*withdraw(self._state, workflow.now()))
            raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        result = PreventionResult(case_id=input.case_id, outcome=self._state.outcome, at=workflow.now())
        await workflow.get_external_workflow_handle(input.parent_workflow_id).signal("prevention_finished", result)
        return result

    async def _wait_for_review_or_step(self) -> None:
        """Sleep until a step changes the track or its next moment comes: the review date,
        or (since PREVENTION_TASK_CLOCKS) a task's reminder or escalation, whichever is first."""
        seen = self._commits
        review_at = self._state.next_review_at
        wake_at, clock = next_moment(self._state, task_clocks=self._task_clocks)
        changed = lambda: self._commits != seen  # noqa: E731
        if wake_at is None:
            await workflow.wait_condition(changed)
            return
        delay = (wake_at - workflow.now()).total_seconds()
        try:
            if delay > 0:
                await workflow.wait_condition(changed, timeout=timedelta(seconds=delay))
                return
        except TimeoutError:
            pass
        async with self._lock:
            if clock is not None:
                if clock.clock_id in self._state.clocks:
                    await self._commit(*prevention_clock_fired(self._state, clock.clock_id, workflow.now()))
            elif self._state.next_review_at == review_at:
                await self._commit(*review_due(self._state, workflow.now()))

    async def _commit(self, state: PreventionState, commands: list) -> None:
        self._state = state
        self._commits += 1
        await carry_out(commands, state.input.case_id)
        workflow.set_current_details(prevention_details(state))  # metadata: no command, no event

    @workflow.query(name="view")
    def view(self, role: Role | None = None) -> PreventionView:
        return prevention_view(self._state, role)

    def _validate(self, name: str, step: StepInput) -> None:
        if self._state is None:
            raise ApplicationError("The prevention track is still starting.", type="StepRefused", non_retryable=True)
        reason = prevention_refusal(self._state, name, step)
        if reason is not None:
            raise ApplicationError(reason, type="StepRefused", non_retryable=True)

    async def _take(self, name: str, step: StepInput) -> PreventionView:
        async with self._lock:
            self._validate(name, step)
            await self._commit(*prevention_step(self._state, step, workflow.now()))
            return prevention_view(self._state, step.actor.role)

    @workflow.update(name=ASSIGN_TASK)
    async def assign_task(self, step: HandOverTask) -> PreventionView:
        async with self._lock:
            self._judge_hand_over(step)  # again: another step may have moved the track while this one waited
            await self._commit(*hand_over(self._state, step, workflow.now()))
            return prevention_view(self._state, step.actor.role)

    @assign_task.validator
    def _check_assign_task(self, step: HandOverTask) -> None:
        self._judge_hand_over(step)

    def _judge_hand_over(self, step: HandOverTask) -> None:
        reason = "The prevention track is still starting." if self._state is None else hand_over_refusal(self._state, step)
        if reason is not None:
            raise ApplicationError(reason, type="StepRefused", non_retryable=True)

    @workflow.update(name="record_consent")
    async def record_consent(self, step: RecordConsent) -> PreventionView:
        return await self._take("record_consent", step)

    @record_consent.validator
    def _check_record_consent(self, step: RecordConsent) -> None:
        self._validate("record_consent", step)

    @workflow.update(name="agree_action_plan")
    async def agree_action_plan(self, step: AgreeActionPlan) -> PreventionView:
        return await self._take("agree_action_plan", step)

    @agree_action_plan.validator
    def _check_agree_action_plan(self, step: AgreeActionPlan) -> None:
        self._validate("agree_action_plan", step)

    @workflow.update(name="record_review")
    async def record_review(self, step: RecordReview) -> PreventionView:
        return await self._take("record_review", step)

    @record_review.validator
    def _check_record_review(self, step: RecordReview) -> None:
        self._validate("record_review", step)
