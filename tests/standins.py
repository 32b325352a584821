"""Stand-in activities for workflow tests, registered under the real activity names.

They collect every call in memory so a test can assert what the case asked the
register and the partner channels to do. The worker never registers these.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
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
    NoticeKind,
    NoticeOutcome,
    NoticeRequest,
    RegisterBatch,
    ReportRecord,
    ReportVerdict,
    StaffTaskRecord,
)


class StandIns:
    """In-memory register and partner channel. `failing_notices` maps a notice kind to
    'outage' (every attempt fails, retryable), 'permanent' (PermanentDeliveryError) or
    'no_partner' (no partner in the directory takes it: the outcome says `skipped`, as
    activities.notify answers); every other notice is delivered."""

    def __init__(
        self,
        failing_notices: dict[NoticeKind, str] | None = None,
        redacted_notices: frozenset[NoticeKind] = frozenset(),
        *,
        policy: EscalationPolicy | None = None,
    ) -> None:
        self.policy = policy or case_policy()
        """What `policy_in_force` answers: the worker's policy, the one every new case runs by."""
        self.calls: list[tuple[str, Any]] = []
        self.reads: list[tuple[str, Any]] = []
        """Calls that write and send nothing (the policy, the register's report look-up)."""
        self.failing_notices = failing_notices or {}
        self.redacted_notices = redacted_notices
        """Kinds whose outcome says the screen cut a complainant's identity (partners/screen.py)."""
        self.notice_attempts: dict[str, int] = defaultdict(int)
        self.batches = 0
        self.refused_batches = 0
        self.unavailable_attempts = 0
        """The next this many batch attempts fail as a database that is away fails (retryable)."""
        self.verdict_gate: asyncio.Event | None = None
        """When set, recording a verdict waits for it: a test holds a step in flight."""
        self.notice_gate: asyncio.Event | None = None
        """When set, sending a notice waits for it: a test holds a notice in flight."""

    def of(self, name: str) -> list[Any]:
        return [arg for called, arg in self.calls if called == name]

    def event_kinds(self) -> list[str]:
        return [e.kind for e in self.of(ActivityName.RECORD_CASE_EVENT)]

    def notice_kinds(self) -> list[NoticeKind]:
        return [n.kind for n in self.of(ActivityName.SEND_NOTICE)]

    @property
    def activities(self) -> list:
        return [
            self.upsert_case,
            self.record_case_event,
            self.record_report,
            self.record_report_verdict,
            self.open_staff_task,
            self.close_staff_task,
            self.record_disclosure,
            self.record_register_batch,
            self.send_notice,
            self.record_intake_incident,
            self.policy_in_force,
            self.find_report,
            self.look_up_opening,
            self.extend_calendar,
        ]

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
        if self.verdict_gate is not None:
            await self.verdict_gate.wait()
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
        """A batch stands for its single writes: record each as that activity's call.
        The first `refused_batches` batches are refused as the register refuses bad data."""
        if self.verdict_gate is not None and any(w.name == ActivityName.RECORD_REPORT_VERDICT for w in batch.writes):
            await self.verdict_gate.wait()
        if self.unavailable_attempts > 0:
            self.unavailable_attempts -= 1
            raise ConnectionRefusedError("the register is away")
        self.batches += 1
        if self.batches <= self.refused_batches:
            raise ApplicationError("case_id: no such case in the register", type="UnknownCase", non_retryable=True)
        self.calls.extend((write.name, write.record) for write in batch.writes)

    @activity.defn(name=ActivityName.RECORD_INTAKE_INCIDENT)
    async def record_intake_incident(self, record: IntakeIncidentRecord) -> None:
        self.calls.append((ActivityName.RECORD_INTAKE_INCIDENT, record))

    @activity.defn(name=ActivityName.POLICY_IN_FORCE)
    async def policy_in_force(self) -> EscalationPolicy:
        self.reads.append((ActivityName.POLICY_IN_FORCE, None))
        return self.policy

    @activity.defn(name=ActivityName.EXTEND_CALENDAR)
    async def extend_calendar(self, request: CalendarExtension) -> EscalationPolicy:
        """The worker's answer (activities.policy): the same rules, a longer Swedish calendar."""
        from runtime.calendar import with_swedish_calendar

        self.reads.append((ActivityName.EXTEND_CALENDAR, request))
        return with_swedish_calendar(request.policy, request.first_year, request.last_year)

    @activity.defn(name=ActivityName.FIND_REPORT)
    async def find_report(self, query: PriorReportQuery) -> PriorReport | None:
        """What register.queries.prior_report answers, from the writes recorded here."""
        self.reads.append((ActivityName.FIND_REPORT, query))
        return self._prior_report(query)

    @activity.defn(name=ActivityName.LOOK_UP_OPENING)
    async def look_up_opening(self, query: PriorReportQuery) -> OpeningLookup:
        """What activities.opening answers: find_report's answer and the policy in force."""
        self.reads.append((ActivityName.LOOK_UP_OPENING, query))
        return OpeningLookup(prior=self._prior_report(query), policy=self.policy)

    def _prior_report(self, query: PriorReportQuery) -> PriorReport | None:
        cases = {c.case_id: c for c in self.of(ActivityName.UPSERT_CASE)}  # the last upsert of each case
        for filed in self.of(ActivityName.RECORD_REPORT):
            case = cases.get(filed.case_id)
            if case is None or case.tenancy_id != query.tenancy_id or filed.external_ref != query.external_ref:
                continue
            return PriorReport(
                workflow_id=case.workflow_id, case_id=case.case_id, report_id=filed.report_id, stage=case.stage,
                source_kind=filed.source_kind, category=filed.category, severity=filed.severity,
                occurred_at=filed.occurred_at, place=filed.place, property_id=case.property_id, area=case.area,
                housing_form=case.housing_form,
            )  # fmt: skip
        return None

    @activity.defn(name=ActivityName.SEND_NOTICE)
    async def send_notice(self, request: NoticeRequest) -> NoticeOutcome:
        if self.notice_gate is not None:
            await self.notice_gate.wait()
        self.notice_attempts[request.notice_id] += 1
        failure = self.failing_notices.get(request.kind)
        redacted = request.kind in self.redacted_notices
        if failure == "permanent":
            details = NoticeOutcome(notice_id=request.notice_id, failed_permanently=("p",), redacted=redacted)
            raise ApplicationError(
                "recipient refused", details.model_dump(mode="json"), type="PermanentDeliveryError", non_retryable=True
            )
        if failure == "outage":
            raise RuntimeError("partner endpoint unreachable")
        if failure == "no_partner":
            self.calls.append((ActivityName.SEND_NOTICE, request))
            return NoticeOutcome(notice_id=request.notice_id, skipped=True)
        if self.notice_attempts[request.notice_id] == 1:
            self.calls.append((ActivityName.SEND_NOTICE, request))
        return NoticeOutcome(notice_id=request.notice_id, delivered_to=(f"partner-{request.kind}",), redacted=redacted)


