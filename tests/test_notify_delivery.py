"""send_notice run alone (ActivityEnvironment) against a real webhook receiver, a real SMTP
server and the real register: what arrives, exactly how often, and what is recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import ActivityEnvironment

from activities.notify import NotificationActivities
from domain.records import NoticeKind, NoticeRequest
from partners.channels import SmtpSettings, message_id
from tests.helpers import unique
from tests.partner_servers import (
    SECRET,
    MailPartner,
    WebhookPartner,
    directory,
    disclosures_of,
    insert_case,
    mail_partner,
    notice_facts,
    outbox_row,
    webhook_partner,
)


@pytest.fixture
def webhook():
    partner = WebhookPartner(SECRET)
    yield partner
    partner.stop()


@pytest.fixture
def mail():
    partner = MailPartner()
    yield partner
    partner.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def http():
    async with httpx.AsyncClient() as client:
        yield client


def request(case_id: str, kind: NoticeKind, **facts) -> NoticeRequest:
    return NoticeRequest(
        notice_id=unique("notice"),
        case_id=case_id,
        kind=kind,
        requested_at=datetime(2025, 3, 5, 9, tzinfo=UTC),
        legal_basis="12 kap. 25 § jordabalken",
        facts=notice_facts(**facts),
        workflow_id="case-ten-1",
    )


def activities(pg_pool, http, mail, *partners) -> NotificationActivities:
    smtp = SmtpSettings(host="127.0.0.1", port=mail.port, mail_from="trygg@bb.example")
    return NotificationActivities(pg_pool, directory(*partners), http, smtp)


async def test_disturbance_notice_reaches_social_services_once_signed_with_document_and_disclosure(
    pg_pool, http, webhook, mail
):
    case_id = await insert_case(pg_pool)
    acts = activities(pg_pool, http, mail, webhook_partner("soc", webhook.url))
    notice = request(case_id, NoticeKind.DISTURBANCE_NOTICE)

    outcome = await ActivityEnvironment().run(acts.send_notice, notice)

    assert outcome.delivered_to == ("soc",) and not outcome.failed_permanently
    assert len(webhook.requests) == 1 and webhook.bad_signatures == 0
    held = webhook.held[f"{notice.notice_id}.soc"]
    assert held["kind"] == "disturbance_notice" and held["case_id"] == case_id
    assert "underrättelse".upper() in held["document"]["text"].upper()
    assert "12 kap. 25 § jordabalken" in held["document"]["text"]
    assert "Anna Andersson" not in json.dumps(held, ensure_ascii=False)
    row = await outbox_row(pg_pool, notice.notice_id, "soc")
    assert row["status"] == "sent" and row["workflow_id"] == "case-ten-1" and row["attempts"] == 1
    [disclosure] = await disclosures_of(pg_pool, notice.notice_id)
    assert disclosure["case_id"] == case_id and disclosure["partner_kind"] == "social_services"
    assert set(disclosure["fields"]) == set(held["facts"]) and disclosure["legal_basis"] == notice.legal_basis
    document = await pg_pool.fetchrow("SELECT * FROM notice_documents WHERE notice_id = $1", notice.notice_id)
    assert document["case_id"] == case_id and document["body"] == held["document"]["text"]


async def test_a_notice_sent_again_is_not_delivered_twice(pg_pool, http, webhook, mail):
    case_id = await insert_case(pg_pool)
    acts = activities(pg_pool, http, mail, webhook_partner("soc", webhook.url))
    notice = request(case_id, NoticeKind.WARNING_COPY)

    first = await ActivityEnvironment().run(acts.send_notice, notice)
    second = await ActivityEnvironment().run(acts.send_notice, notice)

    assert first.delivered_to == second.delivered_to == ("soc",)
    assert len(webhook.requests) == 1
    assert len(await disclosures_of(pg_pool, notice.notice_id)) == 1


async def test_warning_to_tenant_goes_by_mail_with_message_id_from_the_key_and_the_letter_attached(
    pg_pool, http, webhook, mail
):
    case_id = await insert_case(pg_pool)
    acts = activities(pg_pool, http, mail, mail_partner("post", "postrummet@bb.example"))
    notice = request(case_id, NoticeKind.WARNING_TO_TENANT)

    outcome = await ActivityEnvironment().run(acts.send_notice, notice)

    assert outcome.delivered_to == ("post",)
    [message] = mail.received
    assert message["Message-ID"] == message_id(f"{notice.notice_id}.post")
    assert message["To"] == "postrummet@bb.example"
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    letter = next(text for name, text in attachments.items() if name.startswith("tillsagelse"))
    assert "hyresrätten förverkas" in letter and "12 kap. 25 § jordabalken" in letter
    assert "Anna Andersson" not in message.as_string()
    payload = json.loads(attachments["notice.json"])
    assert set(payload["facts"]) <= {"tenancy_id", "address", "tenant_names", "incidents", "category"}


async def test_each_partner_gets_only_its_allow_list(pg_pool, http, webhook, mail):
    case_id = await insert_case(pg_pool)
    fire = webhook_partner(
        "fire", webhook.url, kind="fire_and_rescue", notices=("fire_hazard",), fields=["address", "hazard", "urgency"]
    )
    acts = activities(pg_pool, http, mail, fire)
    notice = request(case_id, NoticeKind.FIRE_HAZARD, hazard="blocked escape route", urgency="immediate")

    await ActivityEnvironment().run(acts.send_notice, notice)

    held = webhook.held[f"{notice.notice_id}.fire"]
    assert held["facts"] == {"address": "Storgatan 1 B, 582 22 Linköping", "hazard": "blocked escape route", "urgency": "immediate"}
    assert "document" not in held
    [disclosure] = await disclosures_of(pg_pool, notice.notice_id)
    assert sorted(disclosure["fields"]) == ["address", "hazard", "urgency"]


async def test_a_kind_no_partner_takes_is_skipped_and_an_area_filter_is_respected(pg_pool, http, webhook, mail):
    case_id = await insert_case(pg_pool)
    acts = activities(pg_pool, http, mail, webhook_partner("soc-ryd", webhook.url, areas=["Ryd"]))

    skipped = await ActivityEnvironment().run(acts.send_notice, request(case_id, NoticeKind.CRIME_REPORT))
    other_area = await ActivityEnvironment().run(acts.send_notice, request(case_id, NoticeKind.DISTURBANCE_NOTICE))
    in_area = await ActivityEnvironment().run(
        acts.send_notice, request(case_id, NoticeKind.DISTURBANCE_NOTICE, area="Ryd")
    )

    assert skipped.skipped and other_area.skipped
    assert in_area.delivered_to == ("soc-ryd",)
    assert len(webhook.requests) == 1
