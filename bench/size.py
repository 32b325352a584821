"""Size: history events and payload bytes of a case on each path of the ladder.

Driven on the time-skipping test server (the paths hold weeks of clocks) with the
stand-in activities from tests/standins.py: the history has the same events whichever
implementation answers an activity. Each path gets a test server of its own, because
skipped time is shared by everything on one. The baseline is the bare workflow opened
by one report and given one Update.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from google.protobuf.message import Message
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from bench.baseline import BaselineWorkflow
from bench.sample import Opener, realistic_report
from bench.stack import time_skipping
from domain.models import Category, Severity
from domain.prevention import RecordReview, ReviewVerdict
from domain.records import ActivityName, NoticeAcknowledgement
from domain.state import CaseStage
from domain.steps import ApproveTermination, CloseCase, RecordContact, RecordDialogue, RecordMilestone, RejectReport
from tests.helpers import eventually
from tests.standins import (
    COORDINATOR,
    LAWYER,
    PREVENTION,
    CaseDriver,
    StandIns,
    case_worker,
    file_report,
    report,
    tenancy,
)

PAYLOAD = "temporal.api.common.v1.Payload"
FULL_PATH = "terminated_after_failed_plan"


@dataclass
class HistorySize:
    events: int
    payload_bytes: int
    history_bytes: int
    activities: int


@dataclass
class PathSize:
    path: str
    case: HistorySize
    prevention: HistorySize | None = None


def _payload_bytes(message: Message) -> int:
    if message.DESCRIPTOR.full_name == PAYLOAD:
        return message.ByteSize()
    total = 0
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            total += _payload_bytes(value)
        else:  # a repeated field or a map of messages
            items = value.values() if hasattr(value, "values") else value
            total += sum(_payload_bytes(v) for v in items if isinstance(v, Message))
    return total


async def history_size(handle: WorkflowHandle) -> HistorySize:
    history = await handle.fetch_history()
    events = history.events
    activities = sum(1 for e in events if e.HasField("activity_task_scheduled_event_attributes"))
    return HistorySize(
        len(events), sum(_payload_bytes(e) for e in events), sum(e.ByteSize() for e in events), activities
    )


# -- the paths, as staff and partners walk them ------------------------------------------


async def _resolved_in_dialogue(env, client, queue, standins):
    case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
    await case.verify_pending()
    await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"))
    await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="agreed quiet hours", resolved=True))
    await case.handle.result()
    return case, None


async def _unfounded(env, client, queue, standins):
    case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
    report_id = (await case.view()).reports[0].report_id
    await case.step("reject_report", RejectReport(actor=COORDINATOR, reason="nobody home", report_id=report_id))
    await case.handle.result()
    return case, None


async def _corrected_after_warning(env, client, queue, standins):
    case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
    await case.warn_after_dialogue()
    for notice in standins.of(ActivityName.SEND_NOTICE):
        ack = NoticeAcknowledgement(notice_id=notice.notice_id, partner_id="soc-1", at=notice.requested_at)
        await case.handle.signal("acknowledge_notice", ack)
    await case.handle.result()  # the 12-week quiet period passes in skipped time
    return case, None


async def _in_prevention(client, queue):
    home = tenancy()
    case = CaseDriver(client, await file_report(client, queue, report(home)))
    await case.warn_after_dialogue()
    # The second night comes after the warning reached the tenant: termination may rest on it.
    warned_at = await case.warning_delivered()
    await file_report(client, queue, report(home, ref="second-night", occurred_at=warned_at + timedelta(milliseconds=1)))
    view = await case.verify_pending()
    if view.stage is not CaseStage.PREVENTION:
        raise RuntimeError(f"expected the prevention track, got {view.stage}")
    track = case.prevention(view.prevention_workflow_id)

    async def started():
        await track.view()

    await eventually(started)
    await track.agree_plan()
    return case, track


async def _action_plan_fulfilled(env, client, queue, standins):
    case, track = await _in_prevention(client, queue)
    await env.sleep(timedelta(weeks=4, days=1))
    await track.step("record_review", RecordReview(actor=PREVENTION, reason="calm", verdict=ReviewVerdict.FULFILLED))
    await case.handle.result()
    return case, track


async def _terminated_after_failed_plan(env, client, queue, standins):
    case, track = await _in_prevention(client, queue)
    await track.step("record_review", RecordReview(actor=PREVENTION, reason="went on", verdict=ReviewVerdict.FAILED))

    async def in_review():
        assert (await case.view()).stage is CaseStage.TERMINATION_REVIEW

    await eventually(in_review)
    await case.step("approve_termination", ApproveTermination(actor=LAWYER, reason="ground holds"))
    await case.step("record_milestone", RecordMilestone(actor=LAWYER, reason="filed", milestone="rent_tribunal_application"))
    await env.sleep(timedelta(weeks=9))
    await case.step("close_case", CloseCase(actor=LAWYER, reason="tribunal decided", outcome="terminated"))
    await case.handle.result()
    return case, track


async def _particularly_serious_terminated(env, client, queue, standins):
    serious = report(tenancy(), category=Category.VIOLENCE, severity=Severity.PARTICULARLY_SERIOUS)
    case = CaseDriver(client, await file_report(client, queue, serious))
    await case.verify_pending()
    await case.step("approve_termination", ApproveTermination(actor=LAWYER, reason="assault on staff"))
    await case.step("record_milestone", RecordMilestone(actor=LAWYER, reason="filed", milestone="rent_tribunal_application"))
    await case.step("close_case", CloseCase(actor=LAWYER, reason="tribunal decided", outcome="terminated"))
    await case.handle.result()
    return case, None


PATHS: dict[str, Callable[..., Awaitable[tuple[CaseDriver, object]]]] = {
    "unfounded": _unfounded,
    "resolved_in_dialogue": _resolved_in_dialogue,
    "corrected_after_warning": _corrected_after_warning,
    "action_plan_fulfilled": _action_plan_fulfilled,
    FULL_PATH: _terminated_after_failed_plan,
    "particularly_serious_terminated": _particularly_serious_terminated,
}


async def path_sizes(names: tuple[str, ...] = tuple(PATHS)) -> list[PathSize]:
    results = []
    for name in names:
        async with time_skipping() as env:
            standins = StandIns()
            async with case_worker(env.client, standins) as queue:
                case, track = await PATHS[name](env, env.client, queue, standins)
                results.append(
                    PathSize(name, await history_size(case.handle), await history_size(track.handle) if track else None)
                )
    return results


async def baseline_size() -> HistorySize:
    """The bare workflow opened by one report and given one Update, on the same kind of server."""
    async with time_skipping() as env:
        queue = f"bench-size-{uuid.uuid4().hex[:8]}"
        async with Worker(env.client, task_queue=queue, workflows=[BaselineWorkflow]):
            opener = Opener(env.client, queue, baseline=True)
            handle = await opener.open(realistic_report(random.Random(1), "size", 0))
            await opener.touch(handle, 0)
            size = await history_size(handle)
            await handle.terminate()
            return size
