"""The case keeps one durable timer for its earliest clock (patch `perf-steady-clock`):
a staff step that leaves that moment as it was adds no timer command, and the clock still
fires on time after many steps. A new case records one patch marker, its shape's
(`perf-current-shape-2`), not one per patch. Histories are kept as perf_*.json for the
replay test (`TRYGG_RECORD_HISTORIES=1 pytest tests/test_case_steady_clock.py`);
perf_steady_clock_notes was recorded before the shape, with a marker per patch, and
perf_shape_notes under the first shape (`perf-current-shape`), which asked the register
and the policy apart; perf_opening_lookup_notes under today's."""

from __future__ import annotations

from datetime import timedelta

from temporalio.api.enums.v1 import EventType

from domain.policy import TaskKind
from domain.steps import AddNote
from workflows.case import CURRENT_SHAPE_2
from tests.standins import COORDINATOR, CaseDriver, StandIns, case_worker, file_report, keep_history, report, tenancy

TIMER_EVENTS = (EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_CANCELED)


async def _timer_events(handle) -> list[int]:
    return [e.event_type async for e in handle.fetch_history_events() if e.event_type in TIMER_EVENTS]


async def test_notes_leave_the_clock_timer_alone_and_the_clock_still_fires(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        view = await case.verify_pending()
        before = await _timer_events(case.handle)
        assert before, "a verified case waits on its first-contact clock"
        for n in range(5):
            await case.step("add_note", AddNote(actor=COORDINATOR, reason=f"called the caretaker, round {n}"))
        assert await _timer_events(case.handle) == before, "a note moves no clock: no timer cancelled or started"

        contact = next(t for t in view.open_tasks if t.kind == TaskKind.FIRST_CONTACT)
        await time_env.sleep(contact.due_at - view.opened_at + timedelta(hours=1))
        view = await case.view()
        assert view.overdue and "task_reminder" in standins.event_kinds(), "the kept timer fired at the due moment"
        await keep_history(case.handle, "perf_opening_lookup_notes")


async def test_a_new_case_records_one_patch_marker_for_its_whole_shape(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.verify_pending()
        await case.step("add_note", AddNote(actor=COORDINATOR, reason="called the caretaker"))
        patches = [
            e.marker_recorded_event_attributes.details["patch-data"]
            async for e in case.handle.fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and e.marker_recorded_event_attributes.marker_name == "core_patch"
        ]
        assert len(patches) == 1 and CURRENT_SHAPE_2.encode() in patches[0].payloads[0].data
