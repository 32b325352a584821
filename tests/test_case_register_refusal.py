"""A register that refuses a turn's records (a defect in Trygg, never a case outcome)
fails the workflow task, not the case: once the register takes the records, the case
goes on with its history and clocks intact."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from domain.records import ActivityName
from domain.state import CaseStage
from tests.helpers import eventually
from tests.standins import CaseDriver, StandIns, case_worker, file_report, report, tenancy


async def test_a_refused_register_batch_fails_the_workflow_task_and_the_case_survives(time_env):
    client, standins = time_env.client, StandIns()
    standins.refused_batches = 1
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))

        async def opened():
            assert (await case.view()).stage is CaseStage.REPORTED

        await eventually(opened, timeout=30)
        assert (await case.handle.describe()).status is WorkflowExecutionStatus.RUNNING
        history = await case.handle.fetch_history()
    failed_tasks = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    assert failed_tasks, "the refusal showed as a failed workflow task"
    assert "the register refused this turn's records" in failed_tasks[0].workflow_task_failed_event_attributes.failure.message
    assert standins.batches >= 2
    assert len(standins.of(ActivityName.UPSERT_CASE)) == 1, "the refused attempt wrote nothing"
