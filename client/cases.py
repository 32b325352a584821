"""TryggClient: reports in, staff steps, views, lists, and the register's reads."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
from pydantic import BaseModel, ValidationError
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from client.errors import CaseNotFound, InvalidInput, OutcomeUnknown, ReportRefused, StepRefused, Unreachable
from client.references import case_reference, resolve_report
from client.timeline import Timeline, build_timeline
from domain.intake import CASE_CLOSING, ReportReceipt
from domain.models import Actor, DisturbanceReport, Role
from domain.policy import EscalationPolicy
from domain.prevention import ASSIGN_TASK as PREVENTION_ASSIGN_TASK
from domain.prevention import PREVENTION_STEP_MODELS, PreventionView
from domain.refusals import INVALID_INPUT
from domain.redaction import cut_model
from domain.steps import STEP_MODELS
from domain.view import CaseView
from register import queries
from register.queries import InboxItem, RegisterStatistics
from runtime.codec import decode_payloads_in_place
from runtime.connections import plain_reason
from workflows import search_attributes as sa
from workflows.case import DisturbanceCaseWorkflow
from workflows.start import file_report

ALL_STEPS: dict[str, type[BaseModel]] = {**STEP_MODELS, **PREVENTION_STEP_MODELS}
"""Every step a person can take: the case's own and the prevention track's."""

STEP_TIMEOUT = timedelta(seconds=20)
"""How long a step waits for its answer before the client asks for that Update's outcome
instead: long enough for a turn that waits on a briefly busy register, short enough that
a person is not left staring at a frozen terminal."""

_LOST = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED)
"""RPC failures after which a step may or may not have reached the case."""


STEP_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_step_id() -> str:
    """The Update id of one step, chosen before its first attempt, so every retry of the
    same step (by the client, or by a person with --step-id) is the same Update."""
    return f"step-{uuid.uuid4().hex}"


class CaseSummary(BaseModel):
    """One row of `trygg cases`: from Temporal's visibility, no personal data."""

    workflow_id: str
    run_id: str
    status: str
    stage: str | None
    area: str | None
    category: str | None
    next_due: datetime | None
    overdue: bool | None
    escalated: bool | None
    started_at: datetime | None


