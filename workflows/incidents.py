"""The incident sweep: every ten minutes a Temporal Schedule (`trygg-case-incidents`)
starts `CaseIncidentSweepWorkflow`, which runs one activity that finds case runs
terminated or reset outside the ladder and records each for the team lead
(activities/incidents.py, register/incidents.py).

Why from outside: a workflow cannot see its own termination (no code of it runs after
Terminate), and a reset's new run cannot tell it was reset without reading its own
history. The sweep reads Temporal's visibility instead, the same view an operator has.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from temporalio import workflow
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleCalendarSpec, ScheduleRange
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.incidents import SWEEP_ACTIVITY, SweepCounts, SweepRequest
    from domain.models import Frozen
    from runtime.schedules import ScheduleOutcome, ensure_schedule

INCIDENT_SCHEDULE_ID = "trygg-case-incidents"


class SweepInput(Frozen):
    lookback_hours: int = Field(default=72, ge=1, le=24 * 90)


@workflow.defn(name="CaseIncidentSweepWorkflow")
class CaseIncidentSweepWorkflow:
    @workflow.run
    async def run(self, input: SweepInput) -> SweepCounts:
        counts = await workflow.execute_activity(
            SWEEP_ACTIVITY,
            SweepRequest(now=workflow.now(), lookback=timedelta(hours=input.lookback_hours)),
            result_type=SweepCounts,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2)),
        )
        workflow.logger.info("incident sweep: %s", counts.model_dump())
        return counts


async def ensure_incident_schedule(
    client: Client, task_queue: str, *, schedule_id: str = INCIDENT_SCHEDULE_ID, every_minutes: int = 10
) -> ScheduleOutcome:
    """Make sure the sweep runs every `every_minutes`; safe on every worker start."""
    return await ensure_schedule(
        client,
        schedule_id,
        label="case-incidents",
        settings={"queue": task_queue, "every": every_minutes},
        action=ScheduleActionStartWorkflow(
            CaseIncidentSweepWorkflow.run, SweepInput(), id=f"{schedule_id}-run", task_queue=task_queue
        ),
        calendar=ScheduleCalendarSpec(
            hour=[ScheduleRange(0, 23)], minute=[ScheduleRange(0, 59, every_minutes)], second=[ScheduleRange(0)]
        ),
        time_zone="Europe/Stockholm",
    )
