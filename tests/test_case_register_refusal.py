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


async def test_a_register_outage_retries_a_step_by_timer_not_inside_one_long_workflow_task(time_env):
    """During a database outage a step's batch is retried in place only briefly, then by a
    durable timer (workflows.activities.REGISTER_LOCAL_RETRY_THRESHOLD): no workflow task
    lasts the outage, so none times out and moves to another worker while the first one's
    attempts go on. The step is taken once when the register is back."""
    from domain.steps import AddNote
    from tests.standins import COORDINATOR

    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.view()
        standins.unavailable_attempts = 8  # 0.2 + 0.4 s in place, then six timers
        view = await case.step("add_note", AddNote(actor=COORDINATOR, reason="during the outage"))
        history = await case.handle.fetch_history()
    assert view.notes == 1 and standins.event_kinds().count("note") == 1
    kinds = [e.event_type for e in history.events]
    accepted = max(i for i, k in enumerate(kinds) if k == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
    timers = [k for k in kinds[accepted:] if k == EventType.EVENT_TYPE_TIMER_STARTED]
    assert len(timers) >= 5, "retried by durable timers once the backoff passed the threshold"
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT not in kinds
