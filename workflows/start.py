"""Client side of a case: how a report reaches its tenancy's workflow.

Kept out of the workflow modules so workflow code never touches the client.

A report is filed with the `file_report` Update, sent with Update-with-start: one call
starts the tenancy's case workflow if none runs (USE_EXISTING otherwise; ALLOW_DUPLICATE
lets a report after closure start a new run, a new case), and answers a `ReportReceipt`.
The start input is empty: the worker gives a case its policy, and nothing else a starter
could send is honoured but the test knobs of `CaseInput`.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from domain.intake import ReportReceipt, report_update_id
from domain.models import DisturbanceReport
from domain.summary import opening_details, opening_summary
from workflows.case import REPORT_SIGNAL, CaseInput, DisturbanceCaseWorkflow, case_workflow_id


def start_options(tenancy_id: str, task_queue: str) -> dict[str, Any]:
    """The options of the start that files a report. ALLOW_DUPLICATE lets a report after
    closure start a new run (a new case) under the same workflow id."""
    return {
        "id": case_workflow_id(tenancy_id),
        "task_queue": task_queue,
        "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    }


def start_operation(
    tenancy_id: str, task_queue: str, report: DisturbanceReport | None = None, **case_input: Any
) -> WithStartWorkflowOperation:
    """The workflow start that goes with a `file_report` Update: the running case is used
    if there is one. A new run gets a static summary and details from the report's codes
    (domain/summary.py: no personal data), for Temporal's Web UI. `case_input` is for tests
    (search_attributes, max_history_events_before_continue)."""
    return WithStartWorkflowOperation(
        DisturbanceCaseWorkflow.run,
        CaseInput(**case_input),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        **start_options(tenancy_id, task_queue),
        **_metadata(report),
    )


def _metadata(report: DisturbanceReport | None) -> dict[str, str]:
    if report is None:
        return {}
    return {"static_summary": opening_summary(report), "static_details": opening_details(report)}


async def file_report(
    client: Client, report: DisturbanceReport, *, task_queue: str, **case_input: Any
) -> tuple[ReportReceipt, WorkflowHandle]:
    """File a report and wait for the case's answer: the receipt, and the handle of the
    run that gave it. Raises WorkflowUpdateFailedError when the case refuses the report
    (nothing is recorded then) and RPCError when Temporal cannot be reached."""
    operation = start_operation(report.tenancy.tenancy_id, task_queue, report, **case_input)
    receipt = await client.execute_update_with_start_workflow(
        DisturbanceCaseWorkflow.file_report,
        report,
        start_workflow_operation=operation,
        id=report_update_id(report),
    )
    return receipt, await operation.workflow_handle()


async def submit_report(client: Client, report: DisturbanceReport, *, task_queue: str, **case_input: Any) -> WorkflowHandle:
    """The earlier intake, by signal-with-start of the `report` signal: no receipt, and a
    report the case cannot take is not answered to the sender. Kept for the benchmark's
    comparison with bare Temporal and for clients not yet moved to `file_report`."""
    return await client.start_workflow(
        DisturbanceCaseWorkflow.run,
        CaseInput(**case_input),
        start_signal=REPORT_SIGNAL,
        start_signal_args=[report],
        **start_options(report.tenancy.tenancy_id, task_queue),
        **_metadata(report),
    )
