"""Retention on a clock moved forward: exactly the expired records go, the rest stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import SourceKind
from domain.records import ReportVerdict
from domain.retention import RetentionPolicy
from register.retention import RetentionCounts, RetentionRequest
from tests import register_factories as make
from tests.register_factories import T0

DAY = timedelta(days=1)
NOW = T0 + 2000 * DAY
POLICY = RetentionPolicy()  # 90 days, 365 days after close, 1095 days after close


async def night_report(env, acts, case_id: str, received_at, verified: bool | None):
    report = make.report(case_id, source_kind=SourceKind.SECURITY_COMPANY, complainant=None, received_at=received_at)
    await env.run(acts.record_report, report)
    if verified is not None:
        verdict = ReportVerdict(case_id=case_id, report_id=report.report_id, verified=verified, at=received_at + DAY)
        await env.run(acts.record_report_verdict, verdict)
    return report


async def closed_case_file(env, acts, closed_days_ago: int):
    """A closed case with a neighbour's report (complainant held), an old night report,
    an event, a task and a disclosure."""
    closed_at = NOW - closed_days_ago * DAY
    case = make.case(opened_at=closed_at - 60 * DAY, closed_at=closed_at, stage="closed", outcome="resolved_in_dialogue")
    await env.run(acts.upsert_case, case)
    neighbour = make.report(case.case_id, received_at=closed_at - 50 * DAY)
    await env.run(acts.record_report, neighbour)
    night = await night_report(env, acts, case.case_id, closed_at - 30 * DAY, verified=True)
    await env.run(acts.record_case_event, make.event(case.case_id))
    await env.run(acts.open_staff_task, make.task(case.case_id))
    await env.run(acts.record_disclosure, make.disclosure(case.case_id))
    return case, neighbour, night


async def report_ids(pg_pool, case_id: str) -> set[str]:
    return {r["report_id"] for r in await pg_pool.fetch("SELECT report_id FROM reports WHERE case_id = $1", case_id)}


async def has_complainant(pg_pool, report_id: str) -> bool:
    return bool(await pg_pool.fetchval("SELECT count(*) FROM report_complainants WHERE report_id = $1", report_id))


async def test_retention_removes_exactly_what_has_expired_and_nothing_else(env, acts, pg_pool):
    open_case = make.case(opened_at=NOW - 400 * DAY)
    await env.run(acts.upsert_case, open_case)
    evidence = await night_report(env, acts, open_case.case_id, NOW - 200 * DAY, verified=True)
    pending = await night_report(env, acts, open_case.case_id, NOW - 200 * DAY, verified=None)
    unfounded_old = await night_report(env, acts, open_case.case_id, NOW - 91 * DAY, verified=False)
    unfounded_recent = await night_report(env, acts, open_case.case_id, NOW - 89 * DAY, verified=False)
    neighbour_on_open = make.report(open_case.case_id, received_at=NOW - 399 * DAY)
    await env.run(acts.record_report, neighbour_on_open)

    recent, recent_neighbour, _ = await closed_case_file(env, acts, 100)
    year_old, year_old_neighbour, _ = await closed_case_file(env, acts, 400)
    almost, almost_neighbour, _ = await closed_case_file(env, acts, 1094)
    expired, _, _ = await closed_case_file(env, acts, 1200)
    await pg_pool.execute(
        """INSERT INTO partner_outbox (notice_id, partner_id, idempotency_key, case_id, kind, partner_kind, channel,
                                       legal_basis, fields, payload, status)
           VALUES ('n1', 'soc', 'k1', $1, 'disturbance_notice', 'social_services', 'email', '12:25', '{}', '{}', 'sent')""",
        expired.case_id,
    )
    await pg_pool.execute(
        """INSERT INTO notice_documents (notice_id, partner_id, case_id, kind, filename, media_type, body, sha256)
           VALUES ('n1', 'soc', $1, 'disturbance_notice', 'u.txt', 'text/plain', 'brev', repeat('0', 64))""",
        expired.case_id,
    )

    counts = await env.run(acts.apply_retention, RetentionRequest(policy=POLICY, now=NOW))

    assert counts == RetentionCounts(
        night_reports_deleted=5,  # the rejected old one on the open case, one on each closed case
        complainant_identities_deleted=3,  # cases closed 400, 1094 and 1200 days ago
        cases_anonymised=1,
        case_events_deleted=1,
        reports_deleted_with_cases=1,
        staff_tasks_deleted=1,
        disclosures_deleted=1,
        notice_documents_deleted=1,
        partner_outbox_deleted=1,
    )
    assert await report_ids(pg_pool, open_case.case_id) == {
        evidence.report_id, pending.report_id, unfounded_recent.report_id, neighbour_on_open.report_id,
    }  # fmt: skip
    assert unfounded_old.report_id not in await report_ids(pg_pool, open_case.case_id)
    assert await has_complainant(pg_pool, neighbour_on_open.report_id)
    assert await report_ids(pg_pool, recent.case_id) == {recent_neighbour.report_id}
    assert await has_complainant(pg_pool, recent_neighbour.report_id)
    assert await report_ids(pg_pool, year_old.case_id) == {year_old_neighbour.report_id}
    assert not await has_complainant(pg_pool, year_old_neighbour.report_id)
    assert await report_ids(pg_pool, almost.case_id) == {almost_neighbour.report_id}

    row = await pg_pool.fetchrow("SELECT * FROM cases WHERE case_id = $1", expired.case_id)
    assert (row["tenancy_id"], row["property_id"], row["tenant_ids"]) == (None, None, [])
    assert (row["area"], row["outcome"], row["closed_at"]) == (expired.area, "resolved_in_dialogue", expired.closed_at)
    for table in ("case_events", "reports", "staff_tasks", "disclosures"):
        assert not await pg_pool.fetchval(f"SELECT count(*) FROM {table} WHERE case_id = $1", expired.case_id)
    assert await pg_pool.fetchval("SELECT count(*) FROM case_stages WHERE case_id = $1", expired.case_id) == 1
    for kept in (recent, year_old, almost):
        assert await pg_pool.fetchval("SELECT tenancy_id FROM cases WHERE case_id = $1", kept.case_id) == kept.tenancy_id

    # the same day again removes nothing; two days later the 1094-day case and the
    # 89-day unfounded night report have crossed their limits, and nothing else has
    assert (await env.run(acts.apply_retention, RetentionRequest(policy=POLICY, now=NOW))).total == 0
    later = await env.run(acts.apply_retention, RetentionRequest(policy=POLICY, now=NOW + 2 * DAY))
    assert (later.cases_anonymised, later.case_events_deleted, later.night_reports_deleted) == (1, 1, 1)
    assert later.complainant_identities_deleted == 0
    assert await report_ids(pg_pool, open_case.case_id) == {
        evidence.report_id, pending.report_id, neighbour_on_open.report_id,
    }  # fmt: skip


async def test_an_anonymised_case_is_not_revived_by_a_late_write(env, acts, pg_pool):
    case = make.case(opened_at=NOW - 1500 * DAY, closed_at=NOW - 1200 * DAY, stage="closed", outcome="terminated")
    await env.run(acts.upsert_case, case)
    await env.run(acts.apply_retention, RetentionRequest(policy=POLICY, now=NOW))
    await env.run(acts.upsert_case, case.model_copy(update={"version": case.version + 1}))
    assert await pg_pool.fetchval("SELECT tenancy_id FROM cases WHERE case_id = $1", case.case_id) is None
