"""The path of a screened notice, on the time-skipping server with stand-in activities:
when the screen cut a complainant's identity from what left, the case's coordinator gets
a `check_redaction` task, reminded and escalated like any other, closed by complete_task."""

from __future__ import annotations

from datetime import timedelta

from domain.events import NoticeRedacted
from domain.policy import TaskKind
from domain.records import NoticeKind
from domain.steps import CompleteTask
from tests.helpers import eventually
from tests.standins import COORDINATOR, CaseDriver, StandIns, case_worker, file_report, keep_history, report, tenancy


def checks(view):
    return [t for t in view.open_tasks if t.kind == TaskKind.CHECK_REDACTION]


async def test_a_screened_notice_gives_the_coordinator_a_check_that_is_reminded_and_completed(time_env):
    client = time_env.client
    standins = StandIns(redacted_notices=frozenset({NoticeKind.EXTRA_ROUNDS}))
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))

        async def one_check():
            found = checks(await case.view())
            assert len(found) == 1
            return found[0]

        task = await eventually(one_check)
        assert task.role.value == "coordinator"
        [redacted] = [e for e in standins.of("record_case_event") if e.kind == "notice_redacted"]
        [extra_rounds] = [n for n in standins.of("send_notice") if n.kind is NoticeKind.EXTRA_ROUNDS]
        assert redacted.data == {"notice_id": extra_rounds.notice_id}, "the log says which notice, never what was cut"

        await time_env.sleep(timedelta(days=9))

        async def reminded():
            assert checks(await case.view())[0].overdue
            assert "task_reminder" in standins.event_kinds()

        await eventually(reminded)
        view = await case.step("complete_task", CompleteTask(actor=COORDINATOR, reason="checked the place", task_id=task.task_id))
        assert checks(view) == []
        await keep_history(case.handle, "privacy_case_redacted_notice")
        await case.handle.terminate("test over")


async def test_a_screened_notice_that_fails_is_checked_and_delivered_by_hand(time_env):
    client = time_env.client
    standins = StandIns(
        failing_notices={NoticeKind.EXTRA_ROUNDS: "permanent"}, redacted_notices=frozenset({NoticeKind.EXTRA_ROUNDS})
    )
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))

        async def both():
            kinds = [t.kind for t in (await case.view()).open_tasks]
            assert TaskKind.CHECK_REDACTION in kinds and TaskKind.DELIVER_BY_HAND in kinds

        await eventually(both)
        await case.handle.terminate("test over")


async def test_the_area_pictures_signal_opens_one_check_however_often_it_comes(time_env):
    client = time_env.client
    standins = StandIns()
    async with case_worker(client, standins) as queue:
        handle = await file_report(client, queue, report(tenancy()))
        case = CaseDriver(client, handle)
        async def opened():
            assert (await case.view()).open_tasks

        await eventually(opened)
        for _ in range(2):
            await handle.signal("notice_redacted", NoticeRedacted(notice_id="area-picture-2026-11-23-2026-11-30"))

        async def one_check():
            assert len(checks(await case.view())) == 1
            assert standins.event_kinds().count("notice_redacted") == 1

        await eventually(one_check)
        await case.handle.terminate("test over")
