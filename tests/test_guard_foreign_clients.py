"""Clients Trygg did not write, on the real dev server and worker (real register on
embedded PostgreSQL, payload keys set): a Python script on the bare Temporal SDK that
sends plain JSON, with Trygg's codec and without it.

Each refusal must reach its sender (or, for a signal, which has no answer, an operator)
as one line naming the field, with no value and no stack trace; the case must keep
working afterwards; and nothing may be recorded for the refused input."""

from __future__ import annotations

import asyncio

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError

from activities import build_activities
from domain.inputs import CaseInput
from runtime.codec import EncryptionCodec, new_key_setting
from runtime.connections import data_converter
from runtime.settings import load_settings
from tests.helpers import eventually, running_worker, unique
from tests.standins import case_policy
from workflows.registry import WORKFLOWS

KEYS = new_key_setting("k-guard")
SECRET = "Hemlig Granne på Storgatan 1"
"""A value that must never come back in a refusal, a log line or the register."""

TEAM_LEAD = {"id": "lead-1", "role": "team_lead"}
COORDINATOR = {"id": "coord-1", "role": "coordinator"}


def trygg_client(local_env) -> Client:
    """What Trygg's own processes use: its converter, with the keys."""
    return Client(**{**local_env.client.config(), "data_converter": data_converter(load_settings(payload_keys=KEYS))})


def foreign_client(local_env, *, codec: bool) -> Client:
    """A script on the bare SDK: the default JSON converter, plain dicts, and Trygg's codec or none."""
    converter = DataConverter(payload_codec=EncryptionCodec.from_setting(KEYS)) if codec else DataConverter()
    return Client(**{**local_env.client.config(), "data_converter": converter})


@pytest_asyncio.fixture(loop_scope="session")
async def worker(local_env, pg_pool):
    """The production worker's workflows and activities, connected as Trygg connects."""
    settings = load_settings(payload_keys=KEYS)
    activity_set = build_activities(pg_pool, settings)
    try:
        async with running_worker(trygg_client(local_env), workflows=WORKFLOWS, activities=activity_set.functions) as w:
            yield w.task_queue
    finally:
        await activity_set.close()


def start_input() -> dict[str, Any]:
    """The case's start argument as plain JSON, as a foreign starter sends it."""
    return CaseInput(policy=case_policy(), search_attributes=True).model_dump(mode="json")


def report_json(tenancy_id: str, **changes: Any) -> dict[str, Any]:
    report = {
        "external_ref": unique("ext"),
        "source_kind": "neighbour",
        "category": "noise",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "place": "stairwell B",
        "tenancy": {"tenancy_id": tenancy_id, "property_id": "P-12", "area": "Ryd"},
    }
    report.update(changes)
    return {k: v for k, v in report.items() if v is not None}


def malformed_report(tenancy_id: str) -> dict[str, Any]:
    """No place, a category that is not one, and the complainant's name far too long."""
    return report_json(tenancy_id, place=None, category="yes", complainant={"name": SECRET * 20})


async def signal_with_start(client: Client, queue: str, tenancy_id: str, report: dict[str, Any]):
    return await client.start_workflow(
        "DisturbanceCaseWorkflow", start_input(), id=f"case-{tenancy_id}", task_queue=queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE, start_signal="report", start_signal_args=[report],
    )  # fmt: skip


async def open_case(local_env, queue: str) -> tuple[str, Any]:
    """A case opened the ordinary way (by a client with the codec), its first turn done."""
    tenancy_id = unique("T")
    handle = await signal_with_start(foreign_client(local_env, codec=True), queue, tenancy_id, report_json(tenancy_id))
    trygg = trygg_client(local_env).get_workflow_handle(handle.id)
    await eventually(lambda: _has_case(trygg))
    await eventually(lambda: _quiet(trygg), timeout=15)
    return tenancy_id, trygg


async def _quiet(handle) -> None:
    """The first turn written and its notices sent: the history stays as it is until the next input."""
    description = await handle.describe()
    assert not description.raw_description.pending_activities
    events = (await handle.fetch_history()).events
    # The last task completed; under the law's rules a delivered notice is a turn of its own,
    # whose commands (a register write, the next timer) follow that task's completion.
    idle_after = {
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_TIMER_STARTED,
        EventType.EVENT_TYPE_TIMER_CANCELED,
        EventType.EVENT_TYPE_MARKER_RECORDED,
        EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    }
    assert events[-1].event_type in idle_after
    await asyncio.sleep(0.3)
    assert len((await handle.fetch_history()).events) == len(events), "nothing more is coming"


