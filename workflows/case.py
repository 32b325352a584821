"""DisturbanceCaseWorkflow: the durable shell around the ladder in domain/.

One workflow per tenancy at a time, id `case-{tenancy_id}` (`case_workflow_id`).
Reports arrive by the `file_report` Update, sent with Update-with-start (see
`workflows.start.file_report`): its validator checks the report before anything enters
history, and the caller gets a `ReportReceipt` in the same call. The first report opens
the case, later ones join it, a repeated `external_ref` answers the first receipt marked
duplicate, in this case or, through the register, in any earlier case of the tenancy.
After the case closes the run ends, so the next Update-with-start starts a new run: a new
case with a new `case_id`.
The old `report` signal stays, for running histories and for clients that still send it:
its payloads are read by `workflows.refused_intake.read_report`, and a report that cannot
be read is recorded as a refused intake, never dropped.

The worker owns a case's input (patch `worker-owned-case-input`): a case asks the
`policy_in_force` local activity for its policy when it opens and keeps it in its state
for its life; a `state` in the start input is accepted only on a continue-as-new of this
workflow. The `report` signal (the earlier signal-with-start) stays for running
histories and older clients.

Everything the case decides comes from `domain.ladder.decide`; this module feeds it
events (reports, Updates, clocks, partner answers) one at a time under a lock and
carries out the commands it returns. Clocks live in the state: the main loop sleeps
until the earliest one, so one durable timer runs at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from pydantic import ValidationError
from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from domain.commands import CancelPrevention, Notify, StartPrevention
    from domain.events import (
        ClockFired,
        IntakeRefused,
        NoticeAcknowledged,
        NoticeDelivered,
        NoticeRedacted,
        NoticeUndelivered,
        PreventionFinished,
        PreventionResult,
        ReportReceived,
        notice_outcome_event,
    )
    from domain.intake import (
        CASE_CLOSING,
        FILE_REPORT_UPDATE,
        REPORT_REFUSED,
        START_REFUSED,
        OpeningLookup,
        PriorReport,
        PriorReportQuery,
        ReportReceipt,
        differing_fields,
        fact_digests,
        occurred_at_refusals,
        repeat_refusals,
        report_window,
        tenancy_refusals,
        validation_refusals,
    )
    from domain.ladder import decide, open_case
    from domain.models import DisturbanceReport, Role
    from domain.policy import EscalationPolicy, TaskKind
    from domain.records import ActivityName, IntakeIncidentRecord, NoticeAcknowledgement, NoticeOutcome, NoticeRequest
    from domain.refusals import INTAKE_REFUSED, NO_CASE, IntakeRefusal, describe_validation_error, join_problems
    from domain.state import CURRENT_RULES, RULES_BEFORE_LAW, CaseState, ReportEntry
    from domain.steps import (
        AddNote,
        ApproveTermination,
        ApproveWarning,
        Assign,
        HandOverTask,
        CloseCase,
        CompleteTask,
        EscalateToPrevention,
        IssueWarning,
        RecordContact,
        RecordDialogue,
        RecordFollowUp,
        RecordGroundLearned,
        RecordMilestone,
        RejectReport,
        StepInput,
        VerifyReport,
        refusal,
    )
    from domain.inputs import CaseInput
    from domain.view import CaseView, view_of
    from domain.summary import current_details
    from workflows import search_attributes as sa
    from workflows.activities import (
        BATCHED_REGISTER_WRITES,
        LOCAL_REGISTER_WRITES,
        NOTICE_TIMEOUT,
        carry_out,
        notice_retry,
        patched,
        register_local,
    )
    from workflows.policy_calls import CALENDAR_PATCH, lasting_calendar
    from workflows.prevention import PreventionWorkflow
    from workflows.refused_intake import read_report

REPORT_SIGNAL = "report"

REFUSED_INTAKE = "refused-intake"
"""Patch id: a report signal that cannot be read is recorded as a refused intake (in the
case, or as an incident in the register ending a run that has no case) instead of being
dropped. Histories recorded before it drop such a signal, as the SDK did."""

WORKER_OWNED_INPUT = "worker-owned-case-input"
"""Patch id: a case opens under the policy the worker answers (`policy_in_force`, a local
activity) instead of the one in its start input, and a start carrying a `state` that is
not a continue-as-new of this workflow is refused. Histories recorded before it open
their case from the input's policy, as they did."""

POLICY_TIMEOUT = timedelta(seconds=10)

REPORTLESS_START = timedelta(seconds=30)
"""How long a run started without a report (the Update that came with it was refused)
waits for one before it ends with no case: no workflow stays open with no case."""

