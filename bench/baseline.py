"""The bare-Temporal baseline: a workflow that does nothing but hold what it is given.

It is started the same way a case is (Update-with-start: a start argument of the same
size and a `file_report` Update carrying the same report, answered at once) and answers
a do-nothing Update, so the ratio against it is what Trygg's ladder, register writes and
state add on top of Temporal itself.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from domain.models import DisturbanceReport
    from domain.steps import AddNote
    from workflows import search_attributes as sa

BASELINE_INTAKE = "file_report"
BASELINE_UPDATE = "noop"
BASELINE_FILE_UPDATE = "file"
BASELINE_INTAKE_LOCAL = "file_report_local"
BASELINE_UPDATE_LOCAL = "noop_local"
BASELINE_UPDATE_WRITE = "noop_write"
BASELINE_INTAKE_SHAPED = "file_report_shaped"
SHAPE_PATCH = "bench-shape"
NOOP_ACTIVITY = "bench_noop"
WRITE_ACTIVITY = "bench_write"
INTAKE_LOCAL_ACTIVITIES = 2
"""A case's intake runs two local activities before its receipt: the register's earlier
reports with the policy in force (workflows.case.OPENING_LOOKUP; two of their own before
it), and the opening turn's writes."""


@activity.defn(name=NOOP_ACTIVITY)
async def noop_activity(payload: dict) -> None:
    """Does nothing: what Temporal itself charges for a local activity."""


class RowWriter:
    """One row into PostgreSQL per call, one statement committing on its own: what a step's
    register write costs (the step's own is one statement too, register.writes
    RECORD_EVENT_IN_TURN), without any of Trygg's ladder, view or state."""

    TABLE = "CREATE TABLE IF NOT EXISTS bench_writes (id bigserial PRIMARY KEY, n int NOT NULL, at timestamptz NOT NULL DEFAULT now())"

    def __init__(self, pool) -> None:
        self._pool = pool

    @activity.defn(name=WRITE_ACTIVITY)
    async def write(self, payload: dict) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute("INSERT INTO bench_writes (n) VALUES ($1)", int(payload.get("n", 0)))


async def _noop_local(payload: object) -> None:
    await workflow.execute_local_activity(NOOP_ACTIVITY, payload, start_to_close_timeout=timedelta(seconds=10))


class BaselineInput(BaseModel):
    """Padding sized like a case's start argument (since the worker owns the policy, nearly empty)."""

    padding: str = ""


@workflow.defn
class BaselineWorkflow:
    """Update-with-start opens it; it keeps the reports and waits forever."""

    def __init__(self) -> None:
        self._reports: list[DisturbanceReport] = []
        self._updates = 0
        self._background: set = set()

    @workflow.run
    async def run(self, input: BaselineInput) -> int:
        await workflow.wait_condition(lambda: False)
        return self._updates  # never reached: the baseline is terminated, not finished

    @workflow.update(name=BASELINE_INTAKE)
    def file_report(self, report: DisturbanceReport) -> int:
        """Takes the report a case's `file_report` takes, keeps it and answers its count."""
        self._reports.append(report)
        return len(self._reports)

    @workflow.update(name=BASELINE_UPDATE)
    async def noop(self, step: AddNote) -> int:
        """Takes the same input as add_note and does nothing with it."""
        self._updates += 1
        return self._updates

    @workflow.update(name=BASELINE_FILE_UPDATE)
    async def file(self, report: DisturbanceReport) -> int:
        """Update-with-start's baseline: takes a report and answers, as file_report does with its receipt."""
        self._reports.append(report)
        return len(self._reports)

    @workflow.update(name=BASELINE_INTAKE_LOCAL)
    async def file_report_local(self, report: DisturbanceReport) -> int:
        """`file_report` after as many no-op local activities as a case's intake runs: the
        floor Temporal sets under an intake that reads and writes before it answers."""
        for _ in range(INTAKE_LOCAL_ACTIVITIES):
            await _noop_local({"ref": report.external_ref})
        self._reports.append(report)
        return len(self._reports)

    @workflow.update(name=BASELINE_INTAKE_SHAPED)
    async def file_report_shaped(self, report: DisturbanceReport) -> int:
        """`file_report` issuing the commands a case's opening turn issues, each doing
        nothing: a patch marker (with the SDK's change-version upsert), the two local
        activities, an upsert of the six case search attributes, and after the answer one
        activity (the first notice) followed by one local activity (its outcome into the
        register) and a durable timer (the first deadline). Temporal's own cost of a case's
        shape, with none of Trygg's Python in it."""
        workflow.patched(SHAPE_PATCH)
        for _ in range(INTAKE_LOCAL_ACTIVITIES):
            await _noop_local({"ref": report.external_ref})
        workflow.upsert_search_attributes([
            sa.CASE_STAGE.value_set("verification"), sa.CASE_AREA.value_set(report.tenancy.area),
            sa.CASE_CATEGORY.value_set(str(report.category)), sa.NEXT_DUE.value_set(workflow.now() + timedelta(days=5)),
            sa.OVERDUE.value_set(False), sa.ESCALATED.value_set(False),
        ])  # fmt: skip
        for work in (self._first_notice(report), asyncio.sleep(timedelta(days=5).total_seconds())):
            task = asyncio.create_task(work)
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        self._reports.append(report)
        return len(self._reports)

    async def _first_notice(self, report: DisturbanceReport) -> None:
        await workflow.execute_activity(
            NOOP_ACTIVITY, {"ref": report.external_ref}, start_to_close_timeout=timedelta(seconds=10)
        )
        await _noop_local({"ref": report.external_ref})

    @workflow.update(name=BASELINE_UPDATE_LOCAL)
    async def noop_local(self, step: AddNote) -> int:
        """The do-nothing Update after one no-op local activity: the floor Temporal sets under
        a step that writes the register before it answers."""
        await _noop_local({"n": self._updates})
        self._updates += 1
        return self._updates

    @workflow.update(name=BASELINE_UPDATE_WRITE)
    async def noop_write(self, step: AddNote) -> int:
        """The do-nothing Update after one local activity that commits one row to PostgreSQL:
        Temporal's floor plus the write a step must make before it answers."""
        await workflow.execute_local_activity(WRITE_ACTIVITY, {"n": self._updates}, start_to_close_timeout=timedelta(seconds=10))
        self._updates += 1
        return self._updates

    @workflow.query(name="count")
    def count(self) -> int:
        return len(self._reports)
