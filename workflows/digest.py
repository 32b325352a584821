"""The daily mail digest of new and overdue tasks (the staff web app's "mail when the
app is closed"): a Temporal Schedule starts `DailyDigestWorkflow` at 07:00 Swedish time;
the workflow asks the `send_daily_digests` activity (web/digest.py) to mail everyone who
chose it. The day is the Swedish calendar day of the workflow's own start time, so a
retried run sends for the same day, and the activity skips whoever already got theirs."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from temporalio import workflow
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleCalendarSpec, ScheduleRange
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.models import Frozen
    from runtime.schedules import ScheduleOutcome, ensure_schedule
    from web.digest import DigestActivities, DigestCounts, DigestRequest

DIGEST_SCHEDULE_ID = "trygg-daily-digest"


class DigestInput(Frozen):
    app_url: str | None = Field(default=None, max_length=500, description="The web app's address, for the link in the mail.")


@workflow.defn(name="DailyDigestWorkflow")
class DailyDigestWorkflow:
    @workflow.run
    async def run(self, input: DigestInput) -> DigestCounts:
        return await workflow.execute_activity_method(
            DigestActivities.send_daily_digests,
            DigestRequest(now=workflow.now(), app_url=input.app_url),
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=20),
        )


async def ensure_digest_schedule(
    client: Client, task_queue: str, *, app_url: str | None = None, schedule_id: str = DIGEST_SCHEDULE_ID,
    hour: int = 7, minute: int = 0, time_zone: str = "Europe/Stockholm",
) -> ScheduleOutcome:  # fmt: skip
    """Make sure the daily digest schedule exists (idempotent, like retention's)."""
    return await ensure_schedule(
        client,
        schedule_id,
        label="digest",
        settings={"queue": task_queue, "app_url": app_url},
        action=ScheduleActionStartWorkflow(
            DailyDigestWorkflow.run, DigestInput(app_url=app_url), id=f"{schedule_id}-run", task_queue=task_queue
        ),
        calendar=ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)]),
        time_zone=time_zone,
    )
