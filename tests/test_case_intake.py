"""Intake by the `file_report` Update with start: the receipt, repeats, refusals, and a
case's input owned by the worker. On the time-skipping server with stand-ins, and on the
dev server with a client that speaks Temporal directly in plain JSON and the real register."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.common import RawValue
from temporalio.api.enums.v1 import EventType
from temporalio import workflow
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError

from domain.inputs import CaseInput
from domain.intake import ReportReceipt, report_update_id
from domain.models import Category, DisturbanceReport
from domain.policy import EscalationPolicy
from domain.records import ActivityName
from domain.state import CaseStage, CaseState
from domain.steps import RejectReport
from tests.helpers import eventually
from tests.standins import (
    COORDINATOR,
    CaseDriver,
    StandIns,
    case_policy,
    case_worker,
    filed_report,
    keep_history,
    report,
    skipping_time,
    tenancy,
)
from workflows.case import DisturbanceCaseWorkflow, case_workflow_id
from workflows.start import start_operation


async def _file(client: Client, queue: str, filed: DisturbanceReport, *, update_id: str | None = None) -> ReportReceipt:
    """File as TryggClient does, or under another Update id (another client's, or a re-send
    that is not a retry of the same call)."""
    operation = start_operation(filed.tenancy.tenancy_id, queue, search_attributes=False)
    return await client.execute_update_with_start_workflow(
        DisturbanceCaseWorkflow.file_report,
        filed,
        start_workflow_operation=operation,
        id=update_id or report_update_id(filed),
    )


async def _refusal(call) -> ApplicationError:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await call
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


_WORKFLOW_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


_IDLE_AFTER = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    # The commands of a completed task: under the law's rules a delivered notice is a turn
    # of its own (its register write, the case's next timer), after which the case is idle.
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
}


async def _event_count(client: Client, workflow_id: str, *, workflow_tasks: bool = True) -> int:
    """The history's length once the case is idle (its background notices sent, its last
    workflow task completed), so what a later call adds is that call's alone. The
    time-skipping server records a workflow task for an Update its validator rejects (the
    dev server does not: the task is speculative); `workflow_tasks=False` counts what the
    case itself recorded."""
    import asyncio

    handle, previous = client.get_workflow_handle(workflow_id), -1
    while True:
        events = (await handle.fetch_history()).events
        if len(events) == previous and events[-1].event_type in _IDLE_AFTER:
            return previous if workflow_tasks else sum(e.event_type not in _WORKFLOW_TASK_EVENTS for e in events)
        previous = len(events)
        await asyncio.sleep(0.3)


def _moved(filed: DisturbanceReport, **changes) -> DisturbanceReport:
    return filed.model_copy(update=changes)


# -- the time-skipping server, stand-in activities -----------------------------------------
async def test_a_report_opens_a_case_and_the_receipt_says_which(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        first = report(home, ref="CS-1")
        receipt, handle = await filed_report(client, queue, first)
        view = await CaseDriver(client, handle).view()
        assert receipt == ReportReceipt(
            workflow_id=case_workflow_id(home.tenancy_id), case_id=view.case_id,
            report_id=view.reports[0].report_id, stage="reported", duplicate=False,
        )  # fmt: skip
        assert [name for name, _ in standins.reads] == [ActivityName.LOOK_UP_OPENING], "one question for both"

        joined, _ = await filed_report(client, queue, report(home, ref="CS-2"))
        assert joined.case_id == receipt.case_id and joined.report_id != receipt.report_id and not joined.duplicate
        repeat = await _file(client, queue, first, update_id="another-client-1")
        assert repeat == receipt.model_copy(update={"duplicate": True})
        assert [r.external_ref for r in standins.of(ActivityName.RECORD_REPORT)] == ["CS-1", "CS-2"]
        asked = [name for name, _ in standins.reads]
        assert asked == [ActivityName.LOOK_UP_OPENING, ActivityName.FIND_REPORT], "the policy asked once, when it opened"

        case = CaseDriver(client, handle)
        for entry in (await case.view()).reports:
            await case.step("reject_report", RejectReport(actor=COORDINATOR, reason="nobody heard it", report_id=entry.report_id))
        assert (await handle.result()).stage is CaseStage.CLOSED
        await keep_history(handle, "intake_case_opened_by_file_report")


async def test_a_repeat_answers_the_first_receipt_and_records_nothing(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        filed = report(tenancy(), ref="CS-7")
        receipt, handle = await filed_report(client, queue, filed)
        events = await _event_count(client, handle.id)

        retried, _ = await filed_report(client, queue, filed)
        assert retried == receipt, "the same call again: Temporal answers the same Update id with its first answer"
        assert await _event_count(client, handle.id) == events

        resent = await _file(client, queue, filed, update_id="resent-CS-7")
        assert resent == receipt.model_copy(update={"duplicate": True})
        assert len(standins.of(ActivityName.RECORD_REPORT)) == 1
        assert [e.kind for e in standins.of(ActivityName.RECORD_CASE_EVENT)].count("report_received") == 1
        assert len((await CaseDriver(client, handle).view()).reports) == 1


async def test_a_repeat_with_a_changed_place_is_refused_naming_place(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        filed = report(tenancy(), ref="CS-8")
        _, handle = await filed_report(client, queue, filed)
        events, writes = await _event_count(client, handle.id, workflow_tasks=False), len(standins.calls)

        changed = _moved(filed, place="Hemlig gatan 3, lgh 1102", severity="serious")
        refused = await _refusal(filed_report(client, queue, changed))
        assert refused.type == "ReportRefused" and refused.non_retryable
        assert refused.message.splitlines() == [
            "severity: differs from the report first filed under this external_ref",
            "place: differs from the report first filed under this external_ref",
        ]
        assert "Hemlig" not in refused.message, "a refusal names the field, never the value"
        assert await _event_count(client, handle.id, workflow_tasks=False) == events and len(standins.calls) == writes

        again = await _refusal(_file(client, queue, _moved(filed, place="trapphus A"), update_id="other-id"))
        assert again.message == "place: differs from the report first filed under this external_ref"
        assert (await CaseDriver(client, handle).verify_pending()).stage is CaseStage.CONTACT, "the case keeps working"
    assert [r.place for r in standins.of(ActivityName.RECORD_REPORT)] == ["stairwell B"]


@pytest.mark.parametrize("year", [2099, 1900])
async def test_an_occurred_at_that_makes_no_sense_is_refused_naming_it(time_env, year):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        _, handle = await filed_report(client, queue, report(home, ref="ok-1"))
        events, writes = await _event_count(client, handle.id, workflow_tasks=False), len(standins.calls)
        odd = _moved(report(home, ref="odd-1"), occurred_at=datetime(year, 6, 1, 12, tzinfo=UTC))
        refused = await _refusal(filed_report(client, queue, odd))
        assert refused.type == "ReportRefused"
        assert refused.message.startswith("occurred_at: ") and str(year) not in refused.message
        assert await _event_count(client, handle.id, workflow_tasks=False) == events and len(standins.calls) == writes

        # A refused first report on a tenancy opens nothing, and its run does not stay open.
        elsewhere = _moved(odd, tenancy=tenancy())
        await _refusal(filed_report(client, queue, elsewhere))
        lone = skipping_time(client, client.get_workflow_handle(case_workflow_id(elsewhere.tenancy.tenancy_id)))
        assert await lone.result() is None
        assert {r.case_id for r in standins.of(ActivityName.RECORD_REPORT)} == {(await CaseDriver(client, handle).view()).case_id}


async def test_the_workers_policy_judges_the_first_report_again_in_the_handler(time_env):
    """Before a case has its policy the validator uses the defaults; the worker's stricter
    window refuses in the handler, and nothing opens."""
    client, standins = time_env.client, StandIns(policy=case_policy(report_max_age_days=2))
    async with case_worker(client, standins) as queue:
        old = _moved(report(tenancy(), ref="old-1"), occurred_at=datetime.now(UTC) - timedelta(days=3))
        refused = await _refusal(filed_report(client, queue, old))
        assert refused.message == "occurred_at: more than 2 days before the moment it was filed"
        lone = skipping_time(client, client.get_workflow_handle(case_workflow_id(old.tenancy.tenancy_id)))
        assert await lone.result() is None
        assert standins.calls == [], "no case, no register write"


async def test_a_starters_policy_is_ignored_and_its_state_refused(time_env):
    client, standins = time_env.client, StandIns(policy=case_policy(version="worker-2026"))
    async with case_worker(client, standins) as queue:
        home = tenancy()
        chosen = CaseInput(policy=EscalationPolicy(version="client-chosen"), search_attributes=False)
        operation = WithStartWorkflowOperation(
            DisturbanceCaseWorkflow.run, chosen, id=case_workflow_id(home.tenancy_id), task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )  # fmt: skip
        filed = report(home)
        receipt = await client.execute_update_with_start_workflow(
            DisturbanceCaseWorkflow.file_report, filed, start_workflow_operation=operation, id=report_update_id(filed)
        )
        view = await CaseDriver(client, await operation.workflow_handle()).view()
        assert receipt.case_id == view.case_id and view.policy_version == "worker-2026"

        other = tenancy()
        forged = CaseState(
            case_id=f"{other.tenancy_id}.forged", workflow_id=case_workflow_id(other.tenancy_id), tenancy=other,
            category=Category.NOISE, policy=EscalationPolicy(), opened_at=datetime.now(UTC),
            stage=CaseStage.LEGAL_PROCESS,
        )  # fmt: skip
        operation = WithStartWorkflowOperation(
            DisturbanceCaseWorkflow.run, CaseInput(state=forged, search_attributes=False),
            id=case_workflow_id(other.tenancy_id), task_queue=queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )  # fmt: skip
        refused = await _refusal(
            client.execute_update_with_start_workflow(
                DisturbanceCaseWorkflow.file_report, report(other), start_workflow_operation=operation, id="forged-1"
            )
        )
        assert refused.type == "StartRefused" and refused.message.startswith("state: accepted only on a continue-as-new")
        with pytest.raises(WorkflowFailureError) as failed:
            await skipping_time(client, await operation.workflow_handle()).result()
        assert isinstance(failed.value.cause, ApplicationError) and failed.value.cause.type == "StartRefused"
        assert all(r.case_id != forged.case_id for r in standins.of(ActivityName.UPSERT_CASE))


async def test_a_report_for_another_tenancy_is_refused(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        _, handle = await filed_report(client, queue, report(home))
        stray = report(tenancy())
        operation = start_operation(home.tenancy_id, queue, search_attributes=False)
        refused = await _refusal(
            client.execute_update_with_start_workflow(
                DisturbanceCaseWorkflow.file_report, stray, start_workflow_operation=operation, id="stray-1"
            )
        )
        assert refused.message == "tenancy.tenancy_id: belongs to another tenancy's case workflow"
        assert len((await CaseDriver(client, handle).view()).reports) == 1


# -- the dev server: a client that is not Trygg's, plain JSON, and the real register --------
def _plain_client(client: Client) -> Client:
    """A client as a case system would write from the README: Temporal's default JSON, no pydantic."""
    return Client(**{**client.config(), "data_converter": DataConverter.default})