LAW_RULES = "law-rules"
"""Patch id: a case opened under it runs by the law's rules (CaseState.rules 2: notices
count when delivered, termination preconditions, the 43 § window from learning of the
ground, steps judged at their moment). Asked once, when the case opens; the rules then
travel in the state through continue-as-new, so a case opened before keeps its ladder."""


STEADY_CLOCK = "perf-steady-clock"
"""Patch id: the main loop keeps one durable timer for the earliest clock and replaces it
only when that moment changes. Before it, every step woke the loop, which cancelled its
timer and started one for the same moment: two commands and two history events per step.
Histories recorded before it replay the old way."""


CURRENT_SHAPE = "perf-current-shape"
"""Patch id asked once, when a run begins (`__init__`): a run that records it takes every
patch in SHAPE_PATCHES as applied without asking (workflows.activities.patched), so a new
case records one patch marker instead of seven. Each marker costs a history event and, from
Temporal's SDK core, an upsert of the TemporalChangeVersion search attribute: fourteen
events of a new case's first workflow task, and about 75 KiB of every cached case's memory
in the SDK core (`python -m bench.profile memory`). A run recorded before it asks each
patch as it did. A patch added later is asked on its own, or joins a new shape id: never
this set, which histories recorded under it rely on."""


SHAPE_PATCHES: frozenset[str] = frozenset(
    {REFUSED_INTAKE, WORKER_OWNED_INPUT, LAW_RULES, STEADY_CLOCK, BATCHED_REGISTER_WRITES, LOCAL_REGISTER_WRITES,
     CALENDAR_PATCH}
)  # fmt: skip
"""The patches a run under CURRENT_SHAPE takes as applied. Fixed for good (see CURRENT_SHAPE)."""

OPENING_LOOKUP = "opening-lookup"
"""Patch id: a case's opening asks the register for an earlier report and the worker for
the policy in force in one local activity (`look_up_opening`) instead of two
(`find_report`, then `policy_in_force`): one marker less in its history, one local
activity less before the receipt, and 4 KiB less of every cached case (146 to 142 KiB at
10,000 cases, 1,544 to 1,502 MiB). Runs recorded before it ask twice, as they did."""

CURRENT_SHAPE_2 = "perf-current-shape-2"
"""CURRENT_SHAPE with OPENING_LOOKUP: a new case records this one marker and takes every
patch of SHAPE_PATCHES_2 as applied. Asked before CURRENT_SHAPE, which a run recorded
under the first shape still finds in its history. Fixed for good, like the first."""

SHAPE_PATCHES_2: frozenset[str] = SHAPE_PATCHES | {OPENING_LOOKUP}


def _shape() -> frozenset[str]:
    """The patches this run takes as applied: its shape's, newest first (a run recorded
    under an older shape finds only that shape's marker), or none for a run recorded
    before shapes, which asks each patch."""
    if workflow.patched(CURRENT_SHAPE_2):
        return SHAPE_PATCHES_2
    if workflow.patched(CURRENT_SHAPE):
        return SHAPE_PATCHES
    return frozenset()


def case_workflow_id(tenancy_id: str) -> str:
    """The one workflow id a tenancy's case runs under (one open case per tenancy)."""
    return f"case-{tenancy_id}"


def _redacted_before_failing(error: ActivityError) -> bool:
    """Whether a notice that failed had been screened: its outcome rides in the failure's
    details (activities.notify), and what is stored for delivery by hand was cut too."""
    cause = error.cause
    details = cause.details if isinstance(cause, ApplicationError) else ()
    first = details[0] if details else None
    return isinstance(first, dict) and bool(first.get("redacted"))


def _read_start(raw: RawValue | None) -> tuple[CaseInput, str | None, str]:
    """The start input, why it is refused (None when it is not), and the refusal's type."""
    if raw is None:
        return CaseInput(), None, START_REFUSED
    try:
        return workflow.payload_converter().from_payload(raw.payload, CaseInput), None, START_REFUSED
    except ValidationError as error:
        return CaseInput(), "start input refused: " + describe_validation_error(error), START_REFUSED
    except ApplicationError as error:  # the converter's own refusal (a plaintext payload): as it says
        return CaseInput(), error.message, error.type or START_REFUSED
    except Exception as error:  # noqa: BLE001 - not JSON: say so, never the bytes
        return CaseInput(), f"start input refused: it cannot be read ({type(error).__name__})", START_REFUSED


class StartOptions(NamedTuple):
    """What a case's turns read from its start input after it has opened."""

    policy: EscalationPolicy | None
    search_attributes: bool
    max_history_events_before_continue: int | None


