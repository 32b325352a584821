"""The bare-Temporal baseline: a workflow that does nothing but hold what it is given.

It is started the same way a case is (signal-with-start, a start argument and a report
of the same size) and answers a do-nothing Update, so the ratio against it is what
Trygg's ladder, register writes and state add on top of Temporal itself.
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import DisturbanceReport
    from domain.steps import AddNote

BASELINE_SIGNAL = "report"
BASELINE_UPDATE = "noop"
BASELINE_FILE_UPDATE = "file"


class BaselineInput(BaseModel):
    """Padding sized like a case's start argument (since the worker owns the policy, nearly empty)."""

    padding: str = ""


@workflow.defn
class BaselineWorkflow:
    """Signal-with-start opens it; it keeps the reports and waits forever."""

    def __init__(self) -> None:
        self._reports: list[DisturbanceReport] = []
        self._updates = 0

    @workflow.run
    async def run(self, input: BaselineInput) -> int:
        await workflow.wait_condition(lambda: False)
        return self._updates  # never reached: the baseline is terminated, not finished

    @workflow.signal(name=BASELINE_SIGNAL)
    def report(self, report: DisturbanceReport) -> None:
        self._reports.append(report)

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

    @workflow.query(name="count")
    def count(self) -> int:
        return len(self._reports)
