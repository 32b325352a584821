"""The inbox's order, scope, filters and counts on the real register (embedded PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from domain.models import Role
from tests.helpers import unique
from web import store
from web.timefmt import STOCKHOLM


async def _task(pool, *, kind: str, role: str, due_at: datetime, area: str, assignee: str | None = None) -> str:
    case_id = unique("c")
    await pool.execute(
        """INSERT INTO cases (case_id, workflow_id, tenancy_id, property_id, area, housing_form, category, stage,
                              opened_at, policy_version, version)
           VALUES ($1, $2, $3, 'P-1', $4, 'ordinary', 'noise', 'contact', now(), '2026.1', 1)""",
        case_id, f"case-{case_id}", unique("T"), area,
    )  # fmt: skip
    task_id = unique(kind)
    await pool.execute(
        "INSERT INTO staff_tasks (task_id, case_id, kind, role, assignee, area, due_at, opened_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
        task_id, case_id, kind, role, assignee, area, due_at,
    )  # fmt: skip
    return task_id


async def test_overdue_first_then_by_day_with_legal_deadlines_first_among_the_same_day(pg_pool):
    area = unique("area")
    now = datetime.combine(datetime.now(STOCKHOLM).date() + timedelta(days=30), time(8), tzinfo=STOCKHOLM)
    today_10 = now.replace(hour=10)
    order = [
        await _task(pg_pool, kind="dialogue", role="coordinator", due_at=now - timedelta(days=2), area=area),
        await _task(pg_pool, kind="deliver_by_hand", role="coordinator", due_at=today_10.replace(hour=15), area=area),
        await _task(pg_pool, kind="first_contact", role="coordinator", due_at=today_10, area=area),
        await _task(pg_pool, kind="verify_report", role="coordinator", due_at=today_10 + timedelta(days=1), area=area),
    ]
    someone_elses = await _task(pg_pool, kind="dialogue", role="coordinator", due_at=today_10, area=area, assignee="sven.senior")
    lawyers = await _task(pg_pool, kind="approve_termination", role="tenancy_lawyer", due_at=today_10, area=area)
    box = await store.inbox(pg_pool, role=Role.COORDINATOR, subject="anna.coordinator", filters=store.InboxFilter(area=area), now=now)
    assert [r.task_id for r in box.rows] == order
    assert [r.legal for r in box.rows] == [False, True, False, False] and box.rows[0].overdue
    lead = await store.inbox(pg_pool, role=Role.TEAM_LEAD, subject="lena.lead", filters=store.InboxFilter(area=area), now=now)
    assert {someone_elses, lawyers} <= {r.task_id for r in lead.rows} and lead.total == 6
    overdue = await store.inbox(pg_pool, role=Role.COORDINATOR, subject="anna.coordinator", filters=store.InboxFilter(area=area, due="overdue"), now=now)
    assert [r.task_id for r in overdue.rows] == order[:1]
    kind = await store.inbox(pg_pool, role=Role.COORDINATOR, subject="anna.coordinator", filters=store.InboxFilter(area=area, kind="first_contact"), now=now)
    assert [r.task_id for r in kind.rows] == order[2:3]
    assert box.counts["area"][area] == 4 and box.counts["due"]["overdue"] == 1 and box.counts["due"]["today"] == 3
    assert box.counts["due"]["week"] == 4 and box.counts["kind"]["deliver_by_hand"] == 1


async def test_saved_filters_and_the_digest_choice_are_kept_per_person(pg_pool):
    person = unique("kim")
    await store.seen(pg_pool, person, "Kim", (Role.COORDINATOR,))
    await store.save_filter(pg_pool, person, "Mina försenade", store.InboxFilter(area="Ryd", due="overdue"))
    await store.save_filter(pg_pool, person, "Mina försenade", store.InboxFilter(area="Berga", due="overdue"))
    await store.set_digest(pg_pool, person, True, "kim@example.se")
    prefs = await store.preferences(pg_pool, person)
    assert prefs.saved_filters == [{"name": "Mina försenade", "area": "Berga", "due": "overdue"}]
    assert prefs.digest and prefs.digest_email == "kim@example.se"
    await store.delete_filter(pg_pool, person, "Mina försenade")
    assert (await store.preferences(pg_pool, person)).saved_filters == []