@workflow.defn
class DisturbanceCaseWorkflow:
    @workflow.init
    def __init__(self, input: RawValue = None) -> None:  # type: ignore[assignment]
        self._shape_patches: frozenset[str] = _shape()
        # Read raw, by the case itself: a start input the SDK could not decode would fail
        # every workflow task and leave a run with no case; refused here, the run fails at
        # once with one line naming the fields (no value), and the sender sees why.
        input, self._refused_start, self._refusal_type = _read_start(input)
        # Only what later turns read is kept, not the decoded input: about 2 KiB a cached case.
        self._start = StartOptions(
            policy=input.policy,
            search_attributes=input.search_attributes,
            max_history_events_before_continue=input.max_history_events_before_continue,
        )
        if self._refused_start is None and input.state is not None and workflow.info().continued_run_id is None:
            self._refused_start = (
                "state: accepted only on a continue-as-new of this workflow; a case opens from its first report"
            )
        self._state: CaseState | None = input.state
        self._reports: list[DisturbanceReport] = list(input.pending_reports)
        self._events: list[Any] = [
            *(NoticeAcknowledged(acknowledgement=a) for a in input.pending_acknowledgements),
            *(PreventionFinished(result=r) for r in input.pending_prevention_results),
            *input.pending_undelivered,
            *input.pending_redactions,
            *input.pending_delivered,
        ]
        self._lock = asyncio.Lock()
        self._notices_in_flight = 0
        self._notice_tasks: set[asyncio.Task] = set()
        self._commits = 0
        self._search_attributes: tuple | None = None
        self._refusals: list[IntakeRefusal] = list(input.pending_refusals)
        self._intake_flag: bool | None = (
            workflow.info().typed_search_attributes.get(sa.INTAKE_REFUSED) if input.search_attributes else None
        )
        self._incidents = 0
        self._refused_without_case: str | None = None
        self._intake_calls = 0
        self._timer: tuple[Any, asyncio.Task] | None = None  # STEADY_CLOCK: (fires_at, its sleep)

    # -- the main loop -------------------------------------------------------------------
    @workflow.run
    async def run(self, input: RawValue = None) -> CaseView | None:  # type: ignore[assignment]
        input = None  # read (or refused) in __init__; the raw payload is not kept either
        if self._refused_start is not None and patched(WORKER_OWNED_INPUT):
            raise ApplicationError(self._refused_start, type=self._refusal_type, non_retryable=True)
        while True:
            await self._wait_for_work()
            if self._state is None and not self._reports and not self._refusals:
                # Every report of this run was a repeat of an earlier case's, or refused
                # once the case's policy was known: no case opened, and the run ends.
                return None
            async with self._lock:
                await self._drain()
            if self._state is not None and self._state.is_closed:
                break
            if self._should_continue_as_new():
                await self._until_quiet()
                workflow.continue_as_new(self._continue_input(self._state))
        await self._until_quiet()
        fresh = [r for r in self._reports if r.external_ref not in self._state.external_refs()]
        if fresh:
            # Reports that came in while the case was closing open the next case.
            # The next case asks the worker for its policy when it opens.
            workflow.continue_as_new(
                CaseInput(pending_reports=fresh, search_attributes=self._start.search_attributes, pending_refusals=self._refusals)
            )
        if self._refusals:  # refused while the case was closing: no case left to hold them
            await self._record_incidents(self._refusals)
        return view_of(self._state)

    async def _wait_for_work(self) -> None:
        if self._state is None:
            await asyncio.sleep(0)  # an Update that came with the start begins first
            if not (self._reports or self._refusals) and self._intake_calls == 0 and patched(WORKER_OWNED_INPUT):
                # Started without a report it took (its validator refused the Update that came
                # with the start): the run waits a moment for one, then ends with no case.
                try:
                    await workflow.wait_condition(
                        lambda: bool(self._reports or self._refusals) or self._intake_calls > 0, timeout=REPORTLESS_START
                    )
                except TimeoutError:
                    return
            # A file_report Update opens the case itself; one that opened nothing ends the run;
            # a report signal that could not be read becomes an incident (_drain_refusals).
            await workflow.wait_condition(
                lambda: bool(self._reports or self._refusals) or self._state is not None or self._opened_nothing()
            )
            return
        clock = self._state.next_clock()
        seen = self._commits

        def has_work() -> bool:
            # A step taken by an Update may have closed the case or set an earlier clock.
            return bool(self._reports or self._events or self._refusals) or self._commits != seen or self._closed()

        if clock is None:
            self._drop_clock_timer()
            await workflow.wait_condition(has_work)
            return
        delay = (clock.fires_at - workflow.now()).total_seconds()
        if delay <= 0 or has_work():
            return
        if patched(STEADY_CLOCK):
            timer = self._clock_timer(clock.fires_at, delay)
            await workflow.wait_condition(lambda: has_work() or timer.done())
            return
        try:
            await workflow.wait_condition(has_work, timeout=timedelta(seconds=delay))
        except TimeoutError:
            pass

    def _clock_timer(self, fires_at: Any, delay: float) -> asyncio.Task:
        """The durable timer for the earliest clock (STEADY_CLOCK): kept while that moment
        stays the earliest, replaced only when it changes."""
        if self._timer is not None and self._timer[0] == fires_at and not self._timer[1].done():
            return self._timer[1]
        self._drop_clock_timer()
        task = asyncio.create_task(asyncio.sleep(delay))
        self._timer = (fires_at, task)
        return task

    def _drop_clock_timer(self) -> None:
        if self._timer is not None and not self._timer[1].done():
            self._timer[1].cancel()
        self._timer = None

    async def _drain(self) -> None:
        """Process everything pending: reports first (a report never waits behind a clock),
        then partner answers, then every clock that is due."""
        await self._keep_calendar()
        while self._reports and not self._closed():
            report = self._reports.pop(0)
            if self._state is None:
                await self._open(report, await self._policy_in_force())
            else:
                await self._apply(ReportReceived(report=report))
        await self._drain_refusals()
        while self._events and not self._closed():
            await self._apply(self._events.pop(0))
        while not self._closed():
            clock = self._state.next_clock() if self._state else None
            if clock is None or clock.fires_at > workflow.now():
                break
            await self._apply(ClockFired(clock_id=clock.clock_id))

    async def _keep_calendar(self) -> None:
        """A case can outlive the Swedish calendar it opened with (warning, prevention,
        court, Kronofogden take years): before it runs out, the worker extends it through a
        recorded local activity, same rules and version (patch `policy-calendar-extension`;
        a history recorded before never asked)."""
        if self._state is None or not patched(CALENDAR_PATCH):
            return
        longer = await lasting_calendar(self._state.policy)
        if longer is not self._state.policy:
            self._state = self._state.model_copy(update={"policy": longer})

    async def _open(self, report: DisturbanceReport, policy: EscalationPolicy) -> None:
        case_id = f"{report.tenancy.tenancy_id}.{workflow.uuid4().hex[:12]}"
        state, commands = open_case(report, workflow.now(), policy, case_id, workflow.info().workflow_id, self._rules())
        await self._commit(state, commands)

    async def _policy_in_force(self) -> EscalationPolicy:
        """The policy a new case runs by: the worker's, asked once and kept in the case's
        state for its life. Histories recorded before the worker owned it read the input's."""
        if not patched(WORKER_OWNED_INPUT):
            return self._start.policy
        return await workflow.execute_local_activity(
            ActivityName.POLICY_IN_FORCE, result_type=EscalationPolicy, start_to_close_timeout=POLICY_TIMEOUT
        )

    def _opened_nothing(self) -> bool:
        return (
            self._intake_calls > 0
            and self._state is None
            and not self._reports
            and workflow.all_handlers_finished()
        )

    def _rules(self) -> int:
        """The rules a case opened now runs by, for its whole life (LAW_RULES)."""
        return CURRENT_RULES if patched(LAW_RULES) else RULES_BEFORE_LAW

    def _closed(self) -> bool:
        return self._state is not None and self._state.is_closed

    async def _drain_refusals(self) -> None:
        """Reports that could not be read: into the open case, or, with no case open, into
        the register as an incident, which ends the run (it would otherwise wait, RUNNING,
        with no case)."""
        if self._state is not None:
            while self._refusals and not self._closed():
                await self._apply(IntakeRefused(refusal=self._refusals.pop(0)))
            return
        if not self._refusals or self._reports:
            return
        refusals, self._refusals = self._refusals, []
        await self._record_incidents(refusals)
        if self._reports:
            return  # a report came in meanwhile: it opens the case; the incidents stay in the register
        self._refused_without_case = join_problems([p for r in refusals for p in r.problems])
        raise ApplicationError(
            f"report refused, no case opened: {self._refused_without_case}", type=INTAKE_REFUSED, non_retryable=True
        )

    async def _record_incidents(self, refusals: list[IntakeRefusal]) -> None:
        """Write each refusal to the register's intake incidents and raise the incident flag."""
        info = workflow.info()
        for refusal in refusals:
            self._incidents += 1
            record = IntakeIncidentRecord(
                incident_id=f"{info.run_id}:{self._incidents}", workflow_id=info.workflow_id[:128],
                run_id=info.run_id, at=workflow.now(), cause=refusal.cause, problems=refusal.problems,
            )  # fmt: skip
            try:
                await register_local(ActivityName.RECORD_INTAKE_INCIDENT, record)
            except FailureError as error:  # the register refused it: the flag and the run's failure still say it
                workflow.logger.error("intake incident not recorded: %s", type(error.cause or error).__name__)
        if self._start.search_attributes and not self._intake_flag:
            workflow.upsert_search_attributes([sa.INTAKE_REFUSED.value_set(True)])
            self._intake_flag = True

    def _quiet(self) -> bool:
        return workflow.all_handlers_finished() and self._notices_in_flight == 0

    async def _until_quiet(self) -> None:
        """Quiet, and still quiet once every task of this activation had its turn: an Update
        that arrives in the activation that would continue-as-new registers as in progress
        only when its task runs, and a continue-as-new issued before it precedes its
        acceptance, which the server refuses ("ContinueAsNew must be the last command").
        A delivered notice waking the loop made that race common; asyncio.sleep(0) yields
        without a timer, so it adds no command."""
        while True:
            await workflow.wait_condition(self._quiet)
            await asyncio.sleep(0)
            if self._quiet():
                return

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._start.max_history_events_before_continue
        return info.is_continue_as_new_suggested() or (limit is not None and info.get_current_history_length() >= limit)

    def _continue_input(self, state: CaseState) -> CaseInput:
        return CaseInput(
            policy=state.policy,
            state=state,
            pending_reports=list(self._reports),
            pending_acknowledgements=[e.acknowledgement for e in self._events if isinstance(e, NoticeAcknowledged)],
            pending_prevention_results=[e.result for e in self._events if isinstance(e, PreventionFinished)],
            pending_undelivered=[e for e in self._events if isinstance(e, NoticeUndelivered)],
            pending_refusals=list(self._refusals),
            pending_redactions=[e for e in self._events if isinstance(e, NoticeRedacted)],
            pending_delivered=[e for e in self._events if isinstance(e, NoticeDelivered)],
            search_attributes=self._start.search_attributes,
            max_history_events_before_continue=self._start.max_history_events_before_continue,
        )

    # -- carrying out the ladder's commands ------------------------------------------------
    async def _apply(self, event: Any) -> None:
        state, commands = decide(self._state, event, workflow.now())
        await self._commit(state, commands)

    async def _commit(self, state: CaseState, commands: list) -> None:
        self._state = state
        self._commits += 1
        await carry_out(commands, state.case_id, lambda command: self._carry_out_other(command, state))
        self._upsert_search_attributes()
        # Metadata only: answered through Temporal's built-in metadata query, it adds no
        # command and no history event, so a running case replays as before (no patch).
        workflow.set_current_details(current_details(state))

    async def _carry_out_other(self, command: Any, state: CaseState) -> None:
        """A command that is not a register write: a notice (in the background) or the
        prevention track."""
        match command:
            case Notify(request=request):
                self._notices_in_flight += 1
                task = asyncio.create_task(self._send_notice(request, state.policy, state.law))
                self._notice_tasks.add(task)
                task.add_done_callback(self._notice_tasks.discard)
            case StartPrevention(input=child_input):
                await workflow.start_child_workflow(
                    PreventionWorkflow.run,
                    child_input,
                    id=child_input.workflow_id,
                    parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                )
            case CancelPrevention(workflow_id=child_id):
                try:
                    await workflow.get_external_workflow_handle(child_id).cancel()
                except Exception:  # the track may have ended already
                    workflow.logger.info("prevention track already gone", extra={"workflow": child_id})

    async def _send_notice(self, request: NoticeRequest, policy: EscalationPolicy, law: bool) -> None:
        """Deliver one notice without holding up the case. A partner outage or a permanent
        refusal becomes a `deliver_by_hand` task, never a failed or stalled case. Under the
        law's rules (`law`) the ladder hears every outcome, delivered or not (no partner takes
        it included), since a legal notice counts only once delivered; a case opened before
        hears only of failures, as it always did, so its history does not change."""
        try:
            outcome = await workflow.execute_activity(
                ActivityName.SEND_NOTICE,
                request,
                result_type=NoticeOutcome,
                start_to_close_timeout=NOTICE_TIMEOUT,
                retry_policy=notice_retry(policy),
            )
            if outcome.redacted:
                self._events.append(NoticeRedacted(notice_id=request.notice_id))
            if law:
                self._events.append(notice_outcome_event(outcome))
            elif outcome.failed_permanently:
                detail = "failed permanently for " + ", ".join(outcome.failed_permanently)
                self._events.append(NoticeUndelivered(notice_id=request.notice_id, detail=detail))
        except ActivityError as err:
            if _redacted_before_failing(err):
                self._events.append(NoticeRedacted(notice_id=request.notice_id))
            cause = getattr(err.cause, "type", None) or type(err.cause).__name__
            self._events.append(NoticeUndelivered(notice_id=request.notice_id, detail=f"delivery failed: {cause}"))
        finally:
            self._notices_in_flight -= 1

    def _upsert_search_attributes(self) -> None:
        s = self._state
        if s is None or not self._start.search_attributes:
            return
        # What view_of(s) would show for these six, without building the whole view each turn.
        tasks = s.tasks.values()
        next_due = s.next_due()
        values = (str(s.stage), s.tenancy.area, str(s.category), next_due,
                  any(t.overdue for t in tasks), any(t.escalated for t in tasks))  # fmt: skip
        updates = []
        if values != self._search_attributes:
            self._search_attributes = values
            updates = [
                sa.CASE_STAGE.value_set(values[0]),
                sa.CASE_AREA.value_set(values[1]),
                sa.CASE_CATEGORY.value_set(values[2]),
                sa.NEXT_DUE.value_set(next_due) if next_due else sa.NEXT_DUE.value_unset(),
                sa.OVERDUE.value_set(values[4]),
                sa.ESCALATED.value_set(values[5]),
            ]
        # Only ever written once a refused intake has raised it, so cases without one
        # upsert exactly what they did before REFUSED_INTAKE.
        refused = any(t.kind == TaskKind.REVIEW_REFUSED_INTAKE for t in s.tasks.values())
        if refused != bool(self._intake_flag):
            self._intake_flag = refused
            updates.append(sa.INTAKE_REFUSED.value_set(refused))
        if updates:
            workflow.upsert_search_attributes(updates)

    # -- messages from outside ----------------------------------------------------------------
    @workflow.signal(dynamic=True)
    def report_signal(self, name: str, args: Sequence[RawValue]) -> None:
        """The `report` signal: a störningsanmälan for this tenancy (signal-with-start opens
        the case). Dynamic, so that its payloads arrive raw whatever was sent and the case
        reads them itself (`read_report`); any other unknown signal is ignored, as it was."""
        if name != REPORT_SIGNAL:
            workflow.logger.info("unknown signal ignored (a name of %d characters)", len(name))
            return
        read = read_report(args)
        if isinstance(read, DisturbanceReport):
            self._reports.append(read)
            return
        # Codes and field names only (domain.refusals): never a value that was sent.
        cause, fields = str(read.cause), ",".join(read.fields())
        if not patched(REFUSED_INTAKE):
            workflow.logger.warning("report signal could not be read (%s: %s); dropped", cause, fields)
            return
        workflow.logger.warning("report signal refused (%s: %s)", cause, fields)
        self._refusals.append(read)

    @workflow.signal(name="acknowledge_notice")
    def acknowledge_notice(self, acknowledgement: NoticeAcknowledgement) -> None:
        """A partner confirmed receipt; cancels the reminder for that notice."""
        self._events.append(NoticeAcknowledged(acknowledgement=acknowledgement))

    @workflow.signal(name="notice_redacted")
    def notice_redacted(self, redaction: NoticeRedacted) -> None:
        """The area picture's screen cut an identity from one of this case's report places."""
        self._events.append(redaction)

    @workflow.signal(name="prevention_finished")
    def prevention_finished(self, result: PreventionResult) -> None:
        """The prevention child workflow reports its outcome."""
        self._events.append(PreventionFinished(result=result))

    @workflow.query(name="view")
    def view(self, role: Role | None = None) -> CaseView:
        """The case as staff see it; with a role, `allowed_steps` is what that role may do next."""
        if self._state is None:
            if self._refused_without_case is not None:
                raise ApplicationError(
                    f"No case: the report that started this run was refused ({self._refused_without_case}).", type=NO_CASE
                )
            raise ApplicationError("No case is open yet: the first report is still being recorded.", type=NO_CASE)
        return view_of(self._state, role)

    # -- intake: file_report, Update-with-start ----------------------------------------------
    @workflow.update(name=FILE_REPORT_UPDATE)
    async def file_report(self, filed: Any) -> ReportReceipt:
        """A störningsanmälan for this tenancy: opens the case or joins it, and answers
        which. A repeat of an external_ref answers the first receipt, marked duplicate.

        The input is taken as plain JSON and validated here, not by the payload converter,
        so a report that is not a DisturbanceReport is refused like any other, naming its
        fields, instead of failing to decode."""
        self._intake_calls += 1
        report = self._parse_report(filed)
        async with self._lock:
            # Judged again: the case may have moved, and its clock, while this one waited.
            self._judge_report(report)
            entry = self._entry(report.external_ref)
            if entry is not None:
                return self._receipt(entry, duplicate=True)
            opening = self._state is None and patched(OPENING_LOOKUP)
            lookup = await self._opening_lookup(report) if opening else None
            prior = lookup.prior if lookup is not None else await self._prior_report(report)
            if prior is not None:
                changed = differing_fields(report, prior.digests())
                if changed:
                    raise self._refused(repeat_refusals(changed))
                return prior.receipt()
            if self._state is None:
                policy = lookup.policy if lookup is not None else await self._policy_in_force()
                problems = occurred_at_refusals(report.occurred_at, workflow.now(), **report_window(policy))
                if problems:
                    raise self._refused(problems)
                await self._open(report, policy)
            else:
                await self._apply(ReportReceived(report=report))
            return self._receipt(self._entry(report.external_ref))

    @file_report.validator
    def _check_file_report(self, filed: Any) -> None:
        report = self._parse_report(filed)
        # The tenancy cannot change while the report waits, so it is judged here only.
        refusals = tenancy_refusals(report, workflow.info().workflow_id)
        if refusals:
            raise self._refused(refusals)
        self._judge_report(report)

    def _judge_report(self, report: DisturbanceReport) -> None:
        """What the case can check without asking anyone, before the report enters history
        and again when its turn comes: its moment, and a repeat's content. A repeat of a report
        in an earlier case is checked in the handler, against the register."""
        if self._refused_start is not None:
            raise ApplicationError(self._refused_start, type=self._refusal_type, non_retryable=True)
        problems: list[str] = []
        entry = self._entry(report.external_ref)
        if entry is not None:
            first = entry.digests or fact_digests(
                entry.source_kind, entry.category, entry.severity, entry.occurred_at, entry.place
            )
            problems += repeat_refusals(differing_fields(report, first))
        elif self._closed():
            raise ApplicationError(
                "The case has just closed and is sending its last notices; send the report again in a moment: "
                "it opens the next case.",
                type=CASE_CLOSING,
            )
        else:
            policy = self._state.policy if self._state is not None else None
            problems += occurred_at_refusals(report.occurred_at, workflow.now(), **report_window(policy))
        if problems:
            raise self._refused(problems)

    def _parse_report(self, filed: Any) -> DisturbanceReport:
        if isinstance(filed, DisturbanceReport):
            return filed
        try:
            return DisturbanceReport.model_validate(filed)
        except ValidationError as error:
            raise self._refused(validation_refusals(error)) from None

    @staticmethod
    def _refused(problems: list[str]) -> ApplicationError:
        return ApplicationError("\n".join(problems), type=REPORT_REFUSED, non_retryable=True)

    def _entry(self, external_ref: str) -> ReportEntry | None:
        if self._state is None:
            return None
        return next((r for r in self._state.reports if r.external_ref == external_ref), None)

    def _receipt(self, entry: ReportEntry, *, duplicate: bool = False) -> ReportReceipt:
        return ReportReceipt(
            workflow_id=workflow.info().workflow_id,
            case_id=self._state.case_id,
            report_id=entry.report_id,
            stage=str(self._state.stage),
            duplicate=duplicate,
        )

    async def _opening_lookup(self, report: DisturbanceReport) -> OpeningLookup:
        """The register's answer (as `_prior_report`) and the policy in force, asked together
        before a case opens (OPENING_LOOKUP)."""
        return await register_local(ActivityName.LOOK_UP_OPENING, self._prior_query(report), result_type=OpeningLookup)

    def _prior_query(self, report: DisturbanceReport) -> PriorReportQuery:
        return PriorReportQuery(
            tenancy_id=report.tenancy.tenancy_id, external_ref=report.external_ref, run_id=workflow.info().run_id
        )

    async def _prior_report(self, report: DisturbanceReport) -> PriorReport | None:
        """The register's answer for an external_ref the case does not know: a report of
        one of the tenancy's earlier cases, or None. The run names itself, so a report a
        lost turn of this run left in the register is not taken for an earlier case's."""
        return await register_local(ActivityName.FIND_REPORT, self._prior_query(report), result_type=PriorReport | None)

    # -- staff steps: Updates with synchronous validators -------------------------------------
    def _validate(self, name: str, step: StepInput) -> None:
        """Judged at this moment, every due clock applied (domain.steps.refusal), in the
        validator and again in the handler."""
        reason = refusal(self._state, name, step, workflow.now())
        if reason is not None:
            raise ApplicationError(reason, type="StepRefused", non_retryable=True)

    async def _take(self, name: str, step: StepInput) -> CaseView:
        async with self._lock:
            # Checked again: another step may have moved the case while this one waited.
            self._validate(name, step)
            await self._apply(step)
            return view_of(self._state, step.actor.role)

    @workflow.update(name="verify_report")
    async def verify_report(self, step: VerifyReport) -> CaseView:
        return await self._take("verify_report", step)

    @verify_report.validator
    def _check_verify_report(self, step: VerifyReport) -> None:
        self._validate("verify_report", step)

    @workflow.update(name="reject_report")
    async def reject_report(self, step: RejectReport) -> CaseView:
        return await self._take("reject_report", step)

    @reject_report.validator
    def _check_reject_report(self, step: RejectReport) -> None:
        self._validate("reject_report", step)

    @workflow.update(name="assign")
    async def assign(self, step: Assign) -> CaseView:
        return await self._take("assign", step)

    @assign.validator
    def _check_assign(self, step: Assign) -> None:
        self._validate("assign", step)

    @workflow.update(name="record_contact")
    async def record_contact(self, step: RecordContact) -> CaseView:
        return await self._take("record_contact", step)

    @record_contact.validator
    def _check_record_contact(self, step: RecordContact) -> None:
        self._validate("record_contact", step)

    @workflow.update(name="record_dialogue")
    async def record_dialogue(self, step: RecordDialogue) -> CaseView:
        return await self._take("record_dialogue", step)

    @record_dialogue.validator
    def _check_record_dialogue(self, step: RecordDialogue) -> None:
        self._validate("record_dialogue", step)

    @workflow.update(name="issue_warning")
    async def issue_warning(self, step: IssueWarning) -> CaseView:
        return await self._take("issue_warning", step)

    @issue_warning.validator
    def _check_issue_warning(self, step: IssueWarning) -> None:
        self._validate("issue_warning", step)

    @workflow.update(name="approve_warning")
    async def approve_warning(self, step: ApproveWarning) -> CaseView:
        return await self._take("approve_warning", step)

    @approve_warning.validator
    def _check_approve_warning(self, step: ApproveWarning) -> None:
        self._validate("approve_warning", step)

    @workflow.update(name="record_follow_up")
    async def record_follow_up(self, step: RecordFollowUp) -> CaseView:
        return await self._take("record_follow_up", step)

    @record_follow_up.validator
    def _check_record_follow_up(self, step: RecordFollowUp) -> None:
        self._validate("record_follow_up", step)

    @workflow.update(name="escalate_to_prevention")
    async def escalate_to_prevention(self, step: EscalateToPrevention) -> CaseView:
        return await self._take("escalate_to_prevention", step)

    @escalate_to_prevention.validator
    def _check_escalate_to_prevention(self, step: EscalateToPrevention) -> None:
        self._validate("escalate_to_prevention", step)

    @workflow.update(name="approve_termination")
    async def approve_termination(self, step: ApproveTermination) -> CaseView:
        return await self._take("approve_termination", step)

    @approve_termination.validator
    def _check_approve_termination(self, step: ApproveTermination) -> None:
        self._validate("approve_termination", step)

    @workflow.update(name="record_ground_learned")
    async def record_ground_learned(self, step: RecordGroundLearned) -> CaseView:
        return await self._take("record_ground_learned", step)

    @record_ground_learned.validator
    def _check_record_ground_learned(self, step: RecordGroundLearned) -> None:
        self._validate("record_ground_learned", step)

    @workflow.update(name="record_milestone")
    async def record_milestone(self, step: RecordMilestone) -> CaseView:
        return await self._take("record_milestone", step)

    @record_milestone.validator
    def _check_record_milestone(self, step: RecordMilestone) -> None:
        self._validate("record_milestone", step)

    @workflow.update(name="close_case")
    async def close_case(self, step: CloseCase) -> CaseView:
        return await self._take("close_case", step)

    @close_case.validator
    def _check_close_case(self, step: CloseCase) -> None:
        self._validate("close_case", step)

    @workflow.update(name="add_note")
    async def add_note(self, step: AddNote) -> CaseView:
        return await self._take("add_note", step)

    @add_note.validator
    def _check_add_note(self, step: AddNote) -> None:
        self._validate("add_note", step)

    @workflow.update(name="complete_task")
    async def complete_task(self, step: CompleteTask) -> CaseView:
        return await self._take("complete_task", step)

    @complete_task.validator
    def _check_complete_task(self, step: CompleteTask) -> None:
        self._validate("complete_task", step)

    @workflow.update(name="assign_task")
    async def assign_task(self, step: HandOverTask) -> CaseView:
        return await self._take("assign_task", step)

    @assign_task.validator
    def _check_assign_task(self, step: HandOverTask) -> None:
        self._validate("assign_task", step)
