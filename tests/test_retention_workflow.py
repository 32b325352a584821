"""The retention workflow and its daily schedule on the local dev server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.client import ScheduleCalendarSpec
from temporalio.testing import ActivityEnvironment

from activities.register import RegisterActivities
from domain.retention import RetentionPolicy
from register.retention import RetentionCounts
from tests import register_factories as make
from tests.helpers import eventually, running_worker, unique
from workflows.registry import WORKFLOWS
from workflows.retention import RetentionInput, RetentionWorkflow, ensure_retention_schedule

NOW = datetime(2031, 1, 1, tzinfo=UTC)


async def test_the_retention_workflow_anonymises_an_expired_case_and_returns_counts(local_env, pg_pool):
    acts = RegisterActivities(pg_pool)
    expired = make.case(opened_at=NOW - timedelta(days=1300), closed_at=NOW - timedelta(days=1200), stage="closed")
    await ActivityEnvironment().run(acts.upsert_case, expired)
    await ActivityEnvironment().run(acts.record_case_event, make.event(expired.case_id))
    async with running_worker(local_env.client, workflows=[RetentionWorkflow], activities=acts.activities()) as worker:
        counts = await local_env.client.execute_workflow(
            RetentionWorkflow.run,
            RetentionInput(policy=RetentionPolicy(), now=NOW),
            id=unique("retention"),
            task_queue=worker.task_queue,
            result_type=RetentionCounts,
        )
    assert (counts.cases_anonymised, counts.case_events_deleted) == (1, 1)
    assert await pg_pool.fetchval("SELECT tenancy_id FROM cases WHERE case_id = $1", expired.case_id) is None


async def test_ensure_creates_the_daily_schedule_once_and_updates_it_when_the_policy_changes(local_env, pg_pool):
    client = local_env.client
    schedule_id = unique("retention-schedule")
    queue = unique("tq")
    try:
        assert await ensure_retention_schedule(client, queue, RetentionPolicy(), schedule_id=schedule_id) == "created"
        assert await ensure_retention_schedule(client, queue, RetentionPolicy(), schedule_id=schedule_id) == "unchanged"
        handle = client.get_schedule_handle(schedule_id)
        described = await handle.describe()
        [calendar] = described.schedule.spec.calendars
        assert isinstance(calendar, ScheduleCalendarSpec)
        assert (calendar.hour[0].start, calendar.minute[0].start) == (3, 15)
        assert described.schedule.action.task_queue == queue

        await handle.pause(note="operator paused")
        shorter = RetentionPolicy(night_reports_days=60)
        assert await ensure_retention_schedule(client, queue, shorter, schedule_id=schedule_id) == "updated"
        assert (await handle.describe()).schedule.state.paused
        await handle.unpause()

        # a triggered run reaches the worker with the policy and completes
        async with running_worker(
            client, workflows=[RetentionWorkflow], activities=RegisterActivities(pg_pool).activities(), task_queue=queue
        ):
            await handle.trigger()

            async def ran() -> None:
                actions = (await handle.describe()).info.recent_actions
                assert actions
                run = client.get_workflow_handle(actions[-1].action.workflow_id)
                RetentionCounts.model_validate(await run.result())

            await eventually(ran, timeout=30)
    finally:
        await client.get_schedule_handle(schedule_id).delete()


def test_the_worker_registers_the_retention_workflow():
    assert RetentionWorkflow in WORKFLOWS
