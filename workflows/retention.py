"""The daily retention run: a Temporal Schedule starts `RetentionWorkflow`, which asks the
register to delete and anonymise what has expired (rules in register/retention.py).

The workflow is a thin shell: one activity, retried until the database answers, counts
logged and returned. `now` can be given for tests and for a catch-up run; otherwise the
workflow's own clock decides what has expired.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import AwareDatetime, Field
from temporalio import workflow
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleCalendarSpec, ScheduleRange
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.register import RegisterActivities
    from domain.models import Frozen
    from domain.retention import RetentionPolicy
    from register.errors import NON_RETRYABLE
    from register.retention import RetentionCounts, RetentionRequest
    from runtime.schedules import ScheduleOutcome, ensure_schedule

RETENTION_SCHEDULE_ID = "trygg-retention"


class RetentionInput(Frozen):
    """Input of one retention run."""

    policy: RetentionPolicy = Field(default_factory=RetentionPolicy)
    now: AwareDatetime | None = Field(default=None, description="Measure expiry from here instead of workflow.now().")


@workflow.defn(name="RetentionWorkflow")
class RetentionWorkflow:
    @workflow.run
    async def run(self, input: RetentionInput) -> RetentionCounts:
        now = input.now or workflow.now()
        counts = await workflow.execute_activity_method(
            RegisterActivities.apply_retention,
            RetentionRequest(policy=input.policy, now=now),
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5), non_retryable_error_types=NON_RETRYABLE),
        )
        workflow.logger.info("retention run removed %d records: %s", counts.total, counts.model_dump())
        return counts


async def ensure_retention_schedule(
    client: Client,
    task_queue: str,
    policy: RetentionPolicy,
    *,
    schedule_id: str = RETENTION_SCHEDULE_ID,
    hour: int = 3,
    minute: int = 15,
    time_zone: str = "Europe/Stockholm",
) -> ScheduleOutcome:
    """Make sure the daily retention schedule exists with this policy and queue.

    Safe to call on every worker start: an identical schedule is left alone (a fingerprint
    of its settings sits in the schedule's note), a different one is updated in place,
    keeping whether an operator paused it. Runs never overlap; a run missed while the
    cluster was down is caught up within a day.
    """
    return await ensure_schedule(
        client,
        schedule_id,
        label="retention",
        settings={"queue": task_queue, "policy": policy.model_dump(mode="json")},
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run, RetentionInput(policy=policy), id=f"{schedule_id}-run", task_queue=task_queue
        ),
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)]),
        time_zone=time_zone,
    )
