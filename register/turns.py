"""The register follows the case's committed history (migration 0011 says why).

A case's turn writes the register in a local activity before Temporal has stored the turn.
When Temporal then loses the workflow task (its server killed before it stored the
completion, a worker killed after writing), the case replays and takes the turn again,
perhaps with another Update first, so the same ids can stand for other records. Each batch
therefore carries a TurnStamp: the run id and the batch's number in that run (`mark`), and
`after`, the mark of the run's previous batch, which replay gives back exactly. A batch
finding the run's last mark above `after` knows that every write at those marks is from
a turn the history does not hold, and takes it back before it writes: rows those turns
created are deleted, rows they changed get back the image kept in `undo`.

The fast path (a step's one event, one statement) checks the same thing inside its
statement and writes nothing when it finds a lost turn; the batch is then written through
the slow path, which takes the turn back.
"""

from __future__ import annotations

from enum import StrEnum

import asyncpg

from domain.records import TurnStamp

LAST_MARK = "SELECT mark, task_length FROM register_turns WHERE run_id = $1 FOR UPDATE"

SET_MARK = """INSERT INTO register_turns (run_id, case_id, mark, task_length) VALUES ($1, $2, $3, $4)
ON CONFLICT (run_id) DO UPDATE SET mark = excluded.mark, task_length = excluded.task_length"""

UNDONE: dict[str, tuple[tuple[str, str], ...]] = {
    "cases": (
        ("stage", "text"), ("closed_at", "timestamptz"), ("outcome", "text"), ("category", "text"), ("area", "text"),
        ("property_id", "text"), ("housing_form", "text"), ("policy_version", "text"), ("version", "bigint"),
        ("tenant_ids", "text[]"), ("workflow_id", "text"), ("tenancy_id", "text"), ("opened_at", "timestamptz"),
    ),
    "reports": (("verified", "boolean"), ("verified_at", "timestamptz")),
    "staff_tasks": (
        ("status", "text"), ("closed_at", "timestamptz"), ("assignee", "text"), ("role", "text"),
        ("due_at", "timestamptz"), ("escalated", "boolean"),
    ),
}  # fmt: skip
"""The columns a turn can change, by table, with their types: what `undo` keeps and what
taking a lost turn back restores. One list for both, so the two cannot drift apart."""


def keep_undo(table: str, run: str, mark: str, *, qualified: bool = False) -> str:
    """SQL for an UPDATE's `undo` columns: the row as it was before this turn. The first
    change of a turn keeps the image; a second change in the same turn keeps the first's.
    `qualified` names the old row by its table, as ON CONFLICT DO UPDATE needs."""
    old = f"{table}." if qualified else ""
    image = "jsonb_build_object(" + ", ".join(f"'{c}', {old}{c}" for c, _ in UNDONE[table]) + ")"
    return (
        f"undo = CASE WHEN {old}undo_run IS NOT DISTINCT FROM {run} AND {old}undo_mark IS NOT DISTINCT FROM {mark} "
        f"AND {run} IS NOT NULL THEN {old}undo ELSE {image} END, undo_run = {run}, undo_mark = {mark}"
    )


def _restore(table: str, also_set: str = "", also_where: str = "") -> str:
    def value(column: str, kind: str) -> str:
        if kind == "text[]":
            return f"ARRAY(SELECT jsonb_array_elements_text(undo->'{column}'))"
        return f"(undo->>'{column}')::{kind}"

    columns = ", ".join(f"{c} = {value(c, kind)}" for c, kind in UNDONE[table])
    return (
        f"UPDATE {table} SET {columns}, undo = NULL, undo_run = NULL, undo_mark = NULL{also_set} "
        f"WHERE case_id = $1 AND undo_run = $2 AND undo_mark > $3{also_where}"
    )


TAKE_BACK = (
    # a case row a lost turn created: everything under it goes with it
    "DELETE FROM cases WHERE case_id = $1 AND turn_run = $2 AND turn_mark > $3",
    "DELETE FROM case_events WHERE case_id = $1 AND turn_run = $2 AND turn_mark > $3",
    "DELETE FROM case_stages WHERE case_id = $1 AND turn_run = $2 AND turn_mark > $3",
    "DELETE FROM reports WHERE case_id = $1 AND turn_run = $2 AND turn_mark > $3",
    "DELETE FROM staff_tasks WHERE case_id = $1 AND turn_run = $2 AND turn_mark > $3",
    _restore("reports"),
    _restore("staff_tasks"),
    _restore("cases", also_set=", updated_at = now()", also_where=" AND anonymised_at IS NULL"),
)
"""Everything a run wrote at a mark above `after`, taken back, in an order that keeps every
foreign key: rows first, then the images of what was changed."""

RECOUNT = """UPDATE cases SET last_seq = coalesce((SELECT max(seq) FROM case_events WHERE case_id = $1), 0)
WHERE case_id = $1"""
"""Events keep their seq 1, 2, 3…: the next one follows the last one kept."""


class Verdict(StrEnum):
    """What a batch finds when it locks its run's mark."""

    FOLLOWS = "follows"  # the run's last batch is the one before it (or a retry of it): write
    TAKES_BACK = "takes_back"  # a lost turn wrote past `after`: taken back, then write
    TOO_LATE = "too_late"  # an attempt from a workflow task Temporal has replaced: write nothing


async def take_back_lost_turns(conn: asyncpg.Connection, case_id: str, turn: TurnStamp) -> Verdict:
    """Inside the batch's transaction, before its writes: lock the run's mark, and when a
    lost turn wrote past `turn.after`, take back what it wrote.

    Only a batch from a workflow task that began no earlier than the last writer's may take
    anything back: a task that takes a lost turn's place starts at the lost one's history
    length or later. An attempt still running in a task Temporal timed out and gave to
    another worker (a worker cut off from Temporal but not from PostgreSQL) began earlier;
    it is too late, and its writes are already there from the task that replaced it."""
    last = await conn.fetchrow(LAST_MARK, turn.run_id)
    if last is None:
        return Verdict.FOLLOWS
    if turn.task_length < last["task_length"]:
        return Verdict.TOO_LATE
    if last["mark"] <= turn.after:
        return Verdict.FOLLOWS
    for statement in TAKE_BACK:
        await conn.execute(statement, case_id, turn.run_id, turn.after)
    await conn.execute(RECOUNT, case_id)
    return Verdict.TAKES_BACK


async def record_mark(conn: asyncpg.Connection, case_id: str, turn: TurnStamp) -> None:
    """After the batch's writes: this batch is now the run's last."""
    await conn.execute(SET_MARK, turn.run_id, case_id, turn.mark, turn.task_length)