def _report_json(tenancy_id: str, ref: str, **changes) -> dict:
    return {
        "external_ref": ref, "source_kind": "neighbour", "category": "noise", "severity": "normal",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0).isoformat(),
        "place": "trapphus B",
        "tenancy": {"tenancy_id": tenancy_id, "property_id": "P-12", "area": "Ryd", "housing_form": "ordinary"},
        **changes,
    }  # fmt: skip


async def _file_json(raw: Client, queue: str, body: dict, update_id: str, start_input: dict | None = None) -> dict:
    tenancy_id = body["tenancy"]["tenancy_id"]
    operation = WithStartWorkflowOperation(
        "DisturbanceCaseWorkflow", start_input if start_input is not None else {},
        id=f"case-{tenancy_id}", task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )  # fmt: skip
    return await raw.execute_update_with_start_workflow(
        "file_report", body, start_workflow_operation=operation, id=update_id, result_type=dict
    )


async def test_a_case_system_files_by_plain_json_and_reads_the_refusal(local_env):
    raw, standins = _plain_client(local_env.client), StandIns(policy=case_policy(version="worker-2026"))
    async with case_worker(local_env.client, standins) as queue:
        tenancy_id = f"T{uuid.uuid4().hex[:10]}"
        body = _report_json(tenancy_id, "CS-100")
        receipt = await _file_json(raw, queue, body, "report-CS-100", start_input={"policy": {}})
        assert receipt["workflow_id"] == f"case-{tenancy_id}" and receipt["stage"] == "reported"
        assert receipt["duplicate"] is False and receipt["case_id"].startswith(tenancy_id)
        view = await CaseDriver(local_env.client, local_env.client.get_workflow_handle(f"case-{tenancy_id}")).view()
        assert view.policy_version == "worker-2026", "a starter's policy is ignored"

        assert await _file_json(raw, queue, body, "report-CS-100-resent") == {**receipt, "duplicate": True}
        events = await _event_count(local_env.client, f"case-{tenancy_id}")
        refused = await _refusal(_file_json(raw, queue, {**body, "place": "gården"}, "report-CS-100-moved"))
        assert refused.type == "ReportRefused" and refused.non_retryable
        assert refused.message == "place: differs from the report first filed under this external_ref"
        future = await _refusal(_file_json(raw, queue, _report_json(tenancy_id, "CS-101", occurred_at="2099-01-01T00:00:00+00:00"), "r-101"))
        assert future.message.startswith("occurred_at: in the future")
        assert await _event_count(local_env.client, f"case-{tenancy_id}") == events, "a refused report leaves no trace"

        joined = await _file_json(raw, queue, _report_json(tenancy_id, "CS-102"), "report-CS-102")
        assert joined["case_id"] == receipt["case_id"], "the case keeps working"
        case = CaseDriver(local_env.client, local_env.client.get_workflow_handle(f"case-{tenancy_id}"))
        await case.step("reject_report", RejectReport(actor=COORDINATOR, reason="x", report_id=receipt["report_id"]))
    assert [r.external_ref for r in standins.of(ActivityName.RECORD_REPORT)] == ["CS-100", "CS-102"]


