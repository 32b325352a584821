"""How the case workflows call their activities: by registered name, with one retry
policy per kind of side effect.

The register (PostgreSQL) retries without limit: its writes are idempotent by id and
a database outage must delay a case, never lose a step. Partner notices retry on a
bounded budget from the policy: when it is spent, or the channel says the failure is
permanent, the case opens a `deliver_by_hand` task and goes on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from domain.commands import AssignTask, CloseTask, OpenTask, RecordEvent, RecordReport, RecordVerdict, UpsertCase
    from domain.policy import EscalationPolicy
    from domain.records import ActivityName, RegisterBatch, RegisterWrite, TurnStamp
    from register.errors import NON_RETRYABLE as REGISTER_NON_RETRYABLE

REGISTER_TIMEOUT = timedelta(seconds=30)
REGISTER_RETRY_INITIAL = timedelta(milliseconds=200)
REGISTER_RETRY_BACKOFF = 2.0
REGISTER_RETRY_MAXIMUM = timedelta(seconds=1)
"""The register's retries: 0.2, 0.4, 0.8 s, then once a second for as long as the database
is away. With the SDK's defaults (1 s doubling up to 1 min) a 20 s outage left the next
attempt up to ~12 s after the database was back, and every step of a case waits for its
turn's writes; a retry at most 1 s apart makes the first step after an outage succeed
within about 1 s of the database's return (the 2 s goal; `make faults`, README
"Reliability"). The price is one connection attempt per waiting case per second during an
outage, which a stopped server refuses at once. The retries stay below the SDK's local
retry threshold (1 min), so a local batch retries inside its worker instead of by timer.
Replay does not compare retry options, so every recorded history still replays (tests/test_replay.py)."""
REGISTER_RETRY = RetryPolicy(
    initial_interval=REGISTER_RETRY_INITIAL,
    backoff_coefficient=REGISTER_RETRY_BACKOFF,
    maximum_interval=REGISTER_RETRY_MAXIMUM,
    # Data the register can never write (unknown case, invalid field) fails at once; the
    # activities already mark these non-retryable, this says so where the call is made.
    non_retryable_error_types=list(REGISTER_NON_RETRYABLE),
)

REGISTER_LOCAL_RETRY_THRESHOLD = timedelta(milliseconds=500)
"""Past this backoff a register local activity is retried by a durable timer, not inside
its workflow task. With the SDK's default (1 min) every retry of a 20 s database outage
ran inside one workflow task that was not heartbeated: the server timed the task out after
10 s and gave it to another worker while the first one's attempts went on, and after two
such outages a worker stopped taking workflow tasks at all (`make faults`, worker-kill
then postgres-stop twice, 2026-12-01). With 0.5 s, a brief refusal is still retried in
place (0.2 and 0.4 s), and an outage costs one short workflow task, a timer and a marker
per waiting case per second; the first attempt after the database is back stays within
about 1 s, as REGISTER_RETRY_MAXIMUM intends. Local-activity options are not compared on
replay: every recorded history still replays."""


def register_local(activity: str, argument: Any, **options: Any) -> Awaitable[Any]:
    """A register read or write as a local activity, with the register's timeout, retries
    and retry threshold (the three must agree; see above)."""
    return workflow.execute_local_activity(
        activity,
        argument,
        start_to_close_timeout=REGISTER_TIMEOUT,
        retry_policy=REGISTER_RETRY,
        local_retry_threshold=REGISTER_LOCAL_RETRY_THRESHOLD,
        **options,
    )


NOTICE_TIMEOUT = timedelta(seconds=60)
PERMANENT_DELIVERY_ERROR = "PermanentDeliveryError"
"""activities.notify.PERMANENT_ERROR (a test holds the two equal; importing the channel
module here would pull httpx into the workflow sandbox for one string)."""


def notice_retry(policy: EscalationPolicy) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=timedelta(seconds=policy.notice_initial_retry_seconds),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=10),
        maximum_attempts=policy.notice_max_attempts,
        non_retryable_error_types=[PERMANENT_DELIVERY_ERROR],
    )


_REGISTER_ACTIVITIES = {
    UpsertCase: ActivityName.UPSERT_CASE,
    RecordEvent: ActivityName.RECORD_CASE_EVENT,
    RecordReport: ActivityName.RECORD_REPORT,
    RecordVerdict: ActivityName.RECORD_REPORT_VERDICT,
    OpenTask: ActivityName.OPEN_STAFF_TASK,
    CloseTask: ActivityName.CLOSE_STAFF_TASK,
    AssignTask: ActivityName.ASSIGN_STAFF_TASK,
}


class RegisterRefused(RuntimeError):
    """Not an ApplicationError on purpose: it fails the workflow task, not the case."""


BATCHED_REGISTER_WRITES = "batched-register-writes"
"""Patch id: a turn's register writes go as one batch activity instead of one activity
per record. Histories recorded before it replay through the old path."""

LOCAL_REGISTER_WRITES = "local-register-writes"
"""Patch id: the batch runs as a local activity, inside the workflow task that decided
it, instead of as an activity task of its own: a staff step then answers after one round
trip to the server instead of three, and the history keeps one marker per turn."""


def patched(patch_id: str) -> bool:
    """`workflow.patched`, except in a run that took its patches as a whole when it began
    (workflows.case.CURRENT_SHAPE): a patch in that run's `_shape_patches` applies without
    asking, so it records no marker of its own. Every other run and patch asks as before."""
    return patch_id in getattr(workflow.instance(), "_shape_patches", ()) or workflow.patched(patch_id)


async def carry_out(commands: list, case_id: str, other: Callable[[Any], Awaitable[None]] | None = None) -> None:
    """Write every register command of one turn, and hand every other command (notices,
    the prevention track) to `other`.

    Since BATCHED_REGISTER_WRITES the writes go as one activity in one transaction, before
    anything else of the turn runs, so a notice's disclosure can always refer to the case
    row; since LOCAL_REGISTER_WRITES that activity is a local one. Before them, each write
    was an activity of its own, interleaved with the other commands in their order, and
    histories recorded then replay that way.
    """
    if not patched(BATCHED_REGISTER_WRITES):
        for command in commands:
            if type(command) is AssignTask:
                continue  # no such write before batches; it exists only inside one
            if not await carry_out_register(command) and other is not None:
                await other(command)
        return
    register = [c for c in commands if type(c) in _REGISTER_ACTIVITIES]
    if register:
        batch = RegisterBatch(
            case_id=case_id,
            writes=tuple(RegisterWrite(name=_REGISTER_ACTIVITIES[type(c)], record=c.record) for c in register),
            turn=turn_stamp(),
        )
        try:
            if patched(LOCAL_REGISTER_WRITES):
                await register_local(ActivityName.RECORD_REGISTER_BATCH, batch)
            else:
                await workflow.execute_activity(
                    ActivityName.RECORD_REGISTER_BATCH,
                    batch,
                    start_to_close_timeout=REGISTER_TIMEOUT,
                    retry_policy=REGISTER_RETRY,
                )
        except FailureError as error:  # ActivityError, or the cause itself from a local activity
            # The register refused records the ladder built: a defect in Trygg, never an
            # outcome of the case. Failing the workflow task, not the workflow, keeps the
            # case with its clocks and history; the task is retried until a fixed worker
            # is deployed, and operators see it as a failing workflow task.
            cause = error.cause if error.cause is not None else error
            raise RegisterRefused(f"the register refused this turn's records: {cause}") from error
    for command in commands:
        if type(command) not in _REGISTER_ACTIVITIES and other is not None:
            await other(command)


def turn_stamp() -> TurnStamp:
    """This batch's number in the run, and the number of the one before it: replay of the
    run's committed history counts the same batches, so a lost turn taken again carries
    the numbers it had, which is how the register knows to take the lost writes back
    (register/turns.py). It rides only in a local activity's input, which no history
    records, so it changes no command and needs no patch."""
    instance = workflow.instance()
    before = getattr(instance, "_register_batches", 0)
    instance._register_batches = before + 1
    info = workflow.info()
    return TurnStamp(run_id=info.run_id, mark=before + 1, after=before, task_length=info.get_current_history_length())


async def carry_out_register(command) -> bool:
    """Run a register command as its activity. Returns False for commands that are not
    the register's (the caller handles notices, clocks and the prevention track)."""
    name = _REGISTER_ACTIVITIES.get(type(command))
    if name is None:
        return False
    await workflow.execute_activity(
        name, command.record, start_to_close_timeout=REGISTER_TIMEOUT, retry_policy=REGISTER_RETRY
    )
    return True