async def _has_case(handle) -> None:
    try:
        view = await handle.query("view")
    except Exception as error:  # noqa: BLE001 - not open yet
        raise AssertionError(str(error)) from None
    assert view["case_id"]


async def add_note(handle, reason: str = "called the tenant") -> dict[str, Any]:
    return await handle.execute_update("add_note", {"actor": COORDINATOR, "reason": reason})


async def keeps_working(local_env, case, tenancy_id: str) -> None:
    """After a refusal: a later valid report joins the case and a step is taken."""
    reports = len((await case.query("view"))["reports"])
    await foreign_client(local_env, codec=True).get_workflow_handle(case.id).signal("report", report_json(tenancy_id))

    async def joined() -> None:
        assert len((await case.query("view"))["reports"]) == reports + 1

    await eventually(joined)
    notes = (await case.query("view"))["notes"]
    assert (await add_note(case))["notes"] == notes + 1


async def refused_event(pool, workflow_id: str) -> str:
    """The data of the case's `intake_refused` event, once the register has it (the view
    answers from the workflow's state, a moment before its turn is written)."""

    async def written() -> str:
        async with pool.acquire() as conn:
            data = await conn.fetchval(
                "SELECT e.data FROM case_events e JOIN cases c USING (case_id)"
                " WHERE c.workflow_id = $1 AND kind = 'intake_refused'",
                workflow_id,
            )
        assert data is not None
        return data

    return await eventually(written)


async def history_length(handle) -> int:
    return len((await handle.fetch_history()).events)


async def register_rows(pool, workflow_id: str) -> dict[str, int]:
    """What the register holds for a workflow id: cases, their reports and events, and incidents."""
    async with pool.acquire() as conn:
        return {
            "cases": await conn.fetchval("SELECT count(*) FROM cases WHERE workflow_id = $1", workflow_id),
            "reports": await conn.fetchval(
                "SELECT count(*) FROM reports r JOIN cases c USING (case_id) WHERE c.workflow_id = $1", workflow_id
            ),
            "events": await conn.fetchval(
                "SELECT count(*) FROM case_events e JOIN cases c USING (case_id) WHERE c.workflow_id = $1", workflow_id
            ),
            "incidents": await conn.fetchval("SELECT count(*) FROM intake_incidents WHERE workflow_id = $1", workflow_id),
        }


def assert_one_line_refusal(error: BaseException, kind: str, *fields: str) -> ApplicationError:
    assert isinstance(error, ApplicationError), repr(error)
    assert error.type == kind and error.non_retryable, (error.type, error.non_retryable)
    assert "\n" not in error.message and SECRET not in error.message and "Hemlig" not in error.message
    for field in fields:
        assert field in error.message, (field, error.message)
    assert error.failure is not None
    assert error.failure.stack_trace == "", "no stack trace (file paths) reaches a foreign client"
    assert not error.failure.HasField("cause"), "no wrapped exception (pydantic's dump) either"
    return error


async def test_a_malformed_report_by_signal_with_start_is_an_incident_and_the_run_ends(local_env, pg_pool, worker, caplog):
    tenancy_id = unique("T")
    sender = foreign_client(local_env, codec=True)
    handle = await signal_with_start(sender, worker, tenancy_id, malformed_report(tenancy_id))

    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    refusal = assert_one_line_refusal(failed.value.cause, "IntakeRefused", "place", "category", "complainant.name")
    assert refusal.message.startswith("report refused, no case opened:")

    async def visible() -> None:
        found = [w.id async for w in sender.list_workflows(f"WorkflowId = '{handle.id}' AND TryggIntakeRefused = true")]
        assert found == [handle.id]

    await eventually(visible, timeout=15)
    async with pg_pool.acquire() as conn:
        [row] = await conn.fetch("SELECT * FROM intake_incidents WHERE workflow_id = $1", handle.id)
    assert row["cause"] == "invalid" and row["run_id"] == handle.result_run_id
    assert {"place", "category", "complainant.name"} <= set(row["fields"])
    assert not any("Hemlig" in reason for reason in row["reasons"])
    assert await register_rows(pg_pool, handle.id) == {"cases": 0, "reports": 0, "events": 0, "incidents": 1}

    kinds = {EventType.Name(e.event_type) for e in (await handle.fetch_history()).events}
    assert not {k for k in kinds if "ACTIVITY_TASK" in k or "TIMER" in k or "CHILD" in k}, "nothing but the incident"
    assert "Hemlig" not in caplog.text, "no value in any log line"
    with pytest.raises(Exception, match="was refused"):
        await trygg_client(local_env).get_workflow_handle(handle.id).query("view")

    # The tenancy keeps working: a valid report opens its case, and a step is taken.
    retry = await signal_with_start(sender, worker, tenancy_id, report_json(tenancy_id))
    case = trygg_client(local_env).get_workflow_handle(retry.id)
    await eventually(lambda: _has_case(case))
    assert (await add_note(case))["notes"] == 1
    assert (await register_rows(pg_pool, handle.id))["reports"] == 1