async def test_a_repeat_after_the_case_closed_answers_from_the_register(local_env, pg_pool):
    from activities.opening import OpeningActivities
    from activities.register import RegisterActivities

    standins, register = StandIns(), RegisterActivities(pg_pool)
    activities = [*register.activities(), standins.send_notice, standins.policy_in_force,
                  *OpeningActivities(register, standins).activities()]  # fmt: skip
    raw = _plain_client(local_env.client)
    from temporalio.worker import Worker

    from workflows.prevention import PreventionWorkflow

    queue = f"tq-{uuid.uuid4().hex[:12]}"
    async with Worker(local_env.client, task_queue=queue, workflows=[DisturbanceCaseWorkflow, PreventionWorkflow], activities=activities):
        tenancy_id = f"T{uuid.uuid4().hex[:10]}"
        body = _report_json(tenancy_id, "CS-200")
        first = await _file_json(raw, queue, body, "report-CS-200")
        handle = local_env.client.get_workflow_handle(f"case-{tenancy_id}")
        await CaseDriver(local_env.client, handle).step(
            "reject_report", RejectReport(actor=COORDINATOR, reason="unfounded", report_id=first["report_id"])
        )
        await handle.result()

        retried = await _file_json(raw, queue, body, "report-CS-200")
        assert retried == first, "the same call again: Temporal answers it from the closed run"
        again = await _file_json(raw, queue, body, "report-CS-200-resent")
        assert again == {**first, "stage": "closed", "duplicate": True}
        assert await local_env.client.get_workflow_handle(f"case-{tenancy_id}").result() is None, "no new case"

        refused = await _refusal(_file_json(raw, queue, {**body, "place": "källaren"}, "report-CS-200-x"))
        assert refused.message == "place: differs from the report first filed under this external_ref"

        fresh = await _file_json(raw, queue, _report_json(tenancy_id, "CS-201"), "report-CS-201")
        assert fresh["case_id"] != first["case_id"] and fresh["stage"] == "reported"
        await local_env.client.get_workflow_handle(f"case-{tenancy_id}").terminate("test over")

    async def register_holds_one_report_per_ref():
        rows = await pg_pool.fetch(
            "SELECT r.external_ref, r.case_id FROM reports r JOIN cases c USING (case_id) WHERE c.tenancy_id = $1 ORDER BY 1",
            tenancy_id,
        )
        assert [(r["external_ref"], r["case_id"]) for r in rows] == [("CS-200", first["case_id"]), ("CS-201", fresh["case_id"])]

    await eventually(register_holds_one_report_per_ref)


