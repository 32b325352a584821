"""The rules of a case are the worker's, asked once when it opens and kept for its life:
a case opened under version A keeps A after the workers move to B, through a restart and
continue-as-new; a case opened after runs under B."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

from domain.steps import AddNote
from tests.helpers import eventually, unique
from tests.standins import COORDINATOR, CaseDriver, StandIns, case_policy, file_report, report, tenancy
from workflows.case import DisturbanceCaseWorkflow
from workflows.prevention import PreventionWorkflow


def _worker(client, standins: StandIns, queue: str) -> Worker:
    """No cache: a restarted worker replays the case from its history, as after a deploy
    (and no sticky queue is left behind for the next worker to wait out)."""
    return Worker(
        client, task_queue=queue, workflows=[DisturbanceCaseWorkflow, PreventionWorkflow],
        activities=standins.activities, max_cached_workflows=0,
    )  # fmt: skip


async def test_a_case_keeps_its_version_across_a_restart_and_continue_as_new_and_a_new_case_takes_the_new_one(local_env):
    # On the dev server: the time-skipping server can leave a query hanging after a
    # continue-as-new that lands in the same task as an Update's answer.
    client, queue, home = local_env.client, unique("tq"), tenancy()
    standins = StandIns(policy=case_policy(version="company-A"))
    async with _worker(client, standins, queue):
        handle = await file_report(client, queue, report(home, ref="r-1"), max_history_events_before_continue=50)
        first_run = handle.result_run_id
        case = CaseDriver(client, handle)
        assert (await case.view()).policy_version == "company-A"

    standins.policy = case_policy(version="company-B", first_contact_working_days=5)  # the file changed; a new worker
    async with _worker(client, standins, queue):
        await case.verify_pending()
        for n in range(6):
            await case.step("add_note", AddNote(actor=COORDINATOR, reason=f"note {n}"))
        await file_report(client, queue, report(home, ref="r-2"))

        async def continued():
            history = await client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()
            assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
            assert [r.external_ref for r in (await case.view()).reports] == ["r-1", "r-2"]

        await eventually(continued)
        assert (await case.view()).policy_version == "company-A", "kept through the restart and continue-as-new"

        later = CaseDriver(client, await file_report(client, queue, report(tenancy(), ref="r-3")))
        assert (await later.view()).policy_version == "company-B", "a case opened after runs under the new version"
