"""Each defect of issue 11, as a time-skipping test on the real workflow with stand-in
activities; each keeps its history as `law_*.json` for the replay test
(`TRYGG_RECORD_HISTORIES=1 pytest tests/test_case_law.py`).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.calendar import add_months
from domain.models import Category, HousingForm, Role, Severity
from domain.policy import TaskKind
from domain.prevention import RecordReview, ReviewVerdict
from domain.records import NoticeKind
from domain.state import CaseStage
from domain.steps import (
    ApproveTermination,
    Assign,
    CloseCase,
    CompleteTask,
    EscalateToPrevention,
    IssueWarning,
    RecordContact,
    RecordDialogue,
    RecordGroundLearned,
    VerifyReport,
)
from domain.view import CaseView
from temporalio.worker import Worker
from workflows.case import DisturbanceCaseWorkflow
from workflows.prevention import PreventionWorkflow
from tests.helpers import eventually
from tests.standins import (
    COORDINATOR,
    LAWYER,
    PREVENTION,
    SENIOR_COORDINATOR,
    TEAM_LEAD,
    CaseDriver,
    StandIns,
    case_worker,
    file_report,
    keep_history,
    report,
    tenancy,
)



def _duty(view: CaseView, kind: NoticeKind):
    return next(d for d in view.legal_duties if d.kind is kind)


async def test_a_legal_notice_nobody_takes_is_delivered_by_hand_and_counts_only_then(time_env):
    client = time_env.client
    standins = StandIns(failing_notices={NoticeKind.DISTURBANCE_NOTICE: "no_partner", NoticeKind.WARNING_TO_TENANT: "permanent"})
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.warn_after_dialogue()

        async def by_hand():
            view = await case.view()
            tasks = [t for t in view.open_tasks if t.kind == TaskKind.DELIVER_BY_HAND]
            assert len(tasks) == 2, "the notice nobody takes and the letter that failed, at once"
            assert _duty(view, NoticeKind.WARNING_COPY).delivered_at is not None, "the copy was delivered"
            return view, tasks

        view, tasks = await eventually(by_hand)
        assert view.social_services_notified_at is None and view.warned_at is None, "neither left"
        social = _duty(view, NoticeKind.DISTURBANCE_NOTICE)
        assert (social.required, social.sent_at is not None, social.delivered_at, social.by_hand) == (True, True, None, True)

        await time_env.sleep(timedelta(days=9))
        view = await case.view()
        chased = [t for t in view.open_tasks if t.kind == TaskKind.CHASE_ACKNOWLEDGEMENT]
        assert len(chased) == 1, "only the copy that left is chased for an acknowledgement"
        first, second = tasks
        view = await case.step("complete_task", CompleteTask(actor=COORDINATOR, reason="handed over", task_id=first.task_id))
        given = [d.kind for d in view.legal_duties if d.delivered_by == COORDINATOR.id]
        assert len(given) == 1 and (view.social_services_notified_at is None) != (view.warned_at is None)
        view = await case.step("complete_task", CompleteTask(actor=COORDINATOR, reason="handed over", task_id=second.task_id))
        assert view.social_services_notified_at is not None and view.warned_at is not None, "by hand, they count"
        assert {d.kind for d in view.legal_duties if d.delivered_by == COORDINATOR.id} == {
            NoticeKind.DISTURBANCE_NOTICE, NoticeKind.WARNING_TO_TENANT
        }  # fmt: skip
        await keep_history(case.handle, "law_notice_nobody_takes_by_hand")
        await case.handle.terminate("test over")


async def test_termination_seconds_after_a_first_warning_is_refused(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.verify_pending()
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"))
        await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="no change", resolved=False))
        view = await case.step("escalate_to_prevention", EscalateToPrevention(actor=COORDINATOR, reason="support"))
        track = case.prevention(view.prevention_workflow_id)
        await eventually(track.view)
        await track.agree_plan()
        await track.step("record_review", RecordReview(actor=PREVENTION, reason="went on", verdict=ReviewVerdict.FAILED))

        async def in_review():
            assert (await case.view()).stage is CaseStage.TERMINATION_REVIEW

        await eventually(in_review)
        await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="now, at last"))
        await case.warning_delivered()
        message = await case.refused("approve_termination", ApproveTermination(actor=LAWYER, reason="enough"))
        assert message == (
            "Termination is not possible yet; it needs a verified disturbance that occurred after the warning was "
            "delivered (12 kap. 42 § första stycket 6: the disturbances must have gone on)."
        )
        await keep_history(case.handle, "law_termination_needs_disturbance_after_warning")
        await case.handle.terminate("test over")
    assert "termination_approved" not in standins.event_kinds()


async def test_the_window_runs_from_the_report_s_receipt_and_moves_with_a_final_judgment(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        serious = report(tenancy(), category=Category.VIOLENCE, severity=Severity.PARTICULARLY_SERIOUS)
        case = CaseDriver(client, await file_report(client, queue, serious))
        received = (await case.view()).opened_at
        await time_env.sleep(timedelta(days=20))  # verified late
        view = await case.verify_pending()
        assert view.stage is CaseStage.TERMINATION_REVIEW
        assert view.termination_window_closes_at == add_months(received, 2), "from the receipt, not from the review"
        assert view.ground_learned_at == received

        final = await time_env.get_current_time()
        judgment = RecordGroundLearned(actor=LAWYER, reason="contested judgment final", learned_at=final,
                                       basis="criminal_judgment_final")  # fmt: skip
        view = await case.step("record_ground_learned", judgment)
        closes = add_months(final, 2)
        assert (view.ground_learned_at, view.termination_window_closes_at) == (final, closes)
        warning = [c.fires_at for c in view.clocks if c.kind == "termination_window_warning"]
        assert warning == [closes - timedelta(weeks=2)], "the lawyer's warning clock moved with the window"
        await keep_history(case.handle, "law_window_moves_with_final_judgment")
        await case.handle.terminate("test over")


async def test_a_report_verified_after_its_window_closed_gives_no_termination_review(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        serious = report(tenancy(), category=Category.VIOLENCE, severity=Severity.PARTICULARLY_SERIOUS)
        case = CaseDriver(client, await file_report(client, queue, serious))
        await time_env.sleep(timedelta(days=70))
        view = await case.verify_pending()
        assert view.stage is CaseStage.FOLLOW_UP and view.termination_window_closes_at is None
        kinds = standins.event_kinds()
        assert kinds.index("termination_review_opened") < kinds.index("termination_window_closed")
        await case.handle.terminate("test over")


async def test_an_approval_after_the_window_closed_is_refused_though_its_timer_has_not_run(time_env):
    client, standins = time_env.client, StandIns()
    serious = report(tenancy(), category=Category.VIOLENCE, severity=Severity.PARTICULARLY_SERIOUS)
    # No sticky cache: a worker started later on the queue gets the case's next task.
    async with case_worker(client, standins, max_cached_workflows=0) as queue:
        case = CaseDriver(client, await file_report(client, queue, serious))
        view = await case.verify_pending()
        closes = view.termination_window_closes_at
        await time_env.sleep(closes - await time_env.get_current_time() - timedelta(seconds=2))
        assert (await case.view()).stage is CaseStage.TERMINATION_REVIEW
    # The worker is down at the deadline: the window's timer fires with nobody to run it
    # (the time-skipping server does not skip while a workflow task waits, so real seconds pass).
    await asyncio.sleep(3)
    assert await time_env.get_current_time() > closes
    async with Worker(client, task_queue=queue, workflows=[DisturbanceCaseWorkflow, PreventionWorkflow],
                      activities=standins.activities):  # fmt: skip
        message = await case.refused("approve_termination", ApproveTermination(actor=LAWYER, reason="late"))
        assert "12 kap. 43 §" in message
        view = await case.view()
        assert view.stage is CaseStage.FOLLOW_UP
        await keep_history(case.handle, "law_late_approval_refused")
        await case.handle.terminate("test over")
    assert "termination_approved" not in standins.event_kinds()


async def test_senior_housing_owner_steps_belong_to_the_senior_coordinator(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy(HousingForm.SENIOR_55))))
        report_id = (await case.view()).reports[0].report_id
        verify = VerifyReport(actor=COORDINATOR, reason="heard it", report_id=report_id, method="own_observation")
        message = await case.refused("verify_report", verify)
        assert message.startswith("On a case in senior_55 housing the owner's steps are for the senior_coordinator")
        assert "verify_report" not in (await case.view(Role.COORDINATOR)).allowed_steps
        await case.step("assign", Assign(actor=TEAM_LEAD, reason="Anna covers", assignee=COORDINATOR.id))
        view = await case.step("verify_report", verify)
        assert view.stage is CaseStage.CONTACT, "assigned, the coordinator takes the owner's steps"
        await case.step("record_contact", RecordContact(actor=SENIOR_COORDINATOR, reason="visit", method="visit"))
        await keep_history(case.handle, "law_senior_housing_owner_roles")
        await case.handle.terminate("test over")


async def test_a_case_with_a_verified_report_cannot_close_as_unfounded(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.verify_pending()
        message = await case.refused("close_case", CloseCase(actor=COORDINATOR, reason="nothing", outcome="unfounded"))
        assert message == "A case with a verified report cannot close as unfounded: the record shows a disturbance."
        view = await case.step("close_case", CloseCase(actor=COORDINATOR, reason="moved", outcome="tenant_moved_out"))
        assert view.outcome == "tenant_moved_out"
        await keep_history(case.handle, "law_unfounded_refused_after_verification")
    assert standins.notice_kinds()[0] is NoticeKind.EXTRA_ROUNDS, "extra rounds are asked for on the report"