def test_the_update_id_follows_the_ref_and_the_facts_but_not_personal_data():
    filed = report(tenancy(), ref="CS 77/ä")
    update_id = report_update_id(filed)
    assert update_id.startswith("report-CS_77__-") and " " not in update_id
    assert report_update_id(filed) == update_id
    assert report_update_id(_moved(filed, place="gården")) != update_id
    named = _moved(filed, tenancy=filed.tenancy.model_copy(update={"tenant_names": ("Bo Bengtsson",)}))
    assert report_update_id(named) == update_id, "names are not in the id, which Temporal keeps unencrypted"
    assert report_update_id(_moved(filed, external_ref="CS_77__")) != update_id, "sanitised refs do not collide"


# -- replay: the intake shape is guarded by its patch ---------------------------------------
async def test_the_intake_history_replays_and_dropping_the_patch_is_caught():
    import json as jsonlib
    from pathlib import Path

    from temporalio.client import WorkflowHistory
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Replayer
    from temporalio.workflow import NondeterminismError

    from workflows.prevention import PreventionWorkflow

    path = Path(__file__).parent / "histories" / "intake_case_opened_by_file_report.json"
    history = WorkflowHistory.from_json(path.stem, jsonlib.loads(path.read_text()))
    await Replayer(workflows=[DisturbanceCaseWorkflow, PreventionWorkflow], data_converter=pydantic_data_converter).replay_workflow(history)

    result = await Replayer(workflows=[CaseOnTheStartersPolicy], data_converter=pydantic_data_converter).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, NondeterminismError)


