"""Temporal's own views of a case: a static summary and details at start, and current
details as the case turns, none of which holds personal data (they are stored and shown
unencrypted, unlike payloads)."""

from __future__ import annotations

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata

from domain.models import Complainant
from domain.steps import Assign, RecordContact
from domain.summary import current_details, opening_details, opening_summary
from tests.standins import COORDINATOR, CaseDriver, StandIns, case_worker, file_report, keep_history, report, tenancy

NAME, ADDRESS, COMPLAINANT, PLACE, REF, STAFF = (
    "Bo Bengtsson", "Storgatan 1 B", "Secret Neighbour", "behind flat 4B", "CS-SECRET-77", "anna.personal",
)  # fmt: skip
PERSONAL = (NAME, ADDRESS, COMPLAINANT, PLACE, REF, STAFF, "person-1", "Phoned the tenant")


def personal_report(home=None):
    home = (home or tenancy()).model_copy(update={"tenant_names": (NAME,), "address": ADDRESS})
    return report(home, ref=REF).model_copy(
        update={"place": PLACE, "complainant": Complainant(person_id="p-9", name=COMPLAINANT, contact="070-1234567")}
    )


def test_summary_and_details_hold_codes_only_never_personal_data():
    from datetime import UTC, datetime

    from domain.ladder import decide, open_case
    from tests.standins import case_policy

    filed = personal_report()
    now = datetime.now(UTC)
    state, _ = open_case(filed, now, case_policy(), f"{filed.tenancy.tenancy_id}.0123456789ab", "case-x")
    state, _ = decide(state, Assign(actor=COORDINATOR, reason="Phoned the tenant", assignee=STAFF), now)
    texts = [opening_summary(filed), opening_details(filed), current_details(state)]
    for text in texts:
        for personal in PERSONAL:
            assert personal not in text, (personal, text)
    assert "noise" in texts[0] and "Ryd" in texts[0]
    assert "**Stage:** reported" in texts[2] and "verify_report for coordinator" in texts[2]


async def _current_details(handle) -> str:
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return metadata.current_details


@pytest.mark.slow
async def test_a_case_in_the_web_ui_says_where_it_stands_without_personal_data(local_env):
    from tests.helpers import eventually

    standins = StandIns()
    async with case_worker(local_env.client, standins) as queue:
        handle = await file_report(local_env.client, queue, personal_report())
        described = await handle.describe()
        summary, static_details = await described.static_summary(), await described.static_details()
        assert summary == "Disturbance case: noise in Ryd"
        assert "noise (normal) from neighbour" in static_details
        case = CaseDriver(local_env.client, handle)
        assert "**Stage:** reported" in await _current_details(handle)
        await case.verify_pending()
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="Phoned the tenant", method="call"))

        async def turned():
            details = await _current_details(handle)
            assert "**Stage:** dialogue" in details and "dialogue for coordinator" in details, details
            return details

        details = await eventually(turned, timeout=20)
        await keep_history(handle, "summary_case_to_dialogue")
    for text in (summary, static_details, details):
        for personal in PERSONAL:
            assert personal not in text, (personal, text)
