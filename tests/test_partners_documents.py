"""Each document kind, rendered in Swedish, says what the law requires it to say."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.records import NoticeKind
from partners.directory import Sender
from partners.documents import REQUIRED_FIELDS, TEMPLATES, DocumentError, render_document
from tests.partner_servers import notice_facts

SENDER = Sender(name="Bostadsbolaget AB, trygghetsgruppen", phone="013-20 00 00")
AT = datetime(2025, 3, 5, 9, tzinfo=UTC)
FACTS = notice_facts(
    termination_date="2025-06-30", termination_ground="upprepade störningar efter tillsägelse",
    meeting_at="2025-04-02T10:00:00+02:00", meeting_place="Socialkontoret, Skäggetorp",
)  # fmt: skip


def render(kind: NoticeKind, facts=FACTS) -> str:
    allowed = {k: v for k, v in facts.items() if k in REQUIRED_FIELDS[kind] | {"apartment_number", "warned_at"}}
    document = render_document(kind, allowed, sender=SENDER, notice_id="n-42", requested_at=AT)
    assert document is not None
    return document.text


def test_the_warning_to_the_tenant_says_the_lease_may_be_forfeited_and_cites_12_25():
    text = render(NoticeKind.WARNING_TO_TENANT)
    assert "TILLSÄGELSE" in text and "12 kap. 25 § jordabalken" in text
    assert "hyresrätten förverkas" in text and "hyresavtalet kan sägas upp" in text
    assert "omedelbart" in text
    assert "kopia av denna tillsägelse skickas till socialnämnden" in text.lower()
    assert "Bo Bengtsson" in text and "Storgatan 1 B" in text and "störande ljud" in text
    assert "KOPIA TILL SOCIALNÄMNDEN" not in text


def test_the_warning_copy_to_social_services_is_the_same_letter_marked_as_a_copy():
    text = render(NoticeKind.WARNING_COPY)
    assert text.startswith("Bostadsbolaget") and "KOPIA TILL SOCIALNÄMNDEN" in text
    assert "hyresrätten förverkas" in text


def test_the_notice_to_social_services_is_an_underrattelse_under_12_25():
    text = render(NoticeKind.DISTURBANCE_NOTICE)
    assert "UNDERRÄTTELSE TILL SOCIALNÄMNDEN" in text and "12 kap. 25 § jordabalken" in text
    assert "den 2025-03-05 har fått en tillsägelse" in text
    assert "2025-03-01: störande ljud, trapphus (bekräftad)" in text


def test_the_termination_notice_names_ground_and_end_date():
    text = render(NoticeKind.TERMINATION_NOTICE)
    assert "UPPSÄGNING AV HYRESAVTAL" in text and "12 kap. 44 § jordabalken" in text
    assert "Avtalet upphör: 2025-06-30" in text and "upprepade störningar" in text


def test_the_action_plan_meeting_names_time_place_and_consent():
    text = render(NoticeKind.ACTION_PLAN_MEETING)
    assert "HANDLINGSPLAN" in text and "2025-04-02 kl. 10:00" in text and "Socialkontoret" in text
    assert "samtycke" in text


def test_kinds_without_a_document_render_none_and_a_missing_fact_fails_loudly():
    assert set(TEMPLATES) == set(REQUIRED_FIELDS)
    assert render_document(NoticeKind.FIRE_HAZARD, {}, sender=SENDER, notice_id="n", requested_at=AT) is None
    with pytest.raises(DocumentError, match="termination_ground"):
        render_document(NoticeKind.TERMINATION_NOTICE, {"tenant_names": ["Bo"], "address": "x",
                         "termination_date": "2025-06-30"}, sender=SENDER, notice_id="n", requested_at=AT)  # fmt: skip


def test_an_empty_name_list_or_no_incidents_counts_as_missing():
    for empty in ({"tenant_names": []}, {"incidents": []}, {"address": ""}):
        with pytest.raises(DocumentError, match=next(iter(empty))):
            render_document(NoticeKind.WARNING_TO_TENANT, FACTS | empty, sender=SENDER, notice_id="n", requested_at=AT)


def test_a_date_or_meeting_not_yet_fixed_is_said_to_follow_separately():
    termination = {"tenant_names": ["Bo"], "address": "Storgatan 1", "termination_ground": "störningar"}
    text = render(NoticeKind.TERMINATION_NOTICE, termination)
    assert "Avtalet upphör: enligt uppsägningen (datumet meddelas separat)" in text
    text = render(NoticeKind.ACTION_PLAN_MEETING, {"tenant_names": ["Bo"], "address": "Storgatan 1"})
    assert "Tid: bestäms tillsammans med hyresgästen och meddelas separat" in text
    assert "Plats: meddelas separat" in text


def test_dates_in_letters_are_swedish_local_time():
    night = [{"occurred_at": "2025-03-01T23:30:00+00:00", "category": "noise", "place": "trapphus", "verified": True}]
    text = render(NoticeKind.DISTURBANCE_NOTICE, FACTS | {"incidents": night, "warned_at": "2025-03-04T23:15:00+00:00"})
    assert "2025-03-02: störande ljud, trapphus (bekräftad)" in text, "00:30 in Linköping is the 2nd"
    assert "den 2025-03-05 har fått en tillsägelse" in text


def test_no_document_ever_names_the_complainant():
    for kind in TEMPLATES:
        assert "Anna Andersson" not in render(kind)
