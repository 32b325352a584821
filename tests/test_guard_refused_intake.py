"""A report signal that cannot be read, on the time-skipping server with stand-ins: in an
open case it is an `intake_refused` event and a task for the team lead, with its clock;
with no case open it is an incident in the register and the run ends. Never dropped,
never a RUNNING workflow without a case. Records the `guard_*` histories for the replay
test (TRYGG_RECORD_HISTORIES=1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.common import RawValue
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from domain.inputs import CaseInput
from domain.policy import TaskKind
from domain.records import ActivityName
from domain.refusals import RefusalCause
from domain.steps import AddNote, CompleteTask
from tests.helpers import eventually
from tests.standins import (
    COORDINATOR,
    TEAM_LEAD,
    CaseDriver,
    StandIns,
    case_policy,
    case_worker,
    file_report,
    keep_history,
    report,
    tenancy,
)
from workflows.case import case_workflow_id

NAME = "Hemlig Granne"


def malformed(home) -> dict:
    """A report as another client might send it: no place, a resolved-looking category,
    and a complainant's name far too long."""
    data = report(home).model_dump(mode="json")
    del data["place"]
    data["category"] = "yes"
    data["complainant"] = {"name": NAME * 40}
    return data


async def test_a_malformed_report_to_an_open_case_becomes_a_task_for_the_team_lead(time_env):
    client, standins = time_env.client, StandIns()
    home = tenancy()
    async with case_worker(client, standins) as queue:
        handle = await file_report(client, queue, report(home))
        case = CaseDriver(client, handle)
        await eventually(case.view)
        await handle.signal("report", malformed(home))

        async def refused():
            view = await case.view()
            [task] = [t for t in view.open_tasks if t.kind == TaskKind.REVIEW_REFUSED_INTAKE]
            return view, task

        view, task = await eventually(refused)
        assert task.role == "team_lead"
        assert len(view.reports) == 1, "nothing of the refused report entered the case"
        async def recorded():
            [event] = [e for e in standins.of(ActivityName.RECORD_CASE_EVENT) if e.kind == "intake_refused"]
            return event

        event = await eventually(recorded)  # the view answers from state, a moment before the turn is written
        assert event.data["cause"] == RefusalCause.INVALID
        assert {"place", "category", "complainant.name"} <= set(event.data["fields"].split(","))
        assert NAME not in str(event.data)
        assert not standins.of(ActivityName.RECORD_INTAKE_INCIDENT), "an open case holds it; no incident"

        # The task has its clock like any other: reminded at its deadline.
        await time_env.sleep(timedelta(days=10))

        async def reminded():
            assert "task_reminder" in standins.event_kinds()

        await eventually(reminded)
        await case.step("complete_task", CompleteTask(actor=TEAM_LEAD, reason="case system fixed", task_id=task.task_id))
        view = await case.step("add_note", AddNote(actor=COORDINATOR, reason="carries on"))
        assert not [t for t in view.open_tasks if t.kind == TaskKind.REVIEW_REFUSED_INTAKE] and view.notes == 1
        await keep_history(handle, "guard_case_refused_intake")


async def test_a_malformed_report_that_would_open_a_case_is_an_incident_and_the_run_ends(local_env):
    # On the dev server: the time-skipping server jumps years ahead when an Update-with-start
    # opens a new run under a closed workflow id, and the next report would be "too old".
    client, standins = local_env.client, StandIns()
    home = tenancy()
    async with case_worker(client, standins) as queue:
        handle = await client.start_workflow(
            "DisturbanceCaseWorkflow", CaseInput(policy=case_policy(), search_attributes=False),
            id=case_workflow_id(home.tenancy_id), task_queue=queue, id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            start_signal="report", start_signal_args=[malformed(home)],
        )  # fmt: skip
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "IntakeRefused" and cause.non_retryable
        assert "place" in cause.message and NAME not in cause.message
        [incident] = standins.of(ActivityName.RECORD_INTAKE_INCIDENT)
        assert incident.workflow_id == handle.id and incident.cause is RefusalCause.INVALID
        assert [name for name, _ in standins.calls] == [ActivityName.RECORD_INTAKE_INCIDENT], "nothing else recorded"
        await keep_history(handle, "guard_case_refused_without_case")

        # The next report on the tenancy opens its case in a new run.
        case = CaseDriver(client, await file_report(client, queue, report(home)))
        assert (await eventually(case.view)).reports


# -- replay ------------------------------------------------------------------------------

from pathlib import Path  # noqa: E402

from temporalio import workflow  # noqa: E402
from temporalio.client import WorkflowHistory  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.worker import Replayer  # noqa: E402
from temporalio.workflow import NondeterminismError  # noqa: E402

from workflows.case import DisturbanceCaseWorkflow  # noqa: E402

HISTORIES = Path(__file__).parent / "histories"


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseDroppingRefusals(DisturbanceCaseWorkflow):
    """A careless change: refused reports are dropped again, patch marker or not."""

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)

    async def _drain_refusals(self) -> None:
        self._refusals.clear()


async def test_dropping_refused_reports_again_is_caught_on_the_recorded_history():
    history = WorkflowHistory.from_json("guard", (HISTORIES / "guard_case_refused_intake.json").read_text())
    replayer = Replayer(workflows=[CaseDroppingRefusals], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert isinstance(result.replay_failure, NondeterminismError)


async def test_a_case_that_dropped_an_unreadable_report_before_the_patch_replays_as_it_ran():
    """Recorded with the code before REFUSED_INTAKE: the malformed signal was dropped and
    the case went on; today's handler reads it as refused, sees no patch marker, drops it."""
    history = WorkflowHistory.from_json("before", (HISTORIES / "guard_before_refused_intake_dropped_signal.json").read_text())
    replayer = Replayer(workflows=[DisturbanceCaseWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
