"""The register's activities against the real embedded PostgreSQL: idempotent writes,
concurrent writers, and refusals that name the field."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.register import RegisterActivities
from domain.models import Role
from domain.records import REGISTER_RECORD_TYPES, AssignStaffTask, RegisterBatch, RegisterWrite, ReportVerdict, StaffTaskRecord, TaskStatus
from register.errors import explain
from tests import register_factories as make
from tests.register_factories import T0


async def count(pool: asyncpg.Pool, sql: str, *args) -> int:
    return await pool.fetchval(f"SELECT count(*) FROM {sql}", *args)


async def test_a_newer_case_version_overwrites_and_an_older_one_is_ignored(env, acts, pg_pool):
    first = make.case(version=1)
    await env.run(acts.upsert_case, first)
    await env.run(acts.upsert_case, first.model_copy(update={"version": 3, "stage": "dialogue", "changed_at": T0 + timedelta(days=2)}))
    await env.run(acts.upsert_case, first.model_copy(update={"version": 2, "stage": "verification"}))
    await env.run(acts.upsert_case, first.model_copy(update={"version": 3, "stage": "dialogue"}))
    row = await pg_pool.fetchrow("SELECT stage, version FROM cases WHERE case_id = $1", first.case_id)
    assert (row["stage"], row["version"]) == ("dialogue", 3)
    stages = await pg_pool.fetch(
        "SELECT stage, entered_at FROM case_stages WHERE case_id = $1 ORDER BY version", first.case_id
    )
    assert [(r["stage"], r["entered_at"]) for r in stages] == [("reported", T0), ("dialogue", T0 + timedelta(days=2))]


async def test_a_case_opening_written_again_is_one_row_and_one_stage(env, acts, pg_pool):
    """The opening's row and first stage are one statement (register.writes.INSERT_NEW_CASE);
    a retry of it finds the row and compares under its lock, as any version."""
    first = make.case(version=1)
    await env.run(acts.upsert_case, first)
    await env.run(acts.upsert_case, first)
    assert await count(pg_pool, "cases WHERE case_id = $1", first.case_id) == 1
    assert await count(pg_pool, "case_stages WHERE case_id = $1", first.case_id) == 1


async def test_a_case_opening_arriving_after_a_newer_version_changes_nothing(env, acts, pg_pool):
    first = make.case(version=1)
    await env.run(acts.upsert_case, first)
    await env.run(acts.upsert_case, first.model_copy(update={"version": 2, "stage": "dialogue", "changed_at": T0 + timedelta(days=1)}))
    await env.run(acts.upsert_case, first)  # a late retry of the opening
    row = await pg_pool.fetchrow("SELECT stage, version FROM cases WHERE case_id = $1", first.case_id)
    assert (row["stage"], row["version"]) == ("dialogue", 2)
    assert await count(pg_pool, "case_stages WHERE case_id = $1", first.case_id) == 2


async def test_a_report_keeps_its_complainant_once_and_one_without_keeps_none(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    told, anonymous = make.report(case.case_id), make.report(case.case_id, complainant=None)
    for record in (told, told, anonymous):
        await env.run(acts.record_report, record)
    assert await count(pg_pool, "report_complainants WHERE report_id = $1", told.report_id) == 1
    assert await count(pg_pool, "report_complainants WHERE report_id = $1", anonymous.report_id) == 0
    assert await count(pg_pool, "reports WHERE case_id = $1", case.case_id) == 2


async def test_the_same_event_written_twice_is_one_row(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    event = make.event(case.case_id)
    await env.run(acts.record_case_event, event)
    await env.run(acts.record_case_event, event)
    assert await count(pg_pool, "case_events WHERE case_id = $1", case.case_id) == 1
    assert await pg_pool.fetchval("SELECT last_seq FROM cases WHERE case_id = $1", case.case_id) == 1


async def test_two_workers_writing_to_one_case_at_once_keep_every_event_once_in_order(env, acts, pg_pool, database_url):
    case = make.case()
    await env.run(acts.upsert_case, case)
    events = [make.event(case.case_id, kind=f"step_{i}") for i in range(30)]
    other_pool = await asyncpg.create_pool(database_url, min_size=4, max_size=4)
    try:
        other = RegisterActivities(other_pool)
        # each worker writes every event (as retries on both sides would), interleaved
        await asyncio.gather(
            *[env.run(acts.record_case_event, e) for e in events],
            *[env.run(other.record_case_event, e) for e in reversed(events)],
        )
    finally:
        await other_pool.close()
    rows = await pg_pool.fetch("SELECT seq, event_id FROM case_events WHERE case_id = $1 ORDER BY seq", case.case_id)
    assert [r["seq"] for r in rows] == list(range(1, 31))
    assert {r["event_id"] for r in rows} == {e.event_id for e in events}


async def test_a_report_keeps_its_complainant_apart_and_a_repeat_is_a_no_op(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    report = make.report(case.case_id)
    await env.run(acts.record_report, report)
    await env.run(acts.record_report, report)
    assert await count(pg_pool, "reports WHERE report_id = $1", report.report_id) == 1
    complainant = await pg_pool.fetchrow("SELECT * FROM report_complainants WHERE report_id = $1", report.report_id)
    assert complainant["name"] == "Anna Andersson"
    columns = await pg_pool.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'reports'")
    assert not {"name", "contact", "person_id"} & {c["column_name"] for c in columns}


async def test_a_later_verdict_replaces_an_earlier_one_and_a_repeat_changes_nothing(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    report = make.report(case.case_id)
    await env.run(acts.record_report, report)
    verified = ReportVerdict(case_id=case.case_id, report_id=report.report_id, verified=True, at=T0 + timedelta(days=1))
    rejected = verified.model_copy(update={"verified": False, "at": T0 + timedelta(days=2)})
    await env.run(acts.record_report_verdict, rejected)
    await env.run(acts.record_report_verdict, verified)  # older: ignored
    await env.run(acts.record_report_verdict, rejected)
    row = await pg_pool.fetchrow("SELECT verified, verified_at FROM reports WHERE report_id = $1", report.report_id)
    assert (row["verified"], row["verified_at"]) == (False, T0 + timedelta(days=2))


async def test_tasks_open_once_escalate_once_and_close_once(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    task = make.task(case.case_id)
    await env.run(acts.open_staff_task, task)
    await env.run(acts.open_staff_task, task)
    escalated = task.model_copy(update={"escalated": True, "role": Role.TEAM_LEAD, "assignee": None, "due_at": T0 + timedelta(days=5)})
    await env.run(acts.open_staff_task, escalated)
    await env.run(acts.open_staff_task, task)  # a late retry of the original: ignored
    row = await pg_pool.fetchrow("SELECT role, assignee, escalated, status FROM staff_tasks WHERE task_id = $1", task.task_id)
    assert dict(row) == {"role": "team_lead", "assignee": None, "escalated": True, "status": "open"}
    await env.run(acts.close_staff_task, make.close(task, TaskStatus.DONE))
    await env.run(acts.close_staff_task, make.close(task, TaskStatus.CANCELLED))  # already closed: no-op
    row = await pg_pool.fetchrow("SELECT status, closed_at FROM staff_tasks WHERE task_id = $1", task.task_id)
    assert (row["status"], row["closed_at"]) == ("done", T0 + timedelta(days=1))
    assert await count(pg_pool, "staff_tasks WHERE case_id = $1", case.case_id) == 1


async def test_a_disclosure_is_logged_once(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    disclosure = make.disclosure(case.case_id)
    await env.run(acts.record_disclosure, disclosure)
    await env.run(acts.record_disclosure, disclosure)
    row = await pg_pool.fetchrow("SELECT fields, legal_basis FROM disclosures WHERE case_id = $1", case.case_id)
    assert row["fields"] == ["address", "category", "occurred_at"]
    assert await count(pg_pool, "disclosures WHERE case_id = $1", case.case_id) == 1


async def refusal(env: ActivityEnvironment, method, record) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        await env.run(method, record)
    assert caught.value.non_retryable
    return caught.value


@pytest.mark.parametrize("write", ["record_case_event", "record_report", "open_staff_task", "record_disclosure"])
async def test_a_record_for_an_unknown_case_is_refused_naming_case_id(env, acts, write):
    builder = {"record_case_event": make.event, "record_report": make.report, "open_staff_task": make.task,
               "record_disclosure": make.disclosure}[write]  # fmt: skip
    error = await refusal(env, getattr(acts, write), builder("no-such-case"))
    assert error.type == "UnknownCase"
    assert "case_id" in error.message


async def test_unknown_report_and_unknown_task_are_refused_naming_the_id(env, acts):
    case = make.case()
    await env.run(acts.upsert_case, case)
    verdict = ReportVerdict(case_id=case.case_id, report_id="no-such-report", verified=True, at=T0)
    assert (await refusal(env, acts.record_report_verdict, verdict)).type == "UnknownReport"
    error = await refusal(env, acts.close_staff_task, make.close(make.task(case.case_id)))
    assert (error.type, error.message.split(":")[0]) == ("UnknownTask", "task_id")


async def test_wrong_types_are_refused_naming_the_field(env, acts):
    case = make.case()
    await env.run(acts.upsert_case, case)
    good = make.task(case.case_id)
    bad = StaffTaskRecord.model_construct(**(dict(good) | {"due_at": "next tuesday"}))
    error = await refusal(env, acts.open_staff_task, bad)
    assert error.type == "InvalidRecord"
    assert error.message.startswith("due_at:")
    bad_case = type(case).model_construct(**(dict(case) | {"version": "newest"}))
    assert (await refusal(env, acts.upsert_case, bad_case)).message.startswith("version:")


async def test_oversized_text_is_refused_naming_the_field(env, acts, pg_pool):
    case = make.case()
    await env.run(acts.upsert_case, case)
    good = make.report(case.case_id)
    bad = type(good).model_construct(**(dict(good) | {"place": "x" * 5000}))
    error = await refusal(env, acts.record_report, bad)
    assert (error.type, error.message.split(":")[0]) == ("InvalidRecord", "place")
    assert await count(pg_pool, "reports WHERE case_id = $1", case.case_id) == 0


async def test_the_database_names_the_column_when_a_direct_writer_sends_oversized_text(acts, env, pg_pool):
    """The partner outbox inserts into disclosures directly; the schema still guards it."""
    case = make.case()
    await env.run(acts.upsert_case, case)
    with pytest.raises(asyncpg.CheckViolationError) as caught:
        await pg_pool.execute(
            """INSERT INTO disclosures (disclosure_id, case_id, partner_id, partner_kind, fields, at, legal_basis)
               VALUES ('d1', $1, 'p', 'police', '{}', now(), $2)""",
            case.case_id, "x" * 201,
        )  # fmt: skip
    refusal_ = explain(caught.value, "disclosures")
    assert refusal_ is not None and refusal_.message.startswith("legal_basis:")


async def test_a_value_asyncpg_cannot_encode_is_named_by_its_parameter(pg_pool):
    with pytest.raises(asyncpg.DataError) as caught:
        await pg_pool.execute("SELECT $1::timestamptz, $2::int", None, "seven")
    refusal_ = explain(caught.value, "cases", ["opened_at", "version"])
    assert refusal_ is not None and refusal_.message.startswith("version:")


def batch_of(*records) -> RegisterBatch:
    names = {record_type: name for name, record_type in REGISTER_RECORD_TYPES.items()}
    return RegisterBatch(
        case_id=records[0].case_id, writes=tuple(RegisterWrite(name=names[type(r)], record=r) for r in records)
    )


async def test_a_batch_writes_a_whole_turn_in_order_and_a_retry_writes_nothing_twice(env, acts, pg_pool):
    opened = make.case()
    task = make.task(opened.case_id)
    batch = batch_of(opened, make.report(opened.case_id), make.event(opened.case_id), task)
    await env.run(acts.record_register_batch, batch)
    await env.run(acts.record_register_batch, batch)
    assert await count(pg_pool, "cases WHERE case_id = $1", opened.case_id) == 1
    assert await count(pg_pool, "reports WHERE case_id = $1", opened.case_id) == 1
    assert await count(pg_pool, "case_events WHERE case_id = $1", opened.case_id) == 1
    assert await count(pg_pool, "staff_tasks WHERE case_id = $1", opened.case_id) == 1


async def test_a_steps_one_event_batch_raced_by_its_retry_on_another_worker_is_one_row_in_order(env, acts, pg_pool, database_url):
    """A batch of one event goes as one statement without a transaction of its own: racing
    copies of it (a retried local activity on another worker) still write each event once,
    numbered without gaps, and one for a case the register lacks is refused naming case_id."""
    case = make.case()
    await env.run(acts.upsert_case, case)
    batches = [batch_of(make.event(case.case_id, kind=f"note_{i}")) for i in range(20)]
    other_pool = await asyncpg.create_pool(database_url, min_size=4, max_size=4)
    try:
        other = RegisterActivities(other_pool)
        await asyncio.gather(
            *[env.run(acts.record_register_batch, b) for b in batches],
            *[env.run(other.record_register_batch, b) for b in reversed(batches)],
        )
    finally:
        await other_pool.close()
    rows = await pg_pool.fetch("SELECT seq, event_id FROM case_events WHERE case_id = $1 ORDER BY seq", case.case_id)
    assert [r["seq"] for r in rows] == list(range(1, 21))
    assert {r["event_id"] for r in rows} == {b.writes[0].record.event_id for b in batches}
    assert await pg_pool.fetchval("SELECT last_seq FROM cases WHERE case_id = $1", case.case_id) == 20
    with pytest.raises(ApplicationError) as refused:
        await env.run(acts.record_register_batch, batch_of(make.event("no-such-case")))
    assert refused.value.non_retryable and "case_id" in refused.value.message


async def test_a_batch_with_data_the_register_cannot_hold_writes_none_of_it(env, acts, pg_pool):
    opened = make.case()
    orphan = make.task("no-such-case")
    with pytest.raises(ApplicationError) as refused:
        await env.run(acts.record_register_batch, batch_of(opened, make.event(opened.case_id), orphan))
    assert refused.value.non_retryable and "case_id" in refused.value.message
    assert await count(pg_pool, "cases WHERE case_id = $1", opened.case_id) == 0, "the batch is one transaction"


async def test_assigning_moves_an_open_task_once_and_leaves_a_closed_one_alone(env, acts, pg_pool):
    opened, other = make.case(), make.case()
    waiting, done = make.task(opened.case_id), make.task(opened.case_id)
    await env.run(acts.record_register_batch, batch_of(opened, waiting, done))
    await env.run(acts.close_staff_task, make.close(done, TaskStatus.DONE))

    to_maja = [AssignStaffTask(case_id=opened.case_id, task_id=t.task_id, assignee="maja.l", at=T0) for t in (waiting, done)]
    await env.run(acts.record_register_batch, batch_of(*to_maja))
    await env.run(acts.record_register_batch, batch_of(to_maja[0]))  # a retry: no change
    rows = dict(await pg_pool.fetch("SELECT task_id, assignee FROM staff_tasks WHERE case_id = $1", opened.case_id))
    assert rows == {waiting.task_id: "maja.l", done.task_id: done.assignee}

    await env.run(acts.upsert_case, other)
    stranger = AssignStaffTask(case_id=other.case_id, task_id=waiting.task_id, assignee="maja.l", at=T0)
    with pytest.raises(ApplicationError) as refused:
        await env.run(acts.record_register_batch, batch_of(stranger))
    assert (refused.value.type, refused.value.message.split(":")[0]) == ("UnknownTask", "task_id")
