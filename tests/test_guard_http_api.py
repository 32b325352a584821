"""Temporal's HTTP API, as a script in any language would use it, against a dev server of
its own (so its HTTP port is known) and the real worker with payload keys: a step sent as
plain JSON is refused with one line, no stack trace and no value."""

from __future__ import annotations

import uuid

import httpx
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from activities import build_activities
from runtime.devstack import local_server_ports
from runtime.embedded import bundled_binary
from runtime.settings import load_settings
from tests.helpers import eventually, running_worker, unique
from tests.test_guard_foreign_clients import (
    COORDINATOR,
    KEYS,
    SECRET,
    _has_case,
    _quiet,
    foreign_client,
    history_length,
    report_json,
    signal_with_start,
    trygg_client,
)
from workflows import search_attributes
from workflows.registry import WORKFLOWS


@pytest_asyncio.fixture(loop_scope="session")
async def http_env(pg_pool):
    """A dev server whose HTTP API port this test knows, with a Trygg worker on it."""
    ports = local_server_ports()
    http_port = ports["dev_server_extra_args"][1]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"), search_attributes=search_attributes.ALL,
        dev_server_log_level="error", **ports,
    )  # fmt: skip
    settings = load_settings(payload_keys=KEYS)
    activity_set = build_activities(pg_pool, settings)
    try:
        async with running_worker(trygg_client(env), workflows=WORKFLOWS, activities=activity_set.functions) as worker:
            yield env, worker.task_queue, f"http://127.0.0.1:{http_port}"
    finally:
        await activity_set.close()
        await env.shutdown()


async def update_over_http(base: str, namespace: str, workflow_id: str, name: str, argument: dict) -> dict:
    """POST the Update as Temporal's HTTP API takes it: payloads as plain JSON values."""
    body = {
        "workflowExecution": {"workflowId": workflow_id},
        "waitPolicy": {"lifecycleStage": "UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED"},
        "request": {"meta": {"updateId": uuid.uuid4().hex}, "input": {"name": name, "args": [argument]}},
    }
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        answer = await http.post(f"/api/v1/namespaces/{namespace}/workflows/{workflow_id}/update/{name}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_step_over_the_http_api_without_the_codec_is_refused_in_one_line_without_a_stack_trace(http_env):
    env, queue, base = http_env
    tenancy_id = unique("T")
    handle = await signal_with_start(foreign_client(env, codec=True), queue, tenancy_id, report_json(tenancy_id))
    case = trygg_client(env).get_workflow_handle(handle.id)
    await eventually(lambda: _has_case(case))
    await eventually(lambda: _quiet(case), timeout=15)
    events = await history_length(case)

    answer = await update_over_http(base, env.client.namespace, handle.id, "add_note", {"actor": COORDINATOR, "reason": SECRET})
    failure = answer["outcome"]["failure"]
    assert failure["applicationFailureInfo"]["type"] == "PlaintextPayloadRefused"
    assert failure["applicationFailureInfo"].get("nonRetryable") is True
    assert "unencrypted" in failure["message"] and "\n" not in failure["message"]
    assert not failure.get("stackTrace") and "cause" not in failure, "no worker file paths over HTTP"
    assert SECRET not in str(answer)
    assert await history_length(case) == events

    assert (await case.execute_update("add_note", {"actor": COORDINATOR, "reason": "by the console"}))["notes"] == 1


