"""A partner's signed acknowledgement, POSTed to the real API (uvicorn on loopback),
reaches the case workflow on the dev server as the `acknowledge_notice` signal."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime

import httpx
import pytest_asyncio
from temporalio import workflow
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import ActivityEnvironment

from activities.notify import NotificationActivities
from api.app import ACKNOWLEDGE_SIGNAL, create_app
from api.server import build_server, serve
from domain.records import NoticeAcknowledgement, NoticeKind, NoticeRequest
from partners.channels import SmtpSettings
from partners.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from tests.helpers import eventually, running_worker, unique
from tests.partner_servers import SECRET, WebhookPartner, directory, insert_case, notice_facts, outbox_row, webhook_partner


@workflow.defn(sandboxed=False)
class AwaitsAcknowledgementWorkflow:
    """Stand-in for the case workflow's acknowledgement handler."""

    def __init__(self) -> None:
        self.acks: list[NoticeAcknowledgement] = []

    @workflow.signal(name=ACKNOWLEDGE_SIGNAL)
    def acknowledge_notice(self, ack: NoticeAcknowledgement) -> None:
        self.acks.append(ack)

    @workflow.run
    async def run(self) -> list[NoticeAcknowledgement]:
        await workflow.wait_condition(lambda: len(self.acks) >= 1)
        return self.acks


@pytest_asyncio.fixture(loop_scope="session")
async def partner():
    receiver = WebhookPartner(SECRET)
    yield receiver
    receiver.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def api(local_env, pg_pool, partner):
    """The API on a loopback port, with a directory of one webhook partner."""
    directory_ = directory(webhook_partner("soc", partner.url), webhook_partner("other", partner.url))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = build_server(create_app(directory_, pg_pool, local_env.client))
    task = asyncio.create_task(serve(server, sock))
    while not server.started:
        await asyncio.sleep(0.02)
    port = sock.getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        yield client, directory_
    server.should_exit = True
    await task
    sock.close()


async def send_notice(pg_pool, directory_, workflow_id: str) -> NoticeRequest:
    case_id = await insert_case(pg_pool)
    request = NoticeRequest(
        notice_id=unique("notice"), case_id=case_id, kind=NoticeKind.DISTURBANCE_NOTICE,
        requested_at=datetime.now(UTC), legal_basis="12 kap. 25 § jordabalken", facts=notice_facts(),
        workflow_id=workflow_id,
    )  # fmt: skip
    async with httpx.AsyncClient() as http:
        acts = NotificationActivities(pg_pool, directory_, http, SmtpSettings(host="127.0.0.1", port=1))
        await ActivityEnvironment().run(acts.send_notice, request)
    return request


def signed(body: dict, secret: bytes = SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", **signed_headers(secret, raw)}


async def test_a_signed_acknowledgement_reaches_the_case_as_a_signal_and_is_recorded(local_env, pg_pool, api):
    http, directory_ = api
    async with running_worker(local_env.client, workflows=[AwaitsAcknowledgementWorkflow]) as worker:
        handle = await local_env.client.start_workflow(
            AwaitsAcknowledgementWorkflow.run, id=unique("case"), task_queue=worker.task_queue
        )
        request = await send_notice(pg_pool, directory_, handle.id)
        body, headers = signed({"notice_id": request.notice_id})

        response = await http.post("/partners/soc/acknowledgements", content=body, headers=headers)

        assert response.status_code == 202 and response.json()["case_notified"] is True
        [ack] = await handle.result()
    assert ack.notice_id == request.notice_id and ack.partner_id == "soc"
    row = await outbox_row(pg_pool, request.notice_id, "soc")
    assert row["acknowledged_at"] is not None


async def test_a_bad_signature_an_unknown_notice_or_another_partners_notice_is_refused(local_env, pg_pool, api):
    http, directory_ = api
    async with running_worker(local_env.client, workflows=[AwaitsAcknowledgementWorkflow]) as worker:
        handle = await local_env.client.start_workflow(
            AwaitsAcknowledgementWorkflow.run, id=unique("case"), task_queue=worker.task_queue
        )
        request = await send_notice(pg_pool, directory_, handle.id)
        body, headers = signed({"notice_id": request.notice_id}, secret=b"not-the-partners-secret")
        bad_signature = await http.post("/partners/soc/acknowledgements", content=body, headers=headers)
        body, headers = signed({"notice_id": request.notice_id})
        tampered = await http.post("/partners/soc/acknowledgements", content=body + b" ", headers=headers)
        stale = await http.post(
            "/partners/soc/acknowledgements", content=body,
            headers={**headers, TIMESTAMP_HEADER: "1700000000", SIGNATURE_HEADER: headers[SIGNATURE_HEADER]},
        )  # fmt: skip
        body, headers = signed({"notice_id": "never-sent"})
        unknown = await http.post("/partners/soc/acknowledgements", content=body, headers=headers)
        body, headers = signed({"notice_id": request.notice_id})
        unknown_partner = await http.post("/partners/nobody/acknowledgements", content=body, headers=headers)
        not_json = await http.post("/partners/soc/acknowledgements", content=b"hello", headers=signed({})[1])

        assert [bad_signature.status_code, tampered.status_code, stale.status_code] == [401, 401, 401]
        assert unknown.status_code == 404 and unknown_partner.status_code == 404
        assert not_json.status_code == 401  # signed over a different body
        description = await handle.describe()
        assert description.status is WorkflowExecutionStatus.RUNNING
        await handle.terminate("test over")
    assert (await outbox_row(pg_pool, request.notice_id, "soc"))["acknowledged_at"] is None


async def test_an_acknowledgement_for_a_closed_case_is_recorded_without_a_signal(local_env, pg_pool, api):
    http, directory_ = api
    request = await send_notice(pg_pool, directory_, unique("case-gone"))
    body, headers = signed({"notice_id": request.notice_id})

    response = await http.post("/partners/soc/acknowledgements", content=body, headers=headers)

    assert response.status_code == 202 and response.json()["case_notified"] is False

    async def recorded() -> None:
        assert (await outbox_row(pg_pool, request.notice_id, "soc"))["acknowledged_at"] is not None

    await eventually(recorded)
