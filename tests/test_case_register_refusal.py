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


async def test_a_refused_register_batch_fails_the_workflow_task_and_the_case_survives(time_env, caplog):
    client, standins = time_env.client, StandIns()
    standins.refused_batches = 1
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))

        async def retried_into_the_register():
            assert standins.batches >= 2 and standins.of(ActivityName.UPSERT_CASE)

        # Not a query first: while the refused task waits for its retry, a query may see
        # the state that turn built, or time out.
        await eventually(retried_into_the_register, timeout=30)
        assert (await case.view()).stage is CaseStage.REPORTED
        assert (await case.handle.describe()).status is WorkflowExecutionStatus.RUNNING
        history = await case.handle.fetch_history()
    refusals = [r for r in caplog.records if r.exc_info and "the register refused this turn's records" in str(r.exc_info[1])]
    assert refusals, "the worker reported the refusal as a failed workflow task"
    # The server records the failed task in the history when it sees it, but under load it
    # may see only the retried task succeed (CI did), so the history is not asked for one.
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            assert "the register refused this turn's records" in event.workflow_task_failed_event_attributes.failure.message
    assert len(standins.of(ActivityName.UPSERT_CASE)) == 1, "the refused attempt wrote nothing"
