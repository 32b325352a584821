"""Failure injection through Temporal: the real send_notice activity, called by name with a
retry policy from a small stand-in of the case workflow, against partners that fail.

The stand-in does what the ladder does: on a final ActivityError it opens "deliver by
hand" and carries on. Counts are exact: how many requests reached the partner, how many
notices it holds after deduplicating on the idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from activities.notify import PERMANENT_ERROR, NotificationActivities
from domain.records import ActivityName, NoticeKind, NoticeOutcome, NoticeRequest
from partners.channels import SmtpSettings, message_id
from tests.helpers import running_worker, unique
from tests.partner_servers import (
    SECRET,
    MailPartner,
    WebhookPartner,
    directory,
    disclosures_of,
    free_port,
    insert_case,
    mail_partner,
    notice_facts,
    outbox_row,
    webhook_partner,
)


@workflow.defn(sandboxed=False)
class DeliverOrHandWorkflow:
    """Stand-in for the case workflow's notice step."""

    @workflow.run
    async def run(self, request: NoticeRequest, maximum_attempts: int) -> list[str]:
        steps: list[str] = []
        try:
            outcome = await workflow.execute_activity(
                ActivityName.SEND_NOTICE,
                request,
                result_type=NoticeOutcome,
                start_to_close_timeout=timedelta(seconds=20),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(milliseconds=50),
                    backoff_coefficient=1.0,
                    maximum_attempts=maximum_attempts,
                    non_retryable_error_types=[PERMANENT_ERROR],
                ),
            )
            steps.append("delivered:" + ",".join(outcome.delivered_to))
        except ActivityError as error:
            cause = error.cause
            kind = cause.type if isinstance(cause, ApplicationError) else "?"
            steps.append(f"deliver_by_hand:{kind}")
        steps.append("case_continues")
        return steps


@pytest.fixture
def mail():
    partner = MailPartner()
    yield partner
    partner.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def http():
    async with httpx.AsyncClient() as client:
        yield client


def notice(case_id: str, kind: NoticeKind = NoticeKind.DISTURBANCE_NOTICE) -> NoticeRequest:
    return NoticeRequest(
        notice_id=unique("notice"),
        case_id=case_id,
        kind=kind,
        requested_at=datetime(2025, 3, 5, 9, tzinfo=UTC),
        legal_basis="12 kap. 25 § jordabalken",
        facts=notice_facts(),
    )


async def run_case(local_env, acts: NotificationActivities, request: NoticeRequest, attempts: int = 4) -> list[str]:
    client = local_env.client
    async with running_worker(client, workflows=[DeliverOrHandWorkflow], activities=acts.activities()) as worker:
        return await client.execute_workflow(
            DeliverOrHandWorkflow.run,
            args=[request, attempts],
            id=unique("wf"),
            task_queue=worker.task_queue,
        )


def notify(pg_pool, http, mail, *partners, after_send=None) -> NotificationActivities:
    smtp = SmtpSettings(host="127.0.0.1", port=mail.port, mail_from="trygg@bb.example", timeout=5)
    return NotificationActivities(pg_pool, directory(*partners), http, smtp, after_send=after_send)


async def test_two_server_errors_then_success_delivers_once_on_the_third_attempt(local_env, pg_pool, http, mail):
    partner = WebhookPartner(SECRET, script=["500", "503"])
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        steps = await run_case(local_env, notify(pg_pool, http, mail, webhook_partner("soc", partner.url)), request)
    finally:
        partner.stop()
    assert steps == ["delivered:soc", "case_continues"]
    assert len(partner.requests) == 3 and len(partner.held) == 1
    assert {r.key for r in partner.requests} == {f"{request.notice_id}.soc"}
    assert (await outbox_row(pg_pool, request.notice_id, "soc"))["attempts"] == 3
    assert len(await disclosures_of(pg_pool, request.notice_id)) == 1


async def test_an_outage_past_the_retry_budget_means_deliver_by_hand_and_the_case_goes_on(local_env, pg_pool, http, mail):
    partner = WebhookPartner(SECRET, script=["500"] * 10)
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        steps = await run_case(local_env, notify(pg_pool, http, mail, webhook_partner("soc", partner.url)), request, 3)
    finally:
        partner.stop()
    assert steps == ["deliver_by_hand:TransientDeliveryError", "case_continues"]
    assert len(partner.requests) == 3 and not partner.held
    row = await outbox_row(pg_pool, request.notice_id, "soc")
    assert row["status"] == "pending" and row["last_error"] == "HTTP 500"
    assert await disclosures_of(pg_pool, request.notice_id) == []


async def test_a_bad_request_is_permanent_no_retry_and_deliver_by_hand(local_env, pg_pool, http, mail):
    partner = WebhookPartner(SECRET, script=["400"])
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        steps = await run_case(local_env, notify(pg_pool, http, mail, webhook_partner("soc", partner.url)), request)
    finally:
        partner.stop()
    assert steps == ["deliver_by_hand:PermanentDeliveryError", "case_continues"]
    assert len(partner.requests) == 1
    assert (await outbox_row(pg_pool, request.notice_id, "soc"))["status"] == "failed"
    assert await disclosures_of(pg_pool, request.notice_id) == []