@workflow.defn(name="DisturbanceCaseWorkflow", sandboxed=False)
class CaseOnTheStartersPolicy(DisturbanceCaseWorkflow):
    """A careless change: someone goes back to the policy in the start input."""

    @workflow.run
    async def run(self, input: RawValue = None):  # type: ignore[assignment]
        return await super().run(input)

    async def _policy_in_force(self):
        return self._start.policy or EscalationPolicy()


async def test_the_temporal_cli_files_a_report_as_the_readme_says(local_env):
    """The README's `temporal workflow execute-update-with-start`, with the CLI itself."""
    import asyncio
    import json as jsonlib

    from runtime.embedded import bundled_binary

    standins = StandIns()
    async with case_worker(local_env.client, standins) as queue:
        tenancy_id = f"T{uuid.uuid4().hex[:10]}"
        body = _report_json(tenancy_id, "CS-77")

        async def cli(update_id: str, report_body: dict) -> tuple[int, str, str]:
            process = await asyncio.create_subprocess_exec(
                bundled_binary("temporal"), "workflow", "execute-update-with-start",
                "--address", local_env.client.service_client.config.target_host,
                "--type", "DisturbanceCaseWorkflow", "--workflow-id", f"case-{tenancy_id}", "--task-queue", queue,
                "--id-conflict-policy", "UseExisting", "--id-reuse-policy", "AllowDuplicate", "--input", "{}",
                "--update-name", "file_report", "--update-id", update_id, "--update-input", jsonlib.dumps(report_body),
                "--output", "json",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await process.communicate()
            return process.returncode, out.decode(), err.decode()

        code, out, _ = await cli("report-CS-77", body)
        assert code == 0
        receipt = jsonlib.loads(out)["updateResult"]
        assert receipt["stage"] == "reported" and receipt["duplicate"] is False
        code, _, err = await cli("report-CS-77-moved", {**body, "place": "gården"})
        assert code == 1
        assert "place: differs from the report first filed under this external_ref (type: ReportRefused, retryable: false)" in err
        assert "gården" not in err


async def test_a_report_that_is_no_report_is_refused_naming_each_field(local_env):
    raw = _plain_client(local_env.client)
    async with case_worker(local_env.client, StandIns()) as queue:
        tenancy_id = f"T{uuid.uuid4().hex[:10]}"
        body = _report_json(tenancy_id, "CS-1", category="shouting", severity="loud")
        del body["place"]
        refused = await _refusal(_file_json(raw, queue, body, "bad-1"))
        assert refused.type == "ReportRefused" and refused.non_retryable
        lines = refused.message.splitlines()
        assert [line.split(":")[0] for line in lines] == ["category", "severity", "place"]
        assert "shouting" not in refused.message and "loud" not in refused.message
        valid = await _file_json(raw, queue, _report_json(tenancy_id, "CS-2"), "good-1")
        assert valid["stage"] == "reported", "the tenancy's case opens with the next valid report"


async def test_a_report_in_a_closing_cases_last_moments_is_sent_again_by_the_client(local_env):
    """The case has closed and waits for a notice still in flight: CaseClosing, which
    TryggClient.report retries until the next case opens."""
    import asyncio

    from client import TryggClient

    standins = StandIns()
    standins.notice_gate = asyncio.Event()
    async with case_worker(local_env.client, standins) as queue:
        home = tenancy()
        trygg = TryggClient(local_env.client, task_queue=queue, policy=case_policy())
        first = await trygg.report(report(home, ref="A"))
        case = CaseDriver(local_env.client, local_env.client.get_workflow_handle(first.workflow_id))
        closed = await case.step("reject_report", RejectReport(actor=COORDINATOR, reason="no", report_id=first.report_id))
        assert closed.stage is CaseStage.CLOSED  # and its extra_rounds notice is still in flight

        late = report(home, ref="B")
        refused = await _refusal(_file(local_env.client, queue, late))
        assert refused.type == "CaseClosing" and not refused.non_retryable

        filing = asyncio.create_task(trygg.report(late))
        await asyncio.sleep(1.0)
        assert not filing.done(), "the client waits while the case finishes"
        standins.notice_gate.set()
        receipt = await asyncio.wait_for(filing, 20)
        assert receipt.case_id != first.case_id and receipt.stage == "reported" and not receipt.duplicate


async def test_a_start_input_that_is_no_case_input_fails_its_run_at_once_naming_the_field(time_env):
    """Decoded by the case itself: a bad start input fails the run with one line, instead
    of failing every workflow task and leaving a run with no case."""
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        handle = await client.start_workflow(
            "DisturbanceCaseWorkflow", {"pending_reports": "not a list", "search_attributes": False},
            id=case_workflow_id(home.tenancy_id), task_queue=queue,
        )  # fmt: skip
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "StartRefused" and cause.non_retryable
        assert "pending_reports" in cause.message and "not a list" not in cause.message
        assert standins.calls == [], "nothing recorded"
