"""A case terminated or reset outside the ladder (the Web UI's Terminate and Reset) shows
in the register and the inbox as an incident for the team lead: the real worker, the
real register, the real incident sweep, on the dev server."""

from __future__ import annotations

import uuid

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.worker import Worker

from activities import build_activities
from domain.models import Role
from register.incidents import case_incidents, review_case_incident
from register.queries import staff_inbox
from runtime.settings import load_settings
from tests.helpers import eventually, unique
from tests.standins import report, tenancy
from workflows.incidents import CaseIncidentSweepWorkflow, SweepInput
from workflows.registry import WORKFLOWS
from workflows.start import file_report

pytestmark = pytest.mark.slow


async def _sweep(client, queue):
    return await client.execute_workflow(
        CaseIncidentSweepWorkflow.run, SweepInput(lookback_hours=1), id=unique("sweep"), task_queue=queue
    )


async def _opened(pg_pool, workflow_id: str) -> str:
    async def row():
        case_id = await pg_pool.fetchval("SELECT case_id FROM cases WHERE workflow_id = $1", workflow_id)
        assert case_id is not None
        return case_id

    return await eventually(row, timeout=20)


@pytest.fixture
async def worker(local_env, pg_pool):
    queue = unique("incidents")
    activity_set = build_activities(pg_pool, load_settings(task_queue=queue), client=local_env.client)
    try:
        async with Worker(local_env.client, task_queue=queue, workflows=WORKFLOWS, activities=activity_set.functions):
            yield queue
    finally:
        await activity_set.close()


async def test_a_case_terminated_in_the_web_ui_becomes_an_incident_for_the_team_lead_once(local_env, pg_pool, worker):
    client = local_env.client
    receipt, handle = await file_report(client, report(tenancy()), task_queue=worker)
    case_id = await _opened(pg_pool, handle.id)
    await handle.terminate(reason="clicked Terminate")

    counts = await _sweep(client, worker)
    assert counts.terminated == 1 and counts.reset == 0
    [incident] = [i for i in await case_incidents(pg_pool) if i.case_id == case_id]
    assert incident.kind == "terminated" and incident.reviewed_at is None
    case = await pg_pool.fetchrow("SELECT stage, outcome, closed_at FROM cases WHERE case_id = $1", case_id)
    assert (case["stage"], case["outcome"]) == ("closed", "terminated_outside_ladder") and case["closed_at"]
    kinds = [r["kind"] for r in await pg_pool.fetch("SELECT kind FROM case_events WHERE case_id = $1 ORDER BY seq", case_id)]
    assert kinds[-1] == "case_terminated_outside_ladder"
    from datetime import UTC, datetime

    inbox = await staff_inbox(pg_pool, now=datetime.now(UTC), role=Role.TEAM_LEAD)
    assert [t.kind for t in inbox if t.case_id == case_id] == ["review_case_incident"]
    reason_leaked = await pg_pool.fetchval("SELECT count(*) FROM case_events WHERE data::text LIKE '%clicked%'")
    assert reason_leaked == 0, "the operator's free-text reason is not copied into the register"

    assert (await _sweep(client, worker)).terminated == 0, "a second sweep records nothing"
    from client import TryggClient

    timeline = await TryggClient(client, task_queue=worker, pool=pg_pool).history(handle.id, Role.TEAM_LEAD)
    assert "incident:case_terminated_outside_ladder" in [e.kind for e in timeline.entries], "trygg history tells it"
    reviewed = await review_case_incident(pg_pool, incident.task_id, reviewer="lena.t", at=datetime.now(UTC))
    assert reviewed.reviewed_by == "lena.t"
    status = await pg_pool.fetchval("SELECT status FROM staff_tasks WHERE task_id = $1", incident.task_id)
    assert status == "done"


async def test_a_case_reset_in_the_web_ui_is_an_incident_and_goes_on_in_its_new_run(local_env, pg_pool, worker):
    client = local_env.client
    _, handle = await file_report(client, report(tenancy()), task_queue=worker)
    case_id = await _opened(pg_pool, handle.id)
    history = await handle.fetch_history()
    completed = [e.event_id for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
    described = await handle.describe()
    await client.workflow_service.reset_workflow_execution(
        ResetWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=handle.id, run_id=described.run_id),
            reason="clicked Reset",
            workflow_task_finish_event_id=completed[-1],
            request_id=str(uuid.uuid4()),
        )
    )

    counts = await _sweep(client, worker)
    assert counts.reset == 1 and counts.terminated == 0
    [incident] = [i for i in await case_incidents(pg_pool) if i.case_id == case_id]
    assert incident.kind == "reset" and incident.run_id == described.run_id
    case = await pg_pool.fetchrow("SELECT closed_at FROM cases WHERE case_id = $1", case_id)
    assert case["closed_at"] is None, "a reset case goes on in its new run"


async def test_trygg_incidents_lists_and_reviews_with_temporal_down(local_env, pg_pool, database_url, worker, tmp_path):
    from tests.console_harness import Trygg, cli_environment

    client = local_env.client
    _, handle = await file_report(client, report(tenancy()), task_queue=worker)
    case_id = await _opened(pg_pool, handle.id)
    await handle.terminate(reason="clicked Terminate")
    await _sweep(client, worker)
    trygg = Trygg({**cli_environment(local_env, database_url, worker, tmp_path), "TEMPORAL_ADDRESS": "127.0.0.1:1"})
    listed = await trygg("incidents", "--json")
    assert listed.code == 0, listed.err
    [mine] = [i for i in listed.json() if i["case_id"] == case_id]
    human = await trygg("incidents")
    assert case_id in human.out and "terminated" in human.out and ("CET" in human.out or "CEST" in human.out)
    refused = await trygg("incidents", "review", mine["task_id"], "--as", "coordinator:anna.s")
    assert refused.code == 2 and "team lead" in refused.err
    done = await trygg("incidents", "review", mine["task_id"], "--as", "team_lead:lena.t", "--json")
    assert done.code == 0, done.err
    assert done.json()["reviewed_by"] == "lena.t"
    assert case_id not in (await trygg("incidents")).out, "a reviewed incident leaves the list"