# -- shared test vocabulary ----------------------------------------------------------------
import uuid  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from temporalio.client import Client, WorkflowHandle  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from domain.models import Actor, Category, DisturbanceReport, HousingForm, Role, Severity, SourceKind, TenancyRef  # noqa: E402
from domain.policy import EscalationPolicy  # noqa: E402
from runtime.calendar import default_policy  # noqa: E402

COORDINATOR = Actor(id="coord-1", role=Role.COORDINATOR)
SENIOR_COORDINATOR = Actor(id="senior-1", role=Role.SENIOR_COORDINATOR)
TEAM_LEAD = Actor(id="lead-1", role=Role.TEAM_LEAD)
LAWYER = Actor(id="lawyer-1", role=Role.TENANCY_LAWYER)
PREVENTION = Actor(id="prev-1", role=Role.PREVENTION_TEAM)
OPERATOR = Actor(id="ops-1", role=Role.OPERATOR)


def case_policy(**changes: Any) -> EscalationPolicy:
    """The default policy with the real Swedish calendar around today, fast notice retries."""
    base = default_policy(datetime.now(UTC).year - 1, years=5)
    return base.model_copy(update={"notice_initial_retry_seconds": 0.05, "notice_max_attempts": 3, **changes})


def tenancy(housing_form: HousingForm = HousingForm.ORDINARY) -> TenancyRef:
    return TenancyRef(
        tenancy_id=f"T{uuid.uuid4().hex[:10]}",
        property_id="P-100",
        area="Ryd",
        housing_form=housing_form,
        tenant_ids=("person-1",),
    )


def report(
    tenancy_ref: TenancyRef,
    *,
    ref: str | None = None,
    category: Category = Category.NOISE,
    severity: Severity = Severity.NORMAL,
    occurred_at: datetime | None = None,
) -> DisturbanceReport:
    return DisturbanceReport(
        external_ref=ref or f"ext-{uuid.uuid4().hex[:8]}",
        source_kind=SourceKind.NEIGHBOUR,
        category=category,
        severity=severity,
        occurred_at=occurred_at or datetime.now(UTC) - timedelta(hours=3),
        place="stairwell B",
        tenancy=tenancy_ref,
    )


@asynccontextmanager
async def case_worker(client: Client, standins: StandIns, **kwargs: Any):
    """A worker with both case workflows and the stand-ins, on a fresh task queue."""
    from workflows.case import DisturbanceCaseWorkflow
    from workflows.prevention import PreventionWorkflow

    queue = f"tq-{uuid.uuid4().hex[:12]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[DisturbanceCaseWorkflow, PreventionWorkflow],
        activities=standins.activities,
        **kwargs,
    ):
        yield queue


async def file_report(client: Client, queue: str, disturbance: DisturbanceReport, **kwargs: Any) -> WorkflowHandle:
    """File a report as a case system does (Update-with-start) and return the case's handle."""
    return (await filed_report(client, queue, disturbance, **kwargs))[1]