class TryggClient:
    """Holds a Temporal client and, for the register's reads, an optional asyncpg pool.

    Build it with `TryggClient.connect(settings)` (client/connect.py), which gives it the
    worker's data converter and payload codec; the constructor is for code that already
    holds a correctly configured Temporal client (tests, the API). `temporal` may be None
    for a client that only reads the register (inbox, statistics)."""

    def __init__(
        self,
        temporal: Client | None,
        *,
        task_queue: str,
        policy: EscalationPolicy | None = None,
        pool: asyncpg.Pool | None = None,
        step_timeout: timedelta = STEP_TIMEOUT,
    ) -> None:
        self.temporal = temporal  # type: ignore[assignment]
        self.task_queue = task_queue
        self.policy = policy
        self.pool = pool
        self.step_timeout = step_timeout

    @staticmethod
    def connect(settings=None, **options):
        """`async with TryggClient.connect(settings) as client:` (see client.connect.connect)."""
        from client.connect import connect

        return connect(settings, **options)

    # -- case systems ---------------------------------------------------------------------
    @staticmethod
    def parse_report(data: dict[str, Any]) -> DisturbanceReport:
        try:
            return DisturbanceReport.model_validate(data)
        except ValidationError as error:
            raise InvalidInput.from_validation(error) from None

    async def report(self, report: DisturbanceReport, *, closing_wait: float = 30.0) -> ReportReceipt:
        """File a report with the `file_report` Update (Update-with-start): opens the
        tenancy's case or joins the open one, and the case answers with its receipt in the
        same call. A repeat answers the first receipt (marked duplicate once it is not this
        very call retried). A case that has just closed and is sending its last notices
        asks for the report again; that is retried for up to `closing_wait` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + closing_wait
        while True:
            try:
                receipt, _ = await file_report(self.temporal, report, task_queue=self.task_queue)
                return receipt
            except WorkflowUpdateFailedError as error:
                cause = error.cause
                if getattr(cause, "type", None) == CASE_CLOSING and loop.time() < deadline:
                    await asyncio.sleep(0.5)
                    continue
                message = getattr(cause, "message", None) or str(cause)
                raise ReportRefused("report refused: " + "; ".join(message.splitlines())) from None
            except WorkflowUpdateRPCTimeoutOrCancelledError:
                # The report's Update id comes from its external_ref: sending it again is the same Update.
                raise Unreachable(
                    f"the case did not answer report {report.external_ref} in time; it may be recorded yet. "
                    "Filing the same report again never records it twice"
                ) from None
            except RPCError as error:
                raise self._translate(error, "Temporal") from None

    # -- staff ----------------------------------------------------------------------------
    @staticmethod
    def parse_step(step: str, actor: Actor, data: dict[str, Any]) -> BaseModel:
        """Build the step's input model; every bad field is named. Nothing is sent."""
        model = ALL_STEPS.get(step)
        if model is None:
            raise InvalidInput([f"step: unknown step '{step}'; one of {', '.join(sorted(ALL_STEPS))}"])
        try:
            return model.model_validate({**data, "actor": actor})
        except ValidationError as error:
            raise InvalidInput.from_validation(error) from None

    async def act(
        self, case: str, step: str, actor: Actor, data: dict[str, Any], *, step_id: str | None = None
    ) -> CaseView:
        """Take one staff step as an Update; the workflow's validator may refuse it.

        The step goes under one Update id from its first attempt (`step_id`, or a new
        one): when its answer is lost, the client asks for that Update's outcome rather
        than sending a second step, and raises OutcomeUnknown, naming the id, when even
        that does not answer. The same id sent again never takes the step twice."""
        model = self.parse_step(step, actor, data)
        if step_id is not None and not STEP_ID.fullmatch(step_id):
            raise InvalidInput(["step_id: 1 to 128 letters, digits or . _ : - (the id a step whose outcome was unknown printed)"])
        step_id = step_id or new_step_id()
        handle = await self._case_handle(case)
        if "report_id" in type(model).model_fields:
            model = await self._named_report(handle, model)
        if step in PREVENTION_STEP_MODELS:
            view = await self.view(case)
            if view.prevention_workflow_id is None:
                raise StepRefused(f"'{step}' belongs to the prevention track, and this case has none running.")
            target = self.temporal.get_workflow_handle(view.prevention_workflow_id)
            await self._update(target, case, step, model, step_id)
            return await self.view(case, actor.role)
        result = await self._update(handle, case, step, model, step_id)
        view = CaseView.model_validate(result) if not isinstance(result, CaseView) else result
        return cut_model(view, actor.role)

    async def assign_task(
        self, case: str, actor: Actor, task_id: str, assignee: str, reason: str, *, step_id: str | None = None
    ) -> CaseView:
        """Hand one open task to a colleague (or claim it: assignee is the actor), wherever
        the task lives: one of the case's own goes to the case's `assign_task` step, one of
        its prevention track to the track's own Update of that name, judged by the same
        rule. Both doors (the API and the web app) come through here, so neither needs to
        know which workflow holds a task."""
        data = {"task_id": task_id, "assignee": assignee, "reason": reason}
        view = await self.view(case, actor.role)
        if any(t.task_id == task_id for t in view.open_tasks) or view.prevention_workflow_id is None:
            return await self.act(case, "assign_task", actor, data, step_id=step_id)
        model = self.parse_step("assign_task", actor, data)
        track = self.temporal.get_workflow_handle(view.prevention_workflow_id)
        await self._update(track, case, PREVENTION_ASSIGN_TASK, model, step_id or new_step_id())
        return await self.view(case, actor.role)

    async def _named_report(self, handle: WorkflowHandle, model: BaseModel) -> BaseModel:
        """A step's `report_id` may name the report by the case system's `external_ref` or
        as `latest` (client/references.py): a case system's ref is what a person has at
        hand, not the id the case gave. The case still judges the step with the real id."""
        current = await self._try_view(handle)
        if current is None:
            return model
        resolved = resolve_report(model.report_id, current.reports)
        return model if resolved in (None, model.report_id) else model.model_copy(update={"report_id": resolved})

    async def _update(self, handle: WorkflowHandle, case: str, step: str, model: BaseModel, step_id: str) -> Any:
        try:
            return await handle.execute_update(step, model, id=step_id, rpc_timeout=self.step_timeout)
        except WorkflowUpdateFailedError as error:
            raise _refusal(error) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            pass
        except RPCError as error:
            if error.status not in _LOST:
                raise self._translate(error, handle.id) from None
        return await self._outcome_of(handle, case, step, step_id)

    async def _outcome_of(self, handle: WorkflowHandle, case: str, step: str, step_id: str) -> Any:
        """Ask once more for the outcome of the Update already sent under `step_id`.
        Not found means it never reached the case: the person may send it again."""
        try:
            return await handle.get_update_handle(step_id).result(rpc_timeout=self.step_timeout)
        except WorkflowUpdateFailedError as error:
            raise _refusal(error) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise OutcomeUnknown(case, step, step_id) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND or error.status in _LOST:
                raise OutcomeUnknown(case, step, step_id) from None
            raise self._translate(error, handle.id) from None

    # -- operators ------------------------------------------------------------------------
    async def view(self, case: str, role: Role | None = None) -> CaseView:
        """The case as `role` may read it (domain/redaction.py): without a role, codes only."""
        handle = await self._case_handle(case)
        try:
            view = await handle.query(DisturbanceCaseWorkflow.view, role)
        except WorkflowQueryFailedError as error:
            raise CaseNotFound(f"case {case}: {error}") from None
        except RPCError as error:
            raise self._translate(error, handle.id) from None
        return cut_model(await self._with_prevention_tasks(view), role)

    async def _with_prevention_tasks(self, view: CaseView) -> CaseView:
        """The prevention track's open tasks live in its own workflow; a reader of the case
        sees them beside the case's, so nobody has to know the track is a child."""
        if view.prevention_workflow_id is None or view.prevention_outcome is not None or view.closed_at is not None:
            return view
        try:
            track = await self.temporal.get_workflow_handle(view.prevention_workflow_id).query("view", result_type=PreventionView)
        except (WorkflowQueryFailedError, RPCError):
            return view  # the track is starting or has just ended: the case's own view stands
        return view.model_copy(update={"prevention_tasks": track.tasks})

    async def history(self, case: str, role: Role | None = None) -> Timeline:
        """The case's timeline from Temporal's history (across continue-as-new) and, when a
        register is connected, its audit trail, cut to what `role` may read
        (domain/redaction.py): without a role, codes only."""
        handle = await self._case_handle(case)
        histories = []
        try:
            run_id: str | None = (await handle.describe()).run_id
            while run_id is not None:
                history = await self.temporal.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
                histories.insert(0, history)
                started = history.events[0].workflow_execution_started_event_attributes
                run_id = started.continued_execution_run_id or None
            children = [await self.temporal.get_workflow_handle(child).fetch_history() for child in _children(histories)]
        except RPCError as error:
            raise self._translate(error, handle.id) from None
        trail = None
        view = await self._try_view(handle)
        if self.pool is not None and view is not None:
            trail = await queries.case_audit_trail(self.pool, view.case_id)
        codec = self.temporal.data_converter.payload_codec
        if codec is not None:  # fetched histories hold payloads as stored: encrypted
            for fetched in [*histories, *children]:
                for event in fetched.events:
                    await decode_payloads_in_place(event, codec)
        return build_timeline(
            handle.id, histories, self.temporal.data_converter.payload_converter, trail, children, role=role
        )

    async def cases(
        self,
        *,
        stage: str | None = None,
        area: str | None = None,
        overdue: bool | None = None,
        escalated: bool | None = None,
        include_closed: bool = False,
        limit: int = 200,
    ) -> list[CaseSummary]:
        """Matching cases through Temporal's visibility (search attributes only)."""
        query = self.visibility_query(stage=stage, area=area, overdue=overdue, escalated=escalated, include_closed=include_closed)
        found: list[CaseSummary] = []
        try:
            async for execution in self.temporal.list_workflows(query, limit=limit):
                attributes = execution.typed_search_attributes
                found.append(
                    CaseSummary(
                        workflow_id=execution.id,
                        run_id=execution.run_id,
                        status=WorkflowExecutionStatus.Name(execution.status).removeprefix("WORKFLOW_EXECUTION_STATUS_")
                        if execution.status
                        else "UNKNOWN",
                        stage=attributes.get(sa.CASE_STAGE),
                        area=attributes.get(sa.CASE_AREA),
                        category=attributes.get(sa.CASE_CATEGORY),
                        next_due=attributes.get(sa.NEXT_DUE),
                        overdue=attributes.get(sa.OVERDUE),
                        escalated=attributes.get(sa.ESCALATED),
                        started_at=execution.start_time,
                    )
                )
        except RPCError as error:
            raise self._translate(error, "visibility") from None
        return found

    @staticmethod
    def visibility_query(
        *,
        stage: str | None = None,
        area: str | None = None,
        overdue: bool | None = None,
        escalated: bool | None = None,
        include_closed: bool = False,
    ) -> str:
        """A visibility query over Trygg's search attributes; values are quoted safely."""
        clauses = [f"WorkflowType = '{DisturbanceCaseWorkflow.__name__}'"]
        if not include_closed:
            clauses.append("ExecutionStatus = 'Running'")
        if stage:
            clauses.append(f"{sa.CASE_STAGE.name} = {_quote(stage)}")
        if area:
            clauses.append(f"{sa.CASE_AREA.name} = {_quote(area)}")
        if overdue is not None:
            clauses.append(f"{sa.OVERDUE.name} = {str(overdue).lower()}")
        if escalated is not None:
            clauses.append(f"{sa.ESCALATED.name} = {str(escalated).lower()}")
        return " AND ".join(clauses)

    # -- the register ---------------------------------------------------------------------
    async def inbox(
        self, *, role: Role | None = None, assignee: str | None = None, area: str | None = None
    ) -> list[InboxItem]:
        return await queries.staff_inbox(
            self._register(), now=datetime.now(timezone.utc), role=role, assignee=assignee, area=area
        )

    async def stats(self, *, since: datetime, until: datetime | None = None, area: str | None = None) -> RegisterStatistics:
        end = until or datetime.now(timezone.utc) + timedelta(seconds=1)
        return await queries.statistics(self._register(), start=since, end=end, area=area)

    # -- plumbing -------------------------------------------------------------------------
    def _register(self) -> asyncpg.Pool:
        if self.pool is None:
            raise Unreachable("the case register is not connected (set DATABASE_URL, or run trygg dev)")
        return self.pool

    async def _case_handle(self, case: str) -> WorkflowHandle:
        """A case is named by any id Trygg prints (client/references.py): the tenancy id,
        the workflow id `case-<tenancy>`, the case id, or a report, task or prevention id
        of the case. An id of an earlier case of the tenancy never reaches the current one."""
        reference = case_reference(case)
        handle = self.temporal.get_workflow_handle(reference.workflow_id)
        try:
            await handle.describe()
        except RPCError as error:
            raise self._translate(error, reference.workflow_id) from None
        if reference.case_id is not None:
            current = await self._try_view(handle)
            if current is not None and current.case_id != reference.case_id:
                raise CaseNotFound(
                    f"case {reference.case_id} is not the one open under {reference.workflow_id} "
                    f"(that is {current.case_id}); an earlier case's record stays in the register"
                )
        return handle

    async def _try_view(self, handle: WorkflowHandle) -> CaseView | None:
        try:
            return await handle.query(DisturbanceCaseWorkflow.view)
        except (WorkflowQueryFailedError, RPCError):
            return None

    async def _call(self, awaitable):
        try:
            return await awaitable
        except RPCError as error:
            raise self._translate(error, "Temporal") from None

    @staticmethod
    def _translate(error: RPCError, subject: str) -> Exception:
        if error.status == RPCStatusCode.NOT_FOUND:
            return CaseNotFound(f"no case {subject}")
        if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return Unreachable(f"cannot reach Temporal: {plain_reason(error)}")
        return StepRefused(error.message)


def _refusal(error: WorkflowUpdateFailedError) -> Exception:
    """The case's answer to a step it did not take, as the client's error."""
    cause = error.cause
    message = getattr(cause, "message", None) or str(cause)
    if getattr(cause, "type", None) == INVALID_INPUT:  # the worker's models refused what this client sent
        return InvalidInput([message.removeprefix("invalid input: ")])
    return StepRefused(message)


def _children(histories) -> list[str]:
    """Ids of the child workflows (the prevention track) the case started."""
    return [
        event.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
        for history in histories
        for event in history.events
        if event.HasField("child_workflow_execution_started_event_attributes")
    ]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
