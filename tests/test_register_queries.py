"""Reads from the register: the staff inbox, a case's audit trail, the guarded
complainant read, and statistics over a period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import Actor, Role
from domain.records import ReportVerdict, TaskStatus
from register.queries import (
    ComplainantAccessDenied,
    case_audit_trail,
    read_complainant,
    staff_inbox,
)
from tests import register_factories as make
from tests.helpers import unique
from tests.register_factories import T0

DAY = timedelta(days=1)


async def test_inbox_shows_open_tasks_overdue_first_then_by_due_date(env, acts, pg_pool):
    area = unique("area")
    case = make.case(area=area)
    await env.run(acts.upsert_case, case)
    now = T0 + 10 * DAY
    later = make.task(case.case_id, area=area, due_at=now + 3 * DAY)
    sooner = make.task(case.case_id, area=area, due_at=now + 1 * DAY)
    long_overdue = make.task(case.case_id, area=area, due_at=now - 5 * DAY)
    just_overdue = make.task(case.case_id, area=area, due_at=now - 1 * DAY)
    done = make.task(case.case_id, area=area, due_at=now - 9 * DAY)
    lawyer = make.task(case.case_id, area=area, role=Role.TENANCY_LAWYER, assignee="lawyer-2", due_at=now - 2 * DAY)
    for task in (later, sooner, long_overdue, just_overdue, done, lawyer):
        await env.run(acts.open_staff_task, task)
    await env.run(acts.close_staff_task, make.close(done))

    inbox = await staff_inbox(pg_pool, now=now, role=Role.COORDINATOR, area=area)
    assert [t.task_id for t in inbox] == [long_overdue.task_id, just_overdue.task_id, sooner.task_id, later.task_id]
    assert [t.overdue for t in inbox] == [True, True, False, False]
    assert inbox[0].case_stage == "reported"
    assert [t.task_id for t in await staff_inbox(pg_pool, now=now, assignee="lawyer-2")] == [lawyer.task_id]
    assert len(await staff_inbox(pg_pool, now=now, area=area)) == 5


async def test_audit_trail_has_every_record_of_the_case_in_order_without_the_complainant(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    events = [make.event(case.case_id, kind=k, at=T0 + i * DAY) for i, k in enumerate(["opened", "verified", "contacted"])]
    for e in events:
        await env.run(acts.record_case_event, e)
    report = make.report(case.case_id)
    await env.run(acts.record_report, report)
    await env.run(acts.record_report_verdict, ReportVerdict(case_id=case.case_id, report_id=report.report_id, verified=True, at=T0 + DAY))
    task = make.task(case.case_id)
    await env.run(acts.open_staff_task, task)
    await env.run(acts.close_staff_task, make.close(task, TaskStatus.DONE))
    await env.run(acts.record_disclosure, make.disclosure(case.case_id))
    await env.run(acts.upsert_case, case.model_copy(update={"version": 2, "stage": "dialogue"}))

    trail = await case_audit_trail(pg_pool, case.case_id)
    assert trail is not None
    assert [e.event_id for e in trail.events] == [e.event_id for e in events]
    assert [e.seq for e in trail.events] == [1, 2, 3]
    assert trail.events[0].data == {"n": 1} and trail.events[0].actor_role == "coordinator"
    assert [s.stage for s in trail.stages] == ["reported", "dialogue"]
    assert trail.reports[0].verified is True and trail.reports[0].complainant == "redacted"
    assert [t.status for t in trail.tasks] == ["done"] and len(trail.disclosures) == 1
    assert "Anna Andersson" not in trail.model_dump_json()
    assert await case_audit_trail(pg_pool, "no-such-case") is None


async def test_only_the_case_owners_roles_read_the_complainant(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    report = make.report(case.case_id)
    await env.run(acts.record_report, report)
    for role in (Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD):
        found = await read_complainant(pg_pool, report.report_id, Actor(id="s1", role=role))
        assert found == report.complainant
    for role in set(Role) - {Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD}:
        with pytest.raises(ComplainantAccessDenied, match=role.value):
            await read_complainant(pg_pool, report.report_id, Actor(id="s1", role=role))
