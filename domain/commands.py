"""What the ladder asks the workflow to carry out. Pure data: the workflow maps each
command to an activity call (or to nothing, for the clocks it reads from the state)."""

from __future__ import annotations

from pydantic import AwareDatetime

from domain.models import Frozen, TenancyRef
from domain.policy import EscalationPolicy
from domain.records import (
    AssignStaffTask,
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    NoticeRequest,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
)
from domain.state import Clock, Outcome


class UpsertCase(Frozen):
    record: CaseRecord


class RecordEvent(Frozen):
    record: CaseEventRecord


class RecordReport(Frozen):
    record: ReportRecord


class RecordVerdict(Frozen):
    record: ReportVerdict


class OpenTask(Frozen):
    record: StaffTaskRecord


class CloseTask(Frozen):
    record: CloseStaffTask


class AssignTask(Frozen):
    record: AssignStaffTask


class Notify(Frozen):
    """Send one notice; the request names the kind, the facts and the legal basis."""

    request: NoticeRequest


class StartClock(Frozen):
    """Informational: the clock is already in the returned state, which the workflow sleeps on."""

    clock: Clock


class CancelClock(Frozen):
    clock_id: str


class PreventionInput(Frozen):
    """Start arg of the prevention child workflow."""

    case_id: str
    workflow_id: str
    parent_workflow_id: str
    tenancy: TenancyRef
    policy: EscalationPolicy
    started_at: AwareDatetime


class StartPrevention(Frozen):
    input: PreventionInput


class CancelPrevention(Frozen):
    workflow_id: str


class Close(Frozen):
    outcome: Outcome


Command = (
    UpsertCase
    | RecordEvent
    | RecordReport
    | RecordVerdict
    | OpenTask
    | CloseTask
    | AssignTask
    | Notify
    | StartClock
    | CancelClock
    | StartPrevention
    | CancelPrevention
    | Close
)
