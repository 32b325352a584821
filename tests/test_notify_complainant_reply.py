"""The complainant hears back (DOMAIN.md, "Dialogue"): when a report is verified, the one
who made it is told by e-mail that it is handled, and nothing about the tenant. Their
contact is read from the register by the channel, never carried by the case.

The ladder's rule runs pure; the channel runs alone (ActivityEnvironment) against a real
SMTP server and the real register."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify import PERMANENT_ERROR, NotificationActivities
from domain.commands import Notify
from domain.ladder import decide, open_case
from domain.models import Actor, Category, Complainant, DisturbanceReport, Role, SourceKind, TenancyRef
from domain.policy import EscalationPolicy
from domain.records import NoticeKind, NoticeRequest
from domain.steps import VerifyReport
from partners.channels import SmtpSettings
from partners.directory import DirectoryError
from tests.helpers import unique
from tests.partner_servers import (
    MailPartner,
    directory,
    disclosures_of,
    insert_case,
    mail_partner,
    outbox_row,
    webhook_partner,
)

NOW = datetime(2025, 3, 5, 9, tzinfo=UTC)
COORDINATOR = Actor(id="coord-1", role=Role.COORDINATOR)
TENANCY = TenancyRef(
    tenancy_id="T1", property_id="P1", area="Ryd", address="Storgatan 1 B", tenant_names=("Bo Bengtsson",)
)


def _report(complainant: Complainant | None) -> DisturbanceReport:
    return DisturbanceReport(
        external_ref=unique("ext"), source_kind=SourceKind.NEIGHBOUR, category=Category.NOISE, occurred_at=NOW,
        place="trapphus B", tenancy=TENANCY, complainant=complainant,
    )  # fmt: skip


def _replies_on_verifying(complainant: Complainant | None, policy: EscalationPolicy) -> list[NoticeRequest]:
    state, _ = open_case(_report(complainant), NOW, policy, "c1", "case-T1")
    step = VerifyReport(actor=COORDINATOR, reason="heard it", report_id=state.reports[0].report_id, method="inspection")
    _, commands = decide(state, step, NOW)
    return [c.request for c in commands if isinstance(c, Notify) and c.request.kind is NoticeKind.COMPLAINANT_REPLY]


def test_verifying_a_report_replies_to_its_complainant_with_their_report_only():
    [reply] = _replies_on_verifying(Complainant(name="Agneta", contact="agneta@example.se"), EscalationPolicy())
    assert set(reply.facts) == {"report_id", "received_at", "category", "place"}
    assert "Agneta" not in json.dumps(reply.facts) and "Bo Bengtsson" not in json.dumps(reply.facts)


def test_no_reply_without_a_contact_or_under_a_policy_recorded_before_replies():
    assert _replies_on_verifying(None, EscalationPolicy()) == []
    assert _replies_on_verifying(Complainant(name="Agneta"), EscalationPolicy()) == []
    recorded = EscalationPolicy().model_dump(mode="json", exclude={"reply_to_complainant"}) | {"version": "2025.1"}
    legacy = EscalationPolicy.model_validate(recorded)
    assert legacy.reply_to_complainant is False, "a running case keeps the rules it was opened with"
    assert _replies_on_verifying(Complainant(contact="agneta@example.se"), legacy) == []


def test_no_directory_may_take_the_complainants_reply():
    with pytest.raises(DirectoryError, match="complainant_reply goes to the report's complainant"):
        directory(webhook_partner("soc", "http://x.example/n", notices=("disturbance_notice", "complainant_reply")))


# -- the channel ------------------------------------------------------------------------


@pytest.fixture
def mail():
    server = MailPartner()
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def acts(pg_pool, mail):
    async with httpx.AsyncClient() as http:
        smtp = SmtpSettings(host="127.0.0.1", port=mail.port, mail_from="trygg@bb.example")
        # Any directory: without one no notice leaves, the reply neither. The complainant is not in it.
        yield NotificationActivities(pg_pool, directory(mail_partner("brev", "utskick@bb.example")), http, smtp)


async def _report_with_complainant(pool, contact: str | None) -> tuple[str, str]:
    case_id = await insert_case(pool)
    report_id = unique("rep")
    await pool.execute(
        """INSERT INTO reports (report_id, case_id, external_ref, source_kind, category, severity, occurred_at,
               received_at, place) VALUES ($1, $2, $3, 'neighbour', 'noise', 'normal', $4, $4, 'trapphus B')""",
        report_id, case_id, unique("ext"), NOW,
    )  # fmt: skip
    if contact is not None:
        await pool.execute(
            "INSERT INTO report_complainants (report_id, person_id, name, contact) VALUES ($1, 'nb-7', 'Agneta K', $2)",
            report_id, contact,
        )  # fmt: skip
    return case_id, report_id


def _reply(case_id: str, report_id: str) -> NoticeRequest:
    return NoticeRequest(
        notice_id=unique("notice"), case_id=case_id, kind=NoticeKind.COMPLAINANT_REPLY, requested_at=NOW,
        legal_basis="återkoppling till anmälaren (praxis)", workflow_id="case-T1",
        facts={"report_id": report_id, "received_at": NOW.isoformat(), "category": "noise", "place": "trapphus B",
               "tenant_names": ["Bo Bengtsson"], "address": "Storgatan 1 B"},
    )  # fmt: skip


async def test_the_complainant_gets_one_letter_by_e_mail_and_the_disclosure_is_logged(pg_pool, acts, mail):
    case_id, report_id = await _report_with_complainant(pg_pool, "agneta@example.se")
    reply = _reply(case_id, report_id)

    first = await ActivityEnvironment().run(acts.send_notice, reply)
    again = await ActivityEnvironment().run(acts.send_notice, reply)  # a retry of the activity

    assert first.delivered_to == again.delivered_to == ("complainant",)
    [letter] = mail.received
    text = letter.get_content()
    assert letter["To"] == "agneta@example.se" and letter["Subject"] == "Din anmälan om störning hanteras"
    assert "Vi har tagit emot din anmälan om störande ljud (trapphus B), mottagen 2025-03-05" in text
    assert "Bo Bengtsson" not in text and "Storgatan" not in text, "the channel cut the facts to the reply's"
    assert not list(letter.iter_attachments())
    [disclosure] = await disclosures_of(pg_pool, reply.notice_id)
    assert (disclosure["partner_kind"], disclosure["fields"]) == ("complainant", ["category", "place", "received_at", "report_id"])
    row = await outbox_row(pg_pool, reply.notice_id, "complainant")
    assert "agneta@example.se" not in json.dumps(dict(row), default=str), "the outbox keeps no contact"


async def test_a_phone_number_is_a_reply_by_hand_and_no_contact_is_no_reply(pg_pool, acts, mail):
    case_id, report_id = await _report_with_complainant(pg_pool, "070-7654321")
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(acts.send_notice, _reply(case_id, report_id))
    assert refused.value.type == PERMANENT_ERROR and refused.value.non_retryable
    assert "070" not in str(refused.value), "the contact stays out of errors"

    case_id, report_id = await _report_with_complainant(pg_pool, None)
    outcome = await ActivityEnvironment().run(acts.send_notice, _reply(case_id, report_id))
    assert outcome.skipped and mail.received == []


async def test_without_a_partner_directory_no_reply_leaves(pg_pool, mail):
    case_id, report_id = await _report_with_complainant(pg_pool, "agneta@example.se")
    async with httpx.AsyncClient() as http:
        bare = NotificationActivities(pg_pool, directory(), http, SmtpSettings(host="127.0.0.1", port=mail.port))
        outcome = await ActivityEnvironment().run(bare.send_notice, _reply(case_id, report_id))
    assert outcome.skipped and mail.received == []