async def test_a_timeout_after_the_partner_stored_the_notice_is_resent_with_the_same_key_and_held_once(
    local_env, pg_pool, http, mail
):
    partner = WebhookPartner(SECRET, script=["hang", "ok"])
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        acts = notify(pg_pool, http, mail, webhook_partner("soc", partner.url, timeout=0.5))
        steps = await run_case(local_env, acts, request)
    finally:
        partner.stop()
    assert steps == ["delivered:soc", "case_continues"]
    assert len(partner.requests) == 2 and len(partner.held) == 1
    assert partner.requests[0].key == partner.requests[1].key


async def test_a_refused_connection_is_retried_then_handed_over(local_env, pg_pool, http, mail):
    case_id = await insert_case(pg_pool)
    request = notice(case_id)
    nobody = f"http://127.0.0.1:{free_port()}/notices"
    steps = await run_case(local_env, notify(pg_pool, http, mail, webhook_partner("soc", nobody)), request, 3)
    assert steps == ["deliver_by_hand:TransientDeliveryError", "case_continues"]
    row = await outbox_row(pg_pool, request.notice_id, "soc")
    assert row["attempts"] == 3 and row["last_error"].startswith("connection failed")


async def test_too_many_requests_waits_and_retries(local_env, pg_pool, http, mail):
    partner = WebhookPartner(SECRET, script=["429"])
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        steps = await run_case(local_env, notify(pg_pool, http, mail, webhook_partner("soc", partner.url)), request)
    finally:
        partner.stop()
    assert steps == ["delivered:soc", "case_continues"]
    assert len(partner.requests) == 2 and len(partner.held) == 1


async def test_one_partner_refusing_does_not_stop_the_others(local_env, pg_pool, http, mail):
    good = WebhookPartner(SECRET)
    bad = WebhookPartner(SECRET, script=["404"])
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        acts = notify(pg_pool, http, mail, webhook_partner("good", good.url), webhook_partner("bad", bad.url))
        steps = await run_case(local_env, acts, request)
    finally:
        good.stop()
        bad.stop()
    assert steps == ["deliver_by_hand:PermanentDeliveryError", "case_continues"]
    assert len(good.held) == 1 and len(bad.requests) == 1
    assert [d["partner_id"] for d in await disclosures_of(pg_pool, request.notice_id)] == ["good"]


async def test_mail_server_busy_then_accepts_and_an_unknown_address_is_permanent(local_env, pg_pool, http):
    mail = MailPartner(refuse=("nobody@bb.example",), script=["451"])
    try:
        case_id = await insert_case(pg_pool)
        busy, unknown = notice(case_id, NoticeKind.WARNING_TO_TENANT), notice(case_id, NoticeKind.WARNING_TO_TENANT)
        ok_steps = await run_case(local_env, notify(pg_pool, http, mail, mail_partner("post", "post@bb.example")), busy)
        bad_steps = await run_case(local_env, notify(pg_pool, http, mail, mail_partner("post", "nobody@bb.example")), unknown)
    finally:
        mail.stop()
    assert ok_steps == ["delivered:post", "case_continues"]
    assert bad_steps == ["deliver_by_hand:PermanentDeliveryError", "case_continues"]
    assert len(mail.received) == 1 and list(mail.held) == [message_id(f"{busy.notice_id}.post")]
    assert (await outbox_row(pg_pool, unknown.notice_id, "post"))["last_error"].startswith("SMTP recipient refused 550")


class CrashOnce:
    """Kills the activity after the partner got the notice and before the outbox says so:
    what a worker dying at that instant looks like to Temporal."""

    def __init__(self) -> None:
        self.crashed = 0

    def __call__(self, notice_id: str, partner_id: str) -> None:
        if not self.crashed:
            self.crashed += 1
            raise RuntimeError("worker killed between send and record")


async def test_worker_killed_between_send_and_record_resends_same_key_and_partner_holds_it_once(
    local_env, pg_pool, http, mail
):
    partner = WebhookPartner(SECRET)
    crash = CrashOnce()
    try:
        case_id = await insert_case(pg_pool)
        request = notice(case_id)
        acts = notify(pg_pool, http, mail, webhook_partner("soc", partner.url), after_send=crash)
        steps = await run_case(local_env, acts, request)
    finally:
        partner.stop()
    assert crash.crashed == 1 and steps == ["delivered:soc", "case_continues"]
    assert len(partner.requests) == 2 and len(partner.held) == 1
    assert partner.requests[0].key == partner.requests[1].key == f"{request.notice_id}.soc"
    assert partner.requests[0].body == partner.requests[1].body
    assert len(await disclosures_of(pg_pool, request.notice_id)) == 1


async def test_worker_killed_after_mailing_resends_the_same_message_id(local_env, pg_pool, http, mail):
    crash = CrashOnce()
    case_id = await insert_case(pg_pool)
    request = notice(case_id, NoticeKind.WARNING_TO_TENANT)
    acts = notify(pg_pool, http, mail, mail_partner("post", "post@bb.example"), after_send=crash)
    steps = await run_case(local_env, acts, request)
    assert steps == ["delivered:post", "case_continues"]
    assert len(mail.received) == 2 and len(mail.held) == 1
    assert {m["Message-ID"] for m in mail.received} == {message_id(f"{request.notice_id}.post")}
    assert len(await disclosures_of(pg_pool, request.notice_id)) == 1
