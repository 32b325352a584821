"""The weekly area picture (områdesbild): a Temporal Schedule starts `AreaPictureWorkflow`,
which asks the partner channel to count the week's reports and cases by category and
place per area and send each area partnership and association its areas' counts.

Aggregates only: no tenancy, person or case id leaves (partners/area.py). The picture id
is derived from the period, so a re-run of the same week sends nothing twice. A partner
that cannot be reached does not fail the schedule: the outcome names it, and next week's
picture goes out as usual.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import AwareDatetime, Field
from temporalio import workflow
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleCalendarSpec, ScheduleRange
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.events import NoticeRedacted
    from domain.models import Frozen
    from domain.records import ActivityName, NoticeOutcome
    from partners.area import AreaPictureRequest
    from runtime.schedules import ScheduleOutcome, ensure_schedule

AREA_PICTURE_SCHEDULE_ID = "trygg-area-picture"
PERMANENT_ERROR = "PermanentDeliveryError"  # activities.notify.PERMANENT_ERROR
REDACTED_SIGNAL = "notice_redacted"  # workflows.case.DisturbanceCaseWorkflow.notice_redacted


class AreaPictureInput(Frozen):
    """Input of one weekly run."""

    period_days: int = Field(default=7, ge=1, le=31)
    period_end: AwareDatetime | None = Field(default=None, description="End of the period; default workflow.now().")


@workflow.defn(name="AreaPictureWorkflow")
class AreaPictureWorkflow:
    @workflow.run
    async def run(self, input: AreaPictureInput) -> NoticeOutcome:
        end = input.period_end or workflow.now()
        start = end - timedelta(days=input.period_days)
        picture_id = f"area-picture-{start.date().isoformat()}-{end.date().isoformat()}"
        try:
            outcome = await workflow.execute_activity(
                ActivityName.SEND_AREA_PICTURE,
                AreaPictureRequest(picture_id=picture_id, period_start=start, period_end=end),
                result_type=NoticeOutcome,
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=RetryPolicy(
                    maximum_interval=timedelta(minutes=10),
                    maximum_attempts=12,
                    non_retryable_error_types=[PERMANENT_ERROR],
                ),
            )
        except ActivityError as error:
            cause = error.cause
            details = cause.details if isinstance(cause, ApplicationError) else ()
            outcome = NoticeOutcome.model_validate(details[0]) if details else NoticeOutcome(notice_id=picture_id)
            workflow.logger.warning("area picture %s not delivered to every partner", picture_id)
        await _tell_redacted_cases(picture_id, outcome.redacted_cases)
        return outcome


async def _tell_redacted_cases(picture_id: str, workflow_ids: tuple[str, ...]) -> None:
    """Each case whose report place the screen cut hears of it, so its coordinator checks
    what was typed (the case opens a check_redaction task). A case that has ended since
    is past checking; that is no reason to fail the picture. Only outcomes of pictures
    screened this way carry `redacted_cases`, so older histories replay unchanged."""
    for workflow_id in workflow_ids:
        try:
            await workflow.get_external_workflow_handle(workflow_id).signal(
                REDACTED_SIGNAL, NoticeRedacted(notice_id=picture_id)
            )
        except Exception:  # noqa: BLE001 - the case has closed: nothing left to check there
            workflow.logger.info("a redacted case could not be told (it has closed)")


async def ensure_area_picture_schedule(
    client: Client,
    task_queue: str,
    *,
    schedule_id: str = AREA_PICTURE_SCHEDULE_ID,
    day_of_week: int = 1,
    hour: int = 7,
    minute: int = 0,
    time_zone: str = "Europe/Stockholm",
) -> ScheduleOutcome:
    """Make sure the weekly schedule exists (default Monday 07:00 Swedish time; day_of_week
    0 = Sunday). Safe on every worker start: identical settings are left alone, different
    ones updated in place keeping an operator's pause. Runs never overlap; a run missed
    while the cluster was down is caught up within a day."""
    return await ensure_schedule(
        client,
        schedule_id,
        label="area picture",
        settings={"queue": task_queue},
        action=ScheduleActionStartWorkflow(
            AreaPictureWorkflow.run, AreaPictureInput(), id=f"{schedule_id}-run", task_queue=task_queue
        ),
        calendar=ScheduleCalendarSpec(
            day_of_week=[ScheduleRange(day_of_week)], hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)]
        ),
        time_zone=time_zone,
    )
