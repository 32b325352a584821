"""Every checked-in history replays against today's workflow code, and a deliberately
changed workflow is caught as nondeterministic. Re-record with
`TRYGG_RECORD_HISTORIES=1 pytest tests/test_case_paths.py tests/test_case_updates.py`
only when a workflow changes shape on purpose, behind `workflow.patched`, and keep the
histories of the previous shapes, which replay through the old branches of
`workflows.activities.carry_out`: `before_batched_writes_*` were recorded when each register
write was an activity of its own, `before_local_writes_*` when a turn's writes were one
batch activity, and today's run that batch as a local activity. The prevention track has
one more shape: `before_task_clocks_*` were recorded before its tasks had reminder and
escalation clocks (`workflows.prevention.PREVENTION_TASK_CLOCKS`). `law_*` were recorded
under `workflows.case.LAW_RULES` (cases by the law's rules, CaseState.rules 2); every
history recorded before it replays through the old ladder (rules 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.common import RawValue
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from domain.commands import PreventionInput, RecordEvent
from domain.events import PreventionResult
from workflows.activities import carry_out_register
from workflows.case import SHAPE_PATCHES, CaseInput, DisturbanceCaseWorkflow
from workflows.prevention import PreventionWorkflow
from workflows.registry import workflow_runner

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
BEFORE_BATCHING = "before_batched_writes_"
BEFORE_LOCAL = "before_local_writes_"
BEFORE_TASK_CLOCKS = "before_task_clocks_"


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))


def test_the_main_paths_are_recorded_in_every_shape():
    names = {p.stem for p in HISTORIES}
    main = {"case_resolved_in_dialogue", "case_corrected_after_warning", "case_action_plan_fulfilled",
            "case_terminated_after_failed_plan", "prevention_fulfilled"}  # fmt: skip
    assert main <= names
    assert {prefix + name for name in main for prefix in (BEFORE_BATCHING, BEFORE_LOCAL)} <= names
    assert {BEFORE_TASK_CLOCKS + "prevention_fulfilled", BEFORE_TASK_CLOCKS + "prevention_failed"} <= names
    assert "prevention_overdue_plan_escalated" in names


@pytest.mark.parametrize("runner", ["default", "production"])
@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path, runner):
    """Under the SDK's default sandbox, which imports each workflow module anew per run and
    checks it, and under the worker's (workflows.registry.workflow_runner), which shares the
    case and prevention modules between runs."""
    options = {"workflow_runner": workflow_runner()} if runner == "production" else {}
    replayer = Replayer(
        workflows=[DisturbanceCaseWorkflow, PreventionWorkflow], data_converter=pydantic_data_converter, **options
    )
    await replayer.replay_workflow(_load(path))


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseWithoutAuditTrail(DisturbanceCaseWorkflow):
    """A careless change: someone stops recording case events."""

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)

    async def _commit(self, state, commands):
        await super()._commit(state, [c for c in commands if not isinstance(c, RecordEvent)])


async def test_a_changed_workflow_is_caught_as_nondeterministic():
    replayer = Replayer(workflows=[CaseWithoutAuditTrail], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / f"{BEFORE_BATCHING}case_resolved_in_dialogue.json"),
        raise_on_replay_failure=False,
    )
    assert isinstance(result.replay_failure, NondeterminismError)


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseUnpatched(DisturbanceCaseWorkflow):
    """A careless change: someone deletes the patches and goes back to one write per activity."""

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)

    async def _commit(self, state, commands):
        self._state = state
        for command in commands:
            if not await carry_out_register(command):
                await self._carry_out_other(command, state)


@pytest.mark.parametrize("name", [f"{BEFORE_LOCAL}case_resolved_in_dialogue", "case_resolved_in_dialogue"])
async def test_removing_the_patches_is_caught_on_the_newer_histories(name):
    replayer = Replayer(workflows=[CaseUnpatched], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / f"{name}.json"), raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, NondeterminismError)


@workflow.defn(name="PreventionWorkflow", sandboxed=False)
class PreventionWithoutTaskClocks(PreventionWorkflow):
    """A careless change: someone drops the track's task clocks and their patch."""

    @workflow.run
    async def run(self, input: PreventionInput) -> PreventionResult:
        return await super().run(input)

    async def _wait_for_review_or_step(self) -> None:
        self._task_clocks = False
        await super()._wait_for_review_or_step()


async def test_dropping_the_prevention_task_clocks_is_caught_on_a_track_that_escalated():
    replayer = Replayer(workflows=[PreventionWithoutTaskClocks], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / "prevention_overdue_plan_escalated.json"),
        raise_on_replay_failure=False,
    )
    assert isinstance(result.replay_failure, NondeterminismError)


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseWithoutLawRules(DisturbanceCaseWorkflow):
    """A careless change: someone drops the `law-rules` patch and opens cases by the old ladder."""

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)

    def _rules(self) -> int:
        return 1


async def test_dropping_the_law_rules_is_caught_on_a_case_opened_under_them():
    replayer = Replayer(workflows=[CaseWithoutLawRules], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / "law_notice_nobody_takes_by_hand.json"),
        raise_on_replay_failure=False,
    )
    assert isinstance(result.replay_failure, NondeterminismError)



@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseWithoutShape(DisturbanceCaseWorkflow):
    """A careless change: someone drops the shape patch and asks each patch again."""

    @workflow.init
    def __init__(self, input: RawValue = None) -> None:  # type: ignore[assignment]
        super().__init__(input)
        self._shape_patches = frozenset()

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)


async def test_dropping_the_shape_patch_is_caught_on_a_case_recorded_under_it():
    """perf_shape_notes recorded one marker for the whole shape (workflows.case.CURRENT_SHAPE);
    a case that asks each patch instead finds none of theirs and takes the old branches: it
    opens from the input's policy, which the worker now owns, and fails the replay."""
    replayer = Replayer(workflows=[CaseWithoutShape], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / "perf_shape_notes.json"), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseAskingApart(DisturbanceCaseWorkflow):
    """A careless change: someone puts the first shape back, asking the register and the policy apart."""

    @workflow.init
    def __init__(self, input: RawValue = None) -> None:  # type: ignore[assignment]
        super().__init__(input)
        self._shape_patches = SHAPE_PATCHES

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)


async def test_asking_apart_is_caught_on_a_case_opened_with_one_lookup():
    """perf_opening_lookup_notes opened with one local activity (workflows.case.OPENING_LOOKUP);
    a case that asks find_report and then policy_in_force meets that marker and fails the replay
    (the SDK matches a local activity's marker by its number, so it fails decoding the lookup's
    answer as find_report's)."""
    replayer = Replayer(workflows=[CaseAskingApart], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(
        _load(Path(__file__).parent / "histories" / "perf_opening_lookup_notes.json"), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
