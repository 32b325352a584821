"""Every path of the ladder, end to end on the time-skipping server with stand-in activities."""

from __future__ import annotations

from datetime import timedelta

from domain.records import ActivityName, NoticeKind
from domain.state import CaseStage, Outcome
from domain.steps import RecordContact, RecordDialogue, VerifyReport
from domain.view import CaseView
from tests.standins import COORDINATOR, StandIns, case_worker, file_report, report, tenancy


async def test_report_resolved_in_dialogue_closes_case(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        handle = await file_report(client, queue, report(tenancy()))
        view = await handle.query("view", result_type=CaseView)
        report_id = view.reports[0].report_id
        view = await handle.execute_update(
            "verify_report",
            VerifyReport(actor=COORDINATOR, reason="heard it myself", report_id=report_id, method="own_observation"),
            result_type=CaseView,
        )
        assert view.stage is CaseStage.CONTACT
        await handle.execute_update(
            "record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"), result_type=CaseView
        )
        view = await handle.execute_update(
            "record_dialogue", RecordDialogue(actor=COORDINATOR, reason="agreed quiet hours", resolved=True),
            result_type=CaseView,
        )
        assert view.stage is CaseStage.CLOSED and view.outcome is Outcome.RESOLVED_IN_DIALOGUE
        final = await handle.result()
        assert final.outcome is Outcome.RESOLVED_IN_DIALOGUE
    assert standins.calls[0][0] == ActivityName.UPSERT_CASE
    assert standins.notice_kinds() == [NoticeKind.EXTRA_ROUNDS]
    upserts = standins.of(ActivityName.UPSERT_CASE)
    assert [u.stage for u in upserts][-1] == "closed"
    assert [u.version for u in upserts] == sorted({u.version for u in upserts})
