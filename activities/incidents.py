"""The incident sweep's one activity: find case runs ended or replaced outside the ladder
and record each in the register (register/incidents.py).

It needs the worker's Temporal client as well as the pool: what it looks for is in
Temporal's visibility (runs of `DisturbanceCaseWorkflow` whose status is Terminated) and
in histories (a reset's new run names the run it replaced). Idempotent: a run already
recorded, or one without an open case in the register, is skipped, so overlapping
look-backs and retries write nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
from pydantic import AwareDatetime, Field
from temporalio import activity
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowHistoryEventFilterType
from temporalio.service import RPCError

from domain.models import Frozen
from register.incidents import FoundRun, IncidentKind, record_case_incident
from runtime.logging import get_logger

log = get_logger("trygg.incidents")
CASE_WORKFLOW = "DisturbanceCaseWorkflow"
SWEEP_ACTIVITY = "sweep_case_incidents"
RESETTER = "history-resetter"
"""The identity the Temporal server terminates a run with when it resets it."""


class SweepRequest(Frozen):
    now: AwareDatetime
    lookback: timedelta = Field(default=timedelta(days=3), description="How far back closed runs are looked at.")
    review_within: timedelta = Field(default=timedelta(days=1), description="The team lead's task falls due after this.")


class SweepCounts(Frozen):
    looked_at: int = 0
    terminated: int = 0
    reset: int = 0


class IncidentActivities:
    def __init__(self, client: Client, pool: asyncpg.Pool) -> None:
        self.client = client
        self.pool = pool

    def activities(self) -> list[Callable[..., Any]]:
        return [self.sweep_case_incidents]

    @activity.defn(name=SWEEP_ACTIVITY)
    async def sweep_case_incidents(self, request: SweepRequest) -> SweepCounts:
        since = (request.now - request.lookback).isoformat()
        query = f"WorkflowType = '{CASE_WORKFLOW}' AND ExecutionStatus = 'Terminated' AND CloseTime >= '{since}'"
        counts = {"looked_at": 0, "terminated": 0, "reset": 0}
        async for execution in self.client.list_workflows(query):
            counts["looked_at"] += 1
            kind = await self._kind(execution.id, execution.run_id)
            found = FoundRun(workflow_id=execution.id, run_id=execution.run_id, kind=kind, at=execution.close_time)
            async with self.pool.acquire() as conn:
                recorded = await record_case_incident(
                    conn, found, now=request.now, task_due=request.now + request.review_within
                )
            if recorded is not None:
                counts[str(kind)] += 1
                log.warning("case ended outside the ladder", kind=str(kind), case_id=recorded.case_id,
                            workflow_id=found.workflow_id, run_id=found.run_id)  # fmt: skip
        return SweepCounts(**counts)

    async def _kind(self, workflow_id: str, run_id: str) -> IncidentKind:
        """A reset terminates the run it resets (the server's own `history-resetter` signs
        that termination) and starts a new run whose history names the old one (a workflow
        task failed with cause RESET_WORKFLOW and `base_run_id`). Either sign makes it a
        reset; anything else that terminated a case is a termination."""
        try:
            old = self.client.get_workflow_handle(workflow_id, run_id=run_id)
            async for event in old.fetch_history_events(event_filter_type=WorkflowHistoryEventFilterType.CLOSE_EVENT):
                terminated = event.workflow_execution_terminated_event_attributes
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED and terminated.identity == RESETTER:
                    return IncidentKind.RESET
            current = await self.client.get_workflow_handle(workflow_id).describe()
            if current.run_id == run_id:
                return IncidentKind.TERMINATED
            async for event in self.client.get_workflow_handle(workflow_id, run_id=current.run_id).fetch_history_events():
                failed = event.workflow_task_failed_event_attributes
                if (
                    event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
                    and failed.cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW
                    and failed.base_run_id == run_id
                ):
                    return IncidentKind.RESET
        except RPCError:
            pass  # the history is gone or unreachable: report what visibility says
        return IncidentKind.TERMINATED