async def filed_report(client: Client, queue: str, disturbance: DisturbanceReport, **kwargs: Any):
    """File a report; the receipt and the handle. A case's policy is the worker's: give it
    to `StandIns(policy=...)`, never here."""
    from workflows.start import file_report as file_by_update

    assert "policy" not in kwargs, "the worker owns a case's policy: StandIns(policy=...)"
    kwargs.setdefault("search_attributes", False)  # the time-skipping server has no custom attributes
    receipt, handle = await file_by_update(client, disturbance, task_queue=queue, **kwargs)
    return receipt, skipping_time(client, handle)


def skipping_time(client: Client, handle: WorkflowHandle) -> WorkflowHandle:
    """On the time-skipping server, a handle whose `result()` lets time skip, as the handles
    `start_workflow` returns there do. Update-with-start hands back a plain handle (the
    SDK's time-skipping interceptor wraps only start_workflow), so we wrap it the same way."""
    from temporalio.testing import _workflow as testing

    for interceptor in client.config()["interceptors"]:
        if isinstance(interceptor, testing._TimeSkippingClientInterceptor):
            handle.__class__ = testing._TimeSkippingWorkflowHandle
            handle.env = interceptor.env  # type: ignore[attr-defined]
    return handle


class CaseDriver:
    """Staff at the console, in a test: steps and views of one case by its handle."""

    def __init__(self, client: Client, handle: WorkflowHandle) -> None:
        self.client = client
        self.handle = handle

    async def view(self, role: Role | None = None):
        from domain.view import CaseView

        return await self.handle.query("view", role, result_type=CaseView)

    async def refused(self, name: str, step: Any) -> str:
        """Take a step that must be refused; return the refusal, and prove history kept no trace."""
        import json

        from temporalio.client import WorkflowUpdateFailedError
        from temporalio.exceptions import ApplicationError

        from domain.view import CaseView

        update_id = f"refused-{uuid.uuid4().hex}"
        try:
            await self.handle.execute_update(name, step, id=update_id, result_type=CaseView)
        except WorkflowUpdateFailedError as failure:
            cause = failure.cause
        else:
            raise AssertionError(f"'{name}' was taken, not refused")
        assert isinstance(cause, ApplicationError) and cause.type == "StepRefused"
        history = json.dumps((await self.handle.fetch_history()).to_json_dict())
        assert update_id not in history, "a refused step writes nothing to history"
        assert cause.message not in history
        return cause.message

    async def step(self, name: str, step: Any):
        from domain.view import CaseView

        return await self.handle.execute_update(name, step, result_type=CaseView)

    async def verify_pending(self, actor: Actor = COORDINATOR):
        from domain.steps import VerifyReport

        view = await self.view()
        pending = [r for r in view.reports if r.verified is None]
        assert pending, "no report waits for verification"
        return await self.step(
            "verify_report",
            VerifyReport(actor=actor, reason="confirmed on site", report_id=pending[-1].report_id, method="inspection"),
        )

    async def warn_after_dialogue(self):
        from domain.steps import IssueWarning, RecordContact, RecordDialogue

        await self.verify_pending()
        await self.step("record_contact", RecordContact(actor=COORDINATOR, reason="home visit", method="visit"))
        await self.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="no change agreed", resolved=False))
        return await self.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="disturbances go on"))

    async def warning_delivered(self) -> datetime:
        """Wait until the warning reached the tenant (notices go out in the background) and
        return when: under the law's rules the warning counts from then."""
        from tests.helpers import eventually

        async def delivered() -> datetime:
            view = await self.view()
            assert view.warned_at is not None, "the warning has not reached the tenant yet"
            return view.warned_at

        return await eventually(delivered)

    def prevention(self, workflow_id: str) -> "PreventionDriver":
        return PreventionDriver(self.client.get_workflow_handle(workflow_id))


class PreventionDriver:
    def __init__(self, handle: WorkflowHandle) -> None:
        self.handle = handle

    async def view(self):
        from domain.prevention import PreventionView

        return await self.handle.query("view", result_type=PreventionView)

    async def step(self, name: str, step: Any):
        from domain.prevention import PreventionView

        return await self.handle.execute_update(name, step, result_type=PreventionView)

    async def agree_plan(self):
        from domain.prevention import AgreeActionPlan, RecordConsent

        await self.step("record_consent", RecordConsent(actor=PREVENTION, reason="signed form", given=True))
        return await self.step(
            "agree_action_plan",
            AgreeActionPlan(actor=PREVENTION, reason="meeting with soc", measures=("quiet_hours", "home_support")),
        )


HISTORIES = __import__("pathlib").Path(__file__).parent / "histories"


async def keep_history(handle: WorkflowHandle, name: str) -> None:
    """With TRYGG_RECORD_HISTORIES=1, write this run's history to tests/histories/<name>.json
    for the replay test. Re-record when a workflow changes shape on purpose."""
    import os

    if os.environ.get("TRYGG_RECORD_HISTORIES") != "1":
        return
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
