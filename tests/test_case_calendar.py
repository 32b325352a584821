"""A case outlives the calendar it opened with: the worker extends it through a recorded
local activity, once, before it runs out; the case keeps its rules and version."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.records import ActivityName
from runtime.calendar import default_policy
from tests.standins import COORDINATOR, CaseDriver, StandIns, case_worker, file_report, report, tenancy
from domain.steps import AddNote


async def test_a_case_whose_calendar_runs_out_gets_a_longer_one_once(time_env):
    this_year = datetime.now(UTC).year
    short = default_policy(this_year - 1, years=2).model_copy(update={"notice_initial_retry_seconds": 0.05})
    standins = StandIns(policy=short)
    async with case_worker(time_env.client, standins) as queue:
        case = CaseDriver(time_env.client, await file_report(time_env.client, queue, report(tenancy())))
        await case.step("add_note", AddNote(actor=COORDINATOR, reason="first"))
        await case.step("add_note", AddNote(actor=COORDINATOR, reason="second"))
        view = await case.view()
        asked = [request for name, request in standins.reads if name == ActivityName.EXTEND_CALENDAR]
        assert len(asked) == 1, "asked once; the case keeps the longer calendar"
        assert asked[0].policy.version == short.version and asked[0].last_year >= this_year + 1
        assert view.policy_version == short.version


async def test_a_case_whose_calendar_lasts_never_asks(time_env):
    standins = StandIns()
    async with case_worker(time_env.client, standins) as queue:
        case = CaseDriver(time_env.client, await file_report(time_env.client, queue, report(tenancy())))
        await case.step("add_note", AddNote(actor=COORDINATOR, reason="first"))
        assert not [name for name, _ in standins.reads if name == ActivityName.EXTEND_CALENDAR]