async def test_a_malformed_report_to_an_open_case_is_recorded_in_it_and_raised_to_the_team_lead(local_env, pg_pool, worker):
    tenancy_id, case = await open_case(local_env, worker)
    before = await register_rows(pg_pool, case.id)
    await foreign_client(local_env, codec=True).get_workflow_handle(case.id).signal("report", malformed_report(tenancy_id))

    async def refused_task() -> dict:
        view = await case.query("view")
        [task] = [t for t in view["open_tasks"] if t["kind"] == "review_refused_intake"]
        return task

    task = await eventually(refused_task, timeout=15)
    assert task["role"] == "team_lead"
    view = await case.query("view")
    assert len(view["reports"]) == 1, "nothing of the refused report entered the case"
    data = await refused_event(pg_pool, case.id)
    assert "place" in data and "invalid" in data and "Hemlig" not in data
    after = await register_rows(pg_pool, case.id)
    assert after["reports"] == before["reports"] and after["incidents"] == 0

    async def flagged(expected: bool) -> None:
        found = [w.id async for w in case._client.list_workflows(f"WorkflowId = '{case.id}' AND TryggIntakeRefused = {str(expected).lower()}")]
        assert found == [case.id]

    await eventually(lambda: flagged(True), timeout=15)

    # The case keeps working: a valid report joins, a step is taken, the lead closes the task.
    await foreign_client(local_env, codec=True).get_workflow_handle(case.id).signal("report", report_json(tenancy_id))

    async def two_reports() -> None:
        assert len((await case.query("view"))["reports"]) == 2

    await eventually(two_reports)
    await add_note(case)
    await case.execute_update("complete_task", {"actor": TEAM_LEAD, "reason": "case system fixed", "task_id": task["task_id"]})
    await eventually(lambda: flagged(False), timeout=15)


async def test_a_report_signal_with_no_argument_two_or_no_report_is_refused_not_a_frozen_case(local_env, pg_pool, worker):
    tenancy_id, case = await open_case(local_env, worker)
    sender = foreign_client(local_env, codec=True).get_workflow_handle(case.id)
    await sender.signal("report")
    await sender.signal("report", args=[report_json(tenancy_id), report_json(tenancy_id)])
    await sender.signal("report", None)  # binary/null: its converter answers None whatever the type
    await sender.signal("report", b"not a report")  # binary/plain: bytes, likewise

    async def all_refused() -> None:
        view = await case.query("view")
        assert len([t for t in view["open_tasks"] if t["kind"] == "review_refused_intake"]) == 4

    await eventually(all_refused, timeout=15)
    assert len((await case.query("view"))["reports"]) == 1
    await keeps_working(local_env, case, tenancy_id)


async def test_an_update_with_a_missing_field_is_one_line_naming_it_non_retryable_and_without_values(
    local_env, pg_pool, worker, caplog
):
    tenancy_id, case = await open_case(local_env, worker)
    sender = foreign_client(local_env, codec=True).get_workflow_handle(case.id)
    events, rows = await history_length(case), await register_rows(pg_pool, case.id)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await sender.execute_update("verify_report", {"actor": COORDINATOR, "reason": SECRET * 200})
    assert_one_line_refusal(refused.value.cause, "InvalidInput", "report_id: Field required", "method: Field required", "reason:")
    assert "Hemlig" not in caplog.text, "no value in any log line"

    assert await history_length(case) == events, "a refused Update leaves no event"
    assert await register_rows(pg_pool, case.id) == rows
    await keeps_working(local_env, case, tenancy_id)


async def test_a_step_the_ladder_refuses_comes_back_without_a_stack_trace(local_env, worker):
    _, case = await open_case(local_env, worker)
    sender = foreign_client(local_env, codec=True).get_workflow_handle(case.id)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await sender.execute_update("record_contact", {"actor": COORDINATOR, "reason": "phoned", "method": "call"})
    assert_one_line_refusal(refused.value.cause, "StepRefused")


