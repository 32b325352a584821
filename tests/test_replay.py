"""Every checked-in history replays against today's workflow code, and a deliberately
changed workflow is caught as nondeterministic. Re-record with
`TRYGG_RECORD_HISTORIES=1 pytest tests/test_case_paths.py tests/test_case_updates.py`
only when a workflow changes shape on purpose (and then think about patching)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from domain.commands import RecordEvent
from workflows.case import CaseInput, DisturbanceCaseWorkflow
from workflows.prevention import PreventionWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


def test_the_main_paths_are_recorded():
    names = {p.stem for p in HISTORIES}
    assert {"case_resolved_in_dialogue", "case_corrected_after_warning", "case_action_plan_fulfilled",
            "case_terminated_after_failed_plan", "prevention_fulfilled"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path):
    replayer = Replayer(workflows=[DisturbanceCaseWorkflow, PreventionWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(_load(path))


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseWithoutAuditTrail(DisturbanceCaseWorkflow):
    """A careless change: someone stops recording case events."""

    @workflow.run
    async def run(self, input: CaseInput):
        return await super().run(input)

    async def _commit(self, state, commands):
        await super()._commit(state, [c for c in commands if not isinstance(c, RecordEvent)])


async def test_a_changed_workflow_is_caught_as_nondeterministic():
    replayer = Replayer(workflows=[CaseWithoutAuditTrail], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / "case_resolved_in_dialogue.json"), raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, NondeterminismError)
