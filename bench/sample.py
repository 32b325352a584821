"""Realistic input: reports as a case system, staff and the night patrol file them,
and the two ways of opening a workflow (a case and the baseline) with the same payload."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.baseline import BASELINE_UPDATE, BASELINE_UPDATE_LOCAL, BASELINE_UPDATE_WRITE, BaselineInput, BaselineWorkflow
from domain.models import (
    Actor,
    Category,
    Complainant,
    DisturbanceReport,
    HousingForm,
    Role,
    Severity,
    SourceKind,
    TenancyRef,
)
from domain.intake import report_update_id
from domain.steps import AddNote
from workflows.case import CaseInput
from workflows.start import file_report

AREAS = ("Ryd", "Skaggetorp", "Berga", "Lambohov", "Johannelund", "Ekholmen")
PLACES = ("stairwell B", "flat 1102", "laundry room", "yard", "parking garage", "balcony facing the yard")
CATEGORIES = (  # most reports are noise; weights after the article's description of the team's work
    (Category.NOISE, 55), (Category.THREATS_OR_HARASSMENT, 10), (Category.DRUGS, 8), (Category.PROPERTY_DAMAGE, 8),
    (Category.SANITATION, 7), (Category.FIRE_HAZARD, 4), (Category.VIOLENCE, 3), (Category.OTHER, 5),
)  # fmt: skip
SOURCES = ((SourceKind.NEIGHBOUR, 60), (SourceKind.SECURITY_COMPANY, 20), (SourceKind.STAFF, 12), (SourceKind.POLICE, 8))
NOTE_TAKER = Actor(id="coord-bench", role=Role.COORDINATOR)


def _pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*weighted)
    return rng.choices(values, weights=weights)[0]


def realistic_report(rng: random.Random, run: str, n: int) -> DisturbanceReport:
    """One report on a tenancy of its own (so it opens a new case)."""
    source = _pick(rng, SOURCES)
    category = _pick(rng, CATEGORIES)
    housing = HousingForm.SENIOR_70 if rng.random() < 0.1 else HousingForm.ORDINARY
    complainant = None
    if source is SourceKind.NEIGHBOUR:
        complainant = Complainant(person_id=f"p-{rng.randrange(10**8)}", name="Anna Andersson", contact="070-1234567")
    return DisturbanceReport(
        external_ref=f"CS-{run}-{n}",
        source_kind=source,
        category=category,
        severity=Severity.SERIOUS if category in (Category.VIOLENCE, Category.THREATS_OR_HARASSMENT) else Severity.NORMAL,
        occurred_at=datetime.now(UTC) - timedelta(hours=rng.randrange(1, 48)),
        place=rng.choice(PLACES),
        tenancy=TenancyRef(
            tenancy_id=f"B{run}-{n}",
            property_id=f"P-{rng.randrange(100, 999)}",
            area=rng.choice(AREAS),
            housing_form=housing,
            tenant_ids=(f"person-{rng.randrange(10**8)}",),
        ),
        complainant=complainant,
    )


def note(n: int) -> AddNote:
    return AddNote(actor=NOTE_TAKER, reason=f"Spoke with the caretaker about the stairwell, round {n}")


@cache
def baseline_input() -> BaselineInput:
    """Padding as long as a case's start argument, so both starts carry the same bytes."""
    case_bytes = len(pydantic_data_converter.payload_converter.to_payloads([CaseInput()])[0].data)
    return BaselineInput(padding="x" * max(0, case_bytes - len('{"padding":""}')))


@dataclass
class Opener:
    """Opens one workflow per report: a Trygg case, or the baseline started the same way."""

    client: Client
    task_queue: str
    baseline: bool
    local_activities: bool = False
    """Baseline only: its Updates first run the no-op local activities a case's would
    (bench.baseline), to measure Temporal's own floor under Trygg's side effects."""
    writes: bool = False
    """Baseline only, with local_activities: a step's local activity commits one row to
    PostgreSQL, as a step's register write does (bench.baseline.RowWriter)."""
    shaped: bool = False
    """Baseline only: its intake issues the commands a case's opening turn issues, each a
    no-op (bench.baseline.BaselineWorkflow.file_report_shaped): Temporal's cost of a case's shape."""

    async def open(self, report: DisturbanceReport) -> WorkflowHandle:
        """Update-with-start until its answer: for a case, `file_report` until the receipt
        (the case opened and its first turn recorded); for the baseline, a do-nothing
        Update of the same report on a workflow started with a start argument of the same size."""
        if not self.baseline:
            _, handle = await file_report(self.client, report, task_queue=self.task_queue)
            return handle
        operation = WithStartWorkflowOperation(
            BaselineWorkflow.run,
            baseline_input(),
            id=f"baseline-{report.tenancy.tenancy_id}",
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        intake = (
            BaselineWorkflow.file_report_shaped if self.shaped
            else BaselineWorkflow.file_report_local if self.local_activities
            else BaselineWorkflow.file_report
        )  # fmt: skip
        await self.client.execute_update_with_start_workflow(
            intake, report, start_workflow_operation=operation, id=report_update_id(report)
        )
        return await operation.workflow_handle()

    async def touch(self, handle: WorkflowHandle, n: int) -> None:
        """One staff step (a note) or the baseline's do-nothing Update."""
        if not self.baseline:
            await handle.execute_update("add_note", note(n))
        else:
            name = BASELINE_UPDATE_WRITE if self.writes else BASELINE_UPDATE_LOCAL if self.local_activities else BASELINE_UPDATE
            await handle.execute_update(name, note(n))


def run_id() -> str:
    return uuid.uuid4().hex[:8]