async def test_a_plaintext_update_is_refused_to_its_sender_when_keys_are_set(local_env, pg_pool, worker):
    tenancy_id, case = await open_case(local_env, worker)
    plain = foreign_client(local_env, codec=False).get_workflow_handle(case.id)
    events, rows = await history_length(case), await register_rows(pg_pool, case.id)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await plain.execute_update("add_note", {"actor": COORDINATOR, "reason": SECRET})
    assert_one_line_refusal(refused.value.cause, "PlaintextPayloadRefused", "unencrypted", "--codec-endpoint")

    assert await history_length(case) == events and await register_rows(pg_pool, case.id) == rows
    await keeps_working(local_env, case, tenancy_id)


async def test_a_plaintext_report_to_an_open_case_is_a_refused_intake_with_nothing_of_it_kept(local_env, pg_pool, worker):
    tenancy_id, case = await open_case(local_env, worker)
    await foreign_client(local_env, codec=False).get_workflow_handle(case.id).signal(
        "report", report_json(tenancy_id, place=SECRET)
    )

    async def refused() -> dict:
        view = await case.query("view")
        assert [t for t in view["open_tasks"] if t["kind"] == "review_refused_intake"]
        return view

    view = await eventually(refused, timeout=15)
    assert len(view["reports"]) == 1
    data = await refused_event(pg_pool, case.id)
    async with pg_pool.acquire() as conn:
        places = await conn.fetch("SELECT place FROM reports r JOIN cases c USING (case_id) WHERE c.workflow_id = $1", case.id)
    assert "unencrypted" in data and SECRET not in data
    assert [p["place"] for p in places] == ["stairwell B"]
    await keeps_working(local_env, case, tenancy_id)


async def test_a_plaintext_start_fails_that_run_with_the_reason_and_records_nothing(local_env, pg_pool, worker):
    tenancy_id = unique("T")
    handle = await signal_with_start(foreign_client(local_env, codec=False), worker, tenancy_id, report_json(tenancy_id))
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert_one_line_refusal(failed.value.cause, "PlaintextPayloadRefused", "unencrypted")
    assert await register_rows(pg_pool, handle.id) == {"cases": 0, "reports": 0, "events": 0, "incidents": 0}

    retry = await signal_with_start(foreign_client(local_env, codec=True), worker, tenancy_id, report_json(tenancy_id))
    case = trygg_client(local_env).get_workflow_handle(retry.id)
    await eventually(lambda: _has_case(case))
    assert (await add_note(case))["notes"] == 1


async def test_a_plaintext_query_is_refused_to_its_sender(local_env, worker):
    _, case = await open_case(local_env, worker)
    plain = foreign_client(local_env, codec=False).get_workflow_handle(case.id)
    with pytest.raises(Exception, match="unencrypted"):
        await plain.query("view", "coordinator")
    assert (await case.query("view", "coordinator"))["case_id"]




@pytest_asyncio.fixture(loop_scope="session")
async def migrating_worker(local_env, pg_pool):
    """A worker during a migration to encryption: TRYGG_ACCEPT_PLAINTEXT_PAYLOADS=true."""
    settings = load_settings(payload_keys=KEYS, accept_plaintext_payloads=True)
    client = Client(**{**local_env.client.config(), "data_converter": data_converter(settings)})
    activity_set = build_activities(pg_pool, settings)
    try:
        async with running_worker(client, workflows=WORKFLOWS, activities=activity_set.functions) as w:
            yield w.task_queue
    finally:
        await activity_set.close()


async def test_during_a_migration_to_encryption_plaintext_is_read_when_the_setting_allows(local_env, migrating_worker):
    tenancy_id = unique("T")
    plain = foreign_client(local_env, codec=False)
    handle = await signal_with_start(plain, migrating_worker, tenancy_id, report_json(tenancy_id))
    case = trygg_client(local_env).get_workflow_handle(handle.id)
    await eventually(lambda: _has_case(case))
    with pytest.raises(Exception, match="binary/encrypted"):  # applied, but its encrypted answer is unreadable
        await plain.get_workflow_handle(handle.id).execute_update("add_note", {"actor": COORDINATOR, "reason": "plain"})
    assert (await case.query("view"))["notes"] == 1, "the step was applied: do not send it again"
