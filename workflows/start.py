"""Client side of a case: how a report reaches its tenancy's workflow.

Kept out of the workflow modules so workflow code never touches the client.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy

from domain.models import DisturbanceReport
from domain.policy import EscalationPolicy
from workflows.case import REPORT_SIGNAL, CaseInput, DisturbanceCaseWorkflow, case_workflow_id


def start_options(tenancy_id: str, task_queue: str) -> dict[str, Any]:
    """The options of the signal-with-start that files a report. ALLOW_DUPLICATE lets a
    report after closure start a new run (a new case) under the same workflow id."""
    return {
        "id": case_workflow_id(tenancy_id),
        "task_queue": task_queue,
        "id_reuse_policy": WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    }


async def submit_report(
    client: Client,
    report: DisturbanceReport,
    *,
    policy: EscalationPolicy,
    task_queue: str,
    **case_input: Any,
) -> WorkflowHandle:
    """File a report: open the tenancy's case, or join the open one. A repeated
    `external_ref` is a no-op inside the case. `case_input` is for tests
    (e.g. max_history_events_before_continue)."""
    return await client.start_workflow(
        DisturbanceCaseWorkflow.run,
        CaseInput(policy=policy, **case_input),
        start_signal=REPORT_SIGNAL,
        start_signal_args=[report],
        **start_options(report.tenancy.tenancy_id, task_queue),
    )
