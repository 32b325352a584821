"""The in-memory register and partner channel of `trygg simulate --conformance`.

The replayed workflows are the real ones; only their side effects are kept here, under
the real activity names, so the replay can read what each case asked the register and
the partners to do. The partner channel answers each notice as the simulation drew it
(delivered to `partner-<kind>`, or refused for good), and the worker's policy is the
simulation's. (The tests drive the same replay with tests/standins.py.)
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.intake import OpeningLookup, PriorReport, PriorReportQuery
from domain.policy import CalendarExtension, EscalationPolicy
from domain.records import (
    ActivityName,
    CaseEventRecord,
    CaseRecord,
    CloseStaffTask,
    DisclosureRecord,
    IntakeIncidentRecord,
    NoticeOutcome,
    NoticeRequest,
    RegisterBatch,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
)


class Recorder:
    """Keeps every register write as (activity name, record), and every notice asked for."""

    def __init__(self, policy: EscalationPolicy, outcomes: dict[tuple[str, str], bool]) -> None:
        self.policy = policy
        self.outcomes = outcomes
        self.calls: list[tuple[str, Any]] = []
        self.requests: list[NoticeRequest] = []

    @property
    def activities(self) -> list:
        return [
            self.upsert_case, self.record_case_event, self.record_report, self.record_report_verdict,
            self.open_staff_task, self.close_staff_task, self.record_disclosure, self.record_register_batch,
            self.send_notice, self.record_intake_incident, self.policy_in_force, self.find_report, self.look_up_opening,
            self.extend_calendar,
        ]  # fmt: skip

    @activity.defn(name=ActivityName.UPSERT_CASE)
    async def upsert_case(self, record: CaseRecord) -> None:
        self.calls.append((ActivityName.UPSERT_CASE, record))

    @activity.defn(name=ActivityName.RECORD_CASE_EVENT)
    async def record_case_event(self, record: CaseEventRecord) -> None:
        self.calls.append((ActivityName.RECORD_CASE_EVENT, record))

    @activity.defn(name=ActivityName.RECORD_REPORT)
    async def record_report(self, record: ReportRecord) -> None:
        self.calls.append((ActivityName.RECORD_REPORT, record))

    @activity.defn(name=ActivityName.RECORD_REPORT_VERDICT)
    async def record_report_verdict(self, record: ReportVerdict) -> None:
        self.calls.append((ActivityName.RECORD_REPORT_VERDICT, record))

    @activity.defn(name=ActivityName.OPEN_STAFF_TASK)
    async def open_staff_task(self, record: StaffTaskRecord) -> None:
        self.calls.append((ActivityName.OPEN_STAFF_TASK, record))

    @activity.defn(name=ActivityName.CLOSE_STAFF_TASK)
    async def close_staff_task(self, record: CloseStaffTask) -> None:
        self.calls.append((ActivityName.CLOSE_STAFF_TASK, record))

    @activity.defn(name=ActivityName.RECORD_DISCLOSURE)
    async def record_disclosure(self, record: DisclosureRecord) -> None:
        self.calls.append((ActivityName.RECORD_DISCLOSURE, record))

    @activity.defn(name=ActivityName.RECORD_REGISTER_BATCH)
    async def record_register_batch(self, batch: RegisterBatch) -> None:
        self.calls.extend((write.name, write.record) for write in batch.writes)

    @activity.defn(name=ActivityName.RECORD_INTAKE_INCIDENT)
    async def record_intake_incident(self, record: IntakeIncidentRecord) -> None:
        self.calls.append((ActivityName.RECORD_INTAKE_INCIDENT, record))

    @activity.defn(name=ActivityName.POLICY_IN_FORCE)
    async def policy_in_force(self) -> EscalationPolicy:
        return self.policy

    @activity.defn(name=ActivityName.EXTEND_CALENDAR)
    async def extend_calendar(self, request: CalendarExtension) -> EscalationPolicy:
        from runtime.calendar import with_swedish_calendar

        return with_swedish_calendar(request.policy, request.first_year, request.last_year)

    @activity.defn(name=ActivityName.FIND_REPORT)
    async def find_report(self, query: PriorReportQuery) -> PriorReport | None:
        return None  # the sample holds one case per tenancy: no earlier case to find

    @activity.defn(name=ActivityName.LOOK_UP_OPENING)
    async def look_up_opening(self, query: PriorReportQuery) -> OpeningLookup:
        return OpeningLookup(prior=None, policy=self.policy)  # no earlier case, as find_report

    @activity.defn(name=ActivityName.SEND_NOTICE)
    async def send_notice(self, request: NoticeRequest) -> NoticeOutcome:
        self.requests.append(request)
        return simulated_delivery(self.outcomes, request)


def simulated_delivery(outcomes: dict[tuple[str, str], bool], request: NoticeRequest) -> NoticeOutcome:
    """A notice answered as the simulation drew it: delivered to `partner-<kind>`, or
    refused for good (the permanent failure the real channel raises)."""
    tenancy_id = request.case_id.split(".", 1)[0]
    if not outcomes.get((tenancy_id, request.notice_id.rsplit(":", 1)[1]), True):
        details = NoticeOutcome(notice_id=request.notice_id, failed_permanently=("partner",))
        raise ApplicationError("recipient refused", details.model_dump(mode="json"),
                               type="PermanentDeliveryError", non_retryable=True)  # fmt: skip
    return NoticeOutcome(notice_id=request.notice_id, delivered_to=(f"partner-{request.kind}",))
