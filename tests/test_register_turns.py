"""The register follows the committed history (register/turns.py), against the real
PostgreSQL: a turn Temporal lost after its batch was written is taken back by the batch
that takes its place, whatever that batch holds, and a plain retry changes nothing.

The lost turn here is what `make faults` found after a SIGKILL of the Temporal server: a
report and a note written by a turn the history never kept, then another Update's turn at
the same place, with the same ids for other records."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.models import Role
from domain.records import REGISTER_RECORD_TYPES, AssignStaffTask, RegisterBatch, RegisterWrite, ReportVerdict, TurnStamp
from register import queries
from tests import register_factories as make
from tests.register_factories import T0


def batch(run: str, mark: int, *records, task_length: int = 0) -> RegisterBatch:
    names = {record_type: name for name, record_type in REGISTER_RECORD_TYPES.items()}
    return RegisterBatch(
        case_id=records[0].case_id,
        writes=tuple(RegisterWrite(name=names[type(r)], record=r) for r in records),
        turn=TurnStamp(run_id=run, mark=mark, after=mark - 1, task_length=task_length),
    )


async def snapshot(pool: asyncpg.Pool, case_id: str) -> dict:
    """What a reader of the register sees of one case."""
    case = await pool.fetchrow("SELECT stage, version, closed_at, last_seq FROM cases WHERE case_id = $1", case_id)
    return {
        "case": dict(case) if case else None,
        "events": [tuple(r) for r in await pool.fetch(
            "SELECT seq, event_id, kind, reason FROM case_events WHERE case_id = $1 ORDER BY seq", case_id)],
        "stages": [tuple(r) for r in await pool.fetch(
            "SELECT version, stage FROM case_stages WHERE case_id = $1 ORDER BY version", case_id)],
        "reports": [tuple(r) for r in await pool.fetch(
            "SELECT report_id, external_ref, verified FROM reports WHERE case_id = $1 ORDER BY report_id", case_id)],
        "complainants": await pool.fetchval(
            "SELECT count(*) FROM report_complainants JOIN reports USING (report_id) WHERE case_id = $1", case_id),
        "tasks": [tuple(r) for r in await pool.fetch(
            "SELECT task_id, status, assignee, role, escalated FROM staff_tasks WHERE case_id = $1 ORDER BY task_id",
            case_id)],
    }  # fmt: skip


async def test_a_lost_turn_is_taken_back_by_the_turn_that_takes_its_place(env, acts, pg_pool):
    run = uuid.uuid4().hex
    opened = make.case()
    cid = opened.case_id
    first_report = make.report(cid, report_id=f"{cid}:r1")
    task = make.task(cid, task_id=f"{cid}:t2")
    await env.run(acts.record_register_batch, batch(run, 1, opened, first_report, task, make.event(cid, event_id=f"{cid}:e3")))
    committed = await snapshot(pg_pool, cid)

    # The lost turn: a new report and its event under ids 4 and 5, a verdict, the task closed
    # and handed over, a stage change, and an escalation task.
    lost = batch(
        run, 2,
        opened.model_copy(update={"version": 2, "stage": "dialogue", "changed_at": T0 + timedelta(days=1)}),
        make.report(cid, report_id=f"{cid}:r4", external_ref="ext-lost"),
        make.event(cid, event_id=f"{cid}:e5", kind="report_received", reason="lost"),
        ReportVerdict(case_id=cid, report_id=first_report.report_id, verified=True, at=T0 + timedelta(days=1)),
        AssignStaffTask(case_id=cid, task_id=task.task_id, assignee="staff-99", at=T0 + timedelta(days=1)),
        make.close(task),
        make.task(cid, task_id=f"{task.task_id}.lead", role=Role.TEAM_LEAD),
    )  # fmt: skip
    await env.run(acts.record_register_batch, lost)
    assert (await snapshot(pg_pool, cid)) != committed

    # The turn in its place: another step first, a note under id 4.
    note = make.event(cid, event_id=f"{cid}:e4", kind="note_added", reason="the real turn")
    await env.run(acts.record_register_batch, batch(run, 2, note))
    after = await snapshot(pg_pool, cid)
    assert after["case"] == committed["case"] | {"last_seq": 2}
    assert after["events"] == committed["events"] + [(2, note.event_id, "note_added", "the real turn")]
    for part in ("stages", "reports", "complainants", "tasks"):
        assert after[part] == committed[part], part
    assert await queries.prior_report(pg_pool, opened.tenancy_id, "ext-lost") is None


async def test_a_lost_turn_that_opened_the_case_leaves_nothing_behind(env, acts, pg_pool):
    run = uuid.uuid4().hex
    opened = make.case()
    await env.run(acts.record_register_batch, batch(run, 1, opened, make.report(opened.case_id, external_ref="ext-a")))
    reopened = make.case(case_id=opened.case_id, tenancy_id=opened.tenancy_id, area="Ryd")
    await env.run(acts.record_register_batch, batch(run, 1, reopened, make.report(opened.case_id, external_ref="ext-b")))
    after = await snapshot(pg_pool, opened.case_id)
    assert [r[1] for r in after["reports"]] == ["ext-b"]
    assert await pg_pool.fetchval("SELECT area FROM cases WHERE case_id = $1", opened.case_id) == "Ryd"


async def test_a_steps_lost_one_event_turn_is_taken_back_by_the_one_event_turn_in_its_place(env, acts, pg_pool):
    """The fast path (one event, one statement) finds the lost turn and leaves it to the
    transaction, which takes it back."""
    run = uuid.uuid4().hex
    opened = make.case()
    cid = opened.case_id
    await env.run(acts.record_register_batch, batch(run, 1, opened))
    await env.run(acts.record_register_batch, batch(run, 2, make.event(cid, event_id=f"{cid}:e1", reason="lost")))
    await env.run(acts.record_register_batch, batch(run, 2, make.event(cid, event_id=f"{cid}:e1", reason="kept")))
    await env.run(acts.record_register_batch, batch(run, 3, make.event(cid, event_id=f"{cid}:e2", reason="next")))
    events = (await snapshot(pg_pool, cid))["events"]
    assert [(e[0], e[3]) for e in events] == [(1, "kept"), (2, "next")]


async def test_an_attempt_from_a_replaced_workflow_task_writes_nothing(env, acts, pg_pool):
    """A worker cut off from Temporal, still writing a turn whose task was given to another
    worker that has gone on since: it must not take back what the live worker wrote."""
    run = uuid.uuid4().hex
    opened = make.case()
    cid = opened.case_id
    await env.run(acts.record_register_batch, batch(run, 1, opened, task_length=3))
    turn = batch(run, 2, make.event(cid, event_id=f"{cid}:e1", reason="a note"), task_length=8)
    replaced = batch(run, 2, make.event(cid, event_id=f"{cid}:e1", reason="a note"), make.report(cid), task_length=8)
    await env.run(acts.record_register_batch, turn.model_copy(update={"turn": turn.turn.model_copy(update={"task_length": 14})}))
    await env.run(acts.record_register_batch, batch(run, 3, make.event(cid, event_id=f"{cid}:e2", reason="next"), task_length=20))
    before = await snapshot(pg_pool, cid)
    await env.run(acts.record_register_batch, turn)  # the fast path
    await env.run(acts.record_register_batch, replaced)  # the transaction
    assert await snapshot(pg_pool, cid) == before
    assert [e[3] for e in before["events"]] == ["a note", "next"]


async def test_a_retried_batch_and_the_next_turn_take_nothing_back(env, acts, pg_pool):
    run = uuid.uuid4().hex
    opened = make.case()
    cid = opened.case_id
    first = batch(run, 1, opened, make.report(cid), make.event(cid))
    await env.run(acts.record_register_batch, first)
    await env.run(acts.record_register_batch, first)  # the local activity retried
    note = batch(run, 2, make.event(cid, kind="note_added"))
    await env.run(acts.record_register_batch, note)
    await env.run(acts.record_register_batch, note)
    third = batch(run, 3, make.event(cid, kind="note_added"))
    await env.run(acts.record_register_batch, third)
    after = await snapshot(pg_pool, cid)
    assert [e[0] for e in after["events"]] == [1, 2, 3]
    assert len(after["reports"]) == 1 and after["complainants"] == 1


async def test_a_report_a_lost_turn_left_is_no_earlier_case_for_its_own_run(env, acts, pg_pool):
    run = uuid.uuid4().hex
    opened = make.case()
    await env.run(acts.record_register_batch, batch(run, 1, opened, make.report(opened.case_id, external_ref="ext-x")))
    assert await queries.prior_report(pg_pool, opened.tenancy_id, "ext-x", run) is None
    assert (await queries.prior_report(pg_pool, opened.tenancy_id, "ext-x", uuid.uuid4().hex)) is not None


# Kinds of turn a case takes, as the register sees them.
TURN_KINDS = st.sampled_from(["note", "report", "verdict", "close", "assign", "stage"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    committed=st.lists(TURN_KINDS, min_size=1, max_size=5),
    lost=st.lists(st.lists(TURN_KINDS, min_size=1, max_size=3), min_size=1, max_size=3),
    replacement=st.lists(TURN_KINDS, min_size=1, max_size=3),
)
async def test_whatever_turns_were_lost_the_register_ends_as_if_only_the_history_happened(
    env, acts, pg_pool, committed, lost, replacement
):
    """Two registers: one that saw lost turns (each lost in its turn, then taken again
    with other content), one that saw only the turns the history holds. They end equal."""
    seen, clean = make.case(), make.case()

    async def play(case, run: str, plan: list[list[str]]) -> None:
        state = {"seq": 0, "version": 1}
        tasks = [make.task(case.case_id, task_id=f"{case.case_id}:t0")]
        reports = [make.report(case.case_id, report_id=f"{case.case_id}:r0", external_ref=f"{case.case_id}-r0")]
        await env.run(acts.record_register_batch, batch(run, 1, case, *reports, *tasks))
        for mark, kinds in enumerate(plan, start=2):
            records = []
            for kind in kinds:
                state["seq"] += 1
                n = state["seq"]
                if kind == "note":
                    records.append(make.event(case.case_id, event_id=f"{case.case_id}:e{n}", kind="note_added"))
                elif kind == "report":
                    records.append(make.report(case.case_id, report_id=f"{case.case_id}:r{n}", external_ref=f"{case.case_id}-{n}"))
                elif kind == "verdict":
                    records.append(ReportVerdict(case_id=case.case_id, report_id=reports[0].report_id, verified=n % 2 == 0,
                                                 at=T0 + timedelta(minutes=n)))
                elif kind == "close":
                    records.append(make.close(tasks[0], at=T0 + timedelta(minutes=n)))
                elif kind == "assign":
                    records.append(AssignStaffTask(case_id=case.case_id, task_id=tasks[0].task_id, assignee=f"staff-{n}",
                                                   at=T0 + timedelta(minutes=n)))
                else:
                    state["version"] += 1
                    records.append(case.model_copy(update={"version": state["version"], "stage": f"stage-{n}"}))
            await env.run(acts.record_register_batch, batch(run, mark, *records))  # fmt: skip

    # A lost turn is deterministic replay's "same place, other content": each lost plan is
    # written at the mark after the committed turns, then the next replaces it.
    await play(seen, "run-seen-" + seen.case_id, [committed])
    for attempt in lost:
        await _at_mark(play, seen, committed, attempt)
    await _at_mark(play, seen, committed, replacement)
    await play(clean, "run-clean-" + clean.case_id, [committed, replacement])
    a, b = await snapshot(pg_pool, seen.case_id), await snapshot(pg_pool, clean.case_id)
    assert _renamed(a, seen.case_id) == _renamed(b, clean.case_id)


async def _at_mark(play, case, committed, kinds) -> None:
    """Replay the committed turn (a retry: nothing changes), then write `kinds` as the
    turn after it, as a run that replays its history to that point would."""
    await play(case, "run-seen-" + case.case_id, [committed, kinds])


def _renamed(snapshot_: dict, case_id: str) -> str:
    return repr(snapshot_).replace(case_id, "CASE")
