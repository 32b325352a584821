"""Every path of the ladder, end to end on the time-skipping server with stand-in activities.

Each test has its own time-skipping environment (`time_env`): skipped time is shared
by everything in one environment.
"""

from __future__ import annotations

import json
from datetime import timedelta

from domain.models import Category, Complainant, HousingForm, Role, Severity
from domain.policy import TaskKind
from domain.prevention import PreventionStage, RecordReview, ReviewVerdict
from domain.records import ActivityName, NoticeAcknowledgement, NoticeKind
from domain.state import CaseStage, Outcome, PreventionOutcome
from domain.steps import (
    ApproveTermination,
    ApproveWarning,
    CloseCase,
    IssueWarning,
    RecordContact,
    RecordDialogue,
    RecordMilestone,
    RejectReport,
)
from tests.helpers import eventually
from tests.standins import (
    COORDINATOR,
    LAWYER,
    PREVENTION,
    SENIOR_COORDINATOR,
    TEAM_LEAD,
    CaseDriver,
    StandIns,
    case_policy,
    case_worker,
    file_report,
    keep_history,
    report,
    tenancy,
)


async def _case_in_prevention(client, queue):
    """Warned, the warning delivered, then a disturbance after it, verified during follow-up:
    the prevention track starts (and termination could later rest on that disturbance)."""
    home = tenancy()
    case = CaseDriver(client, await file_report(client, queue, report(home)))
    await case.warn_after_dialogue()
    warned_at = await case.warning_delivered()
    await file_report(client, queue, report(home, ref="second-night", occurred_at=warned_at + timedelta(milliseconds=1)))
    view = await case.verify_pending()
    assert view.stage is CaseStage.PREVENTION
    track = case.prevention(view.prevention_workflow_id)

    async def started():
        assert (await track.view()).stage is PreventionStage.PLAN_PENDING

    await eventually(started)
    return case, track


async def _case_in_termination_review(client, queue):
    """In prevention, the plan agreed and then reviewed as failed: termination review."""
    case, track = await _case_in_prevention(client, queue)
    await track.agree_plan()
    await track.step("record_review", RecordReview(actor=PREVENTION, reason="went on", verdict=ReviewVerdict.FAILED))

    async def in_review():
        assert (await case.view()).stage is CaseStage.TERMINATION_REVIEW

    await eventually(in_review)
    return case, track


async def test_report_resolved_in_dialogue_closes_case(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        view = await case.verify_pending()
        assert view.stage is CaseStage.CONTACT
        assert [t.kind for t in view.open_tasks] == [TaskKind.FIRST_CONTACT]
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"))
        view = await case.step(
            "record_dialogue", RecordDialogue(actor=COORDINATOR, reason="agreed quiet hours", resolved=True)
        )
        assert view.stage is CaseStage.CLOSED and view.outcome is Outcome.RESOLVED_IN_DIALOGUE
        assert (await case.handle.result()).outcome is Outcome.RESOLVED_IN_DIALOGUE
        await keep_history(case.handle, "case_resolved_in_dialogue")
    assert standins.calls[0][0] == ActivityName.UPSERT_CASE
    assert standins.notice_kinds() == [NoticeKind.EXTRA_ROUNDS]
    upserts = standins.of(ActivityName.UPSERT_CASE)
    assert upserts[-1].stage == "closed" and upserts[-1].outcome == "resolved_in_dialogue"
    assert [u.version for u in upserts] == list(range(1, len(upserts) + 1))
    opened = {t.task_id for t in standins.of(ActivityName.OPEN_STAFF_TASK)}
    closed = {t.task_id for t in standins.of(ActivityName.CLOSE_STAFF_TASK)}
    assert opened == closed, "a closed case leaves no open task behind"


async def test_warning_then_quiet_period_closes_case_as_corrected(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        view = await case.warn_after_dialogue()
        assert view.stage is CaseStage.FOLLOW_UP
        assert view.social_services_notified_at is None, "asked for, not yet delivered"

        async def warning_notices_sent():
            sent = set(standins.notice_kinds())
            assert {NoticeKind.WARNING_TO_TENANT, NoticeKind.WARNING_COPY, NoticeKind.DISTURBANCE_NOTICE} <= sent
            assert (await case.view()).social_services_notified_at is not None, "delivered: the notice counts"

        await eventually(warning_notices_sent)  # notices go out in the background, after the step returns
        for notice in standins.of(ActivityName.SEND_NOTICE):
            await case.handle.signal(
                "acknowledge_notice",
                NoticeAcknowledgement(notice_id=notice.notice_id, partner_id="soc-1", at=notice.requested_at),
            )
        final = await case.handle.result()
        await keep_history(case.handle, "case_corrected_after_warning")
    assert final.outcome is Outcome.CORRECTED_AFTER_WARNING
    assert final.closed_at - final.warning_issued_at >= timedelta(weeks=12)
    kinds = standins.event_kinds()
    assert kinds.count("follow_up_checkpoint") == 2, "checkpoints at 2 and 6 weeks; the quiet period ends at 12"
    assert "quiet_period_passed" in kinds
    assert "acknowledgement_missing" not in kinds, "acknowledged notices are not chased"
    assert {NoticeKind.WARNING_TO_TENANT, NoticeKind.WARNING_COPY, NoticeKind.DISTURBANCE_NOTICE} <= set(
        standins.notice_kinds()
    )


async def test_new_verified_report_during_follow_up_escalates_to_prevention(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case, track = await _case_in_prevention(client, queue)
        view = await case.view(Role.PREVENTION_TEAM)
        assert view.prevention_workflow_id == f"prevention-{view.case_id}"
        assert not any(c.kind == "quiet_period" for c in view.clocks), "no correction: the quiet period is off"

        async def meeting_asked():
            assert NoticeKind.ACTION_PLAN_MEETING in standins.notice_kinds()

        await eventually(meeting_asked)
    assert "prevention_track_started" in standins.event_kinds()


async def test_fulfilled_action_plan_returns_to_follow_up_and_closes(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case, track = await _case_in_prevention(client, queue)
        plan = await track.agree_plan()
        assert plan.stage is PreventionStage.REVIEWING
        await time_env.sleep(timedelta(weeks=4, days=1))
        assert "review_action_plan" in (await track.view()).open_tasks
        await track.step("record_review", RecordReview(actor=PREVENTION, reason="calm", verdict=ReviewVerdict.FULFILLED))

        async def back_in_follow_up():
            view = await case.view()
            assert view.stage is CaseStage.FOLLOW_UP and view.prevention_outcome is PreventionOutcome.FULFILLED

        await eventually(back_in_follow_up)
        final = await case.handle.result()
        await keep_history(case.handle, "case_action_plan_fulfilled")
        await keep_history(track.handle, "prevention_fulfilled")
    assert final.outcome is Outcome.ACTION_PLAN_FULFILLED


async def test_an_unagreed_action_plan_reminds_then_escalates_to_team_lead(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case, track = await _case_in_prevention(client, queue)
        (plan_task,) = [t for t in standins.of(ActivityName.OPEN_STAFF_TASK) if t.kind == TaskKind.AGREE_ACTION_PLAN]
        await time_env.sleep(plan_task.due_at - plan_task.opened_at - timedelta(hours=1))
        assert not (await track.view()).overdue, "not before its deadline"
        await time_env.sleep(timedelta(hours=2))

        def about_the_plan(kind: str) -> list:
            return [e for e in standins.of(ActivityName.RECORD_CASE_EVENT)
                    if e.kind == kind and e.data.get("task_id") == plan_task.task_id]  # fmt: skip

        async def reminded():
            view = await track.view()
            assert view.overdue and not view.escalated and len(about_the_plan("task_reminder")) == 1

        await eventually(reminded)
        await time_env.sleep(timedelta(days=6))  # past 2 more working days, weekend or not

        async def escalated():
            assert (await track.view()).escalated and len(about_the_plan("task_escalated")) == 1

        await eventually(escalated)
        (lead_task,) = [t for t in standins.of(ActivityName.OPEN_STAFF_TASK)
                        if t.role is Role.TEAM_LEAD and t.kind == TaskKind.AGREE_ACTION_PLAN]  # fmt: skip
        assert (lead_task.escalated, lead_task.task_id) == (True, f"{plan_task.task_id}.lead")
        view = await track.agree_plan()
        assert view.open_tasks == () and not view.overdue
        closed = {c.task_id for c in standins.of(ActivityName.CLOSE_STAFF_TASK)}
        assert {plan_task.task_id, lead_task.task_id} <= closed, "agreeing the plan answers the lead's copy too"
        await keep_history(track.handle, "prevention_overdue_plan_escalated")
        await case.handle.terminate("test over")


async def test_failed_plan_goes_to_termination_approved_inside_the_window(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case, track = await _case_in_termination_review(client, queue)
        view = await case.view(Role.TENANCY_LAWYER)
        assert view.allowed_steps == (
            "approve_termination", "record_ground_learned", "close_case", "add_note", "assign_task",
        ), "assign_task: the lawyer may claim the unassigned approval task"  # fmt: skip
        assert [t.role for t in view.open_tasks] == [Role.TENANCY_LAWYER]
        view = await case.step("approve_termination", ApproveTermination(actor=LAWYER, reason="ground holds"))
        assert view.stage is CaseStage.LEGAL_PROCESS and view.termination_window_closes_at is None
        await case.step(
            "record_milestone", RecordMilestone(actor=LAWYER, reason="filed", milestone="rent_tribunal_application")
        )
        await time_env.sleep(timedelta(weeks=9))  # past the old window: nothing may fire now
        view = await case.step("close_case", CloseCase(actor=LAWYER, reason="tribunal decided", outcome="terminated"))
        assert view.outcome is Outcome.TERMINATED
        await case.handle.result()
        await keep_history(case.handle, "case_terminated_after_failed_plan")
        await keep_history(track.handle, "prevention_failed")
    kinds = standins.event_kinds()
    assert "termination_window_closing" not in kinds and "termination_window_closed" not in kinds
    assert NoticeKind.TERMINATION_NOTICE in standins.notice_kinds()


async def test_termination_window_warns_the_lawyer_two_weeks_before_it_closes(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case, track = await _case_in_termination_review(client, queue)
        view = await case.view()
        closes = view.termination_window_closes_at
        await time_env.sleep(closes - timedelta(weeks=2) - await time_env.get_current_time() + timedelta(hours=1))
        view = await case.view()
        assert "termination_window_closing" in standins.event_kinds()
        warning = [t for t in view.open_tasks if t.kind == TaskKind.TERMINATION_WINDOW_CLOSING]
        assert warning and warning[0].role is Role.TENANCY_LAWYER and warning[0].due_at == closes
        await time_env.sleep(timedelta(weeks=2))
        view = await case.view()
        assert view.stage is CaseStage.FOLLOW_UP, "the ground is spent; the case watches for a new one"
        assert "termination_window_closed" in standins.event_kinds()
        await keep_history(case.handle, "case_termination_window_closed")


async def test_particularly_serious_disturbance_goes_straight_to_termination_review(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        serious = report(tenancy(), category=Category.VIOLENCE, severity=Severity.PARTICULARLY_SERIOUS)
        case = CaseDriver(client, await file_report(client, queue, serious))
        view = await case.verify_pending()
        assert view.stage is CaseStage.TERMINATION_REVIEW and view.warning_issued_at is None
        view = await case.step("approve_termination", ApproveTermination(actor=LAWYER, reason="assault on staff"))
        assert view.stage is CaseStage.LEGAL_PROCESS

        async def partners_told():
            expected = {NoticeKind.CRIME_REPORT, NoticeKind.DISTURBANCE_NOTICE, NoticeKind.TERMINATION_NOTICE}
            assert expected <= set(standins.notice_kinds())

        await eventually(partners_told)
    assert NoticeKind.WARNING_TO_TENANT not in standins.notice_kinds()


async def test_overdue_first_contact_reminds_then_escalates_to_team_lead(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy(HousingForm.SENIOR_70))))
        view = await case.verify_pending(SENIOR_COORDINATOR)
        contact = [t for t in view.open_tasks if t.kind == TaskKind.FIRST_CONTACT][0]
        assert contact.role is Role.SENIOR_COORDINATOR, "senior housing goes to the seniorvärd"
        await time_env.sleep(contact.due_at - view.opened_at + timedelta(hours=1))
        view = await case.view()
        assert "task_reminder" in standins.event_kinds() and view.overdue and not view.escalated
        await time_env.sleep(timedelta(days=6))
        view = await case.view()
        assert "task_escalated" in standins.event_kinds() and view.escalated
        await keep_history(case.handle, "case_overdue_contact_escalated")
    lead_tasks = [t for t in standins.of(ActivityName.OPEN_STAFF_TASK) if t.role is Role.TEAM_LEAD]
    assert lead_tasks and lead_tasks[0].kind == TaskKind.FIRST_CONTACT and lead_tasks[0].escalated


async def test_rejected_report_closes_case_as_unfounded(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        report_id = (await case.view()).reports[0].report_id
        view = await case.step(
            "reject_report", RejectReport(actor=COORDINATOR, reason="nobody home that night", report_id=report_id)
        )
        assert view.stage is CaseStage.CLOSED and view.outcome is Outcome.UNFOUNDED
    verdicts = standins.of(ActivityName.RECORD_REPORT_VERDICT)
    assert [v.verified for v in verdicts] == [False]


async def test_duplicate_report_is_ignored(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        filed = report(home, ref="CS-1")
        handle = await file_report(client, queue, filed)
        again = await file_report(client, queue, filed)
        assert again.result_run_id == handle.result_run_id
        await file_report(client, queue, report(home, ref="CS-2"))
        case = CaseDriver(client, handle)

        async def two_reports():
            assert [r.external_ref for r in (await case.view()).reports] == ["CS-1", "CS-2"]

        await eventually(two_reports)
    assert [r.external_ref for r in standins.of(ActivityName.RECORD_REPORT)] == ["CS-1", "CS-2"]


async def test_report_after_closure_opens_a_new_case(local_env):
    # On the dev server: the time-skipping server leaps ten years when an Update-with-start
    # starts a new run under a closed workflow id, which no report's occurred_at survives.
    client, standins = local_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        first = CaseDriver(client, await file_report(client, queue, report(home, ref="A")))
        report_id = (await first.view()).reports[0].report_id
        closed = await first.step("reject_report", RejectReport(actor=COORDINATOR, reason="unfounded", report_id=report_id))
        await first.handle.result()
        second = CaseDriver(client, await file_report(client, queue, report(home, ref="B")))
        view = await second.view()
        assert view.case_id != closed.case_id and view.stage is CaseStage.REPORTED
        assert view.workflow_id == closed.workflow_id


async def test_partner_outage_opens_deliver_by_hand_task_and_case_goes_on(time_env):
    client = time_env.client
    standins = StandIns(failing_notices={NoticeKind.DISTURBANCE_NOTICE: "outage", NoticeKind.WARNING_COPY: "permanent"})
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        view = await case.warn_after_dialogue()
        assert view.stage is CaseStage.FOLLOW_UP

        async def by_hand():
            tasks = [t for t in (await case.view()).open_tasks if t.kind == TaskKind.DELIVER_BY_HAND]
            assert len(tasks) == 2

        await eventually(by_hand)
        await keep_history(case.handle, "case_partner_outage")
    permanent = [n for n in standins.notice_attempts.items()]
    assert max(attempts for _, attempts in permanent) == case_policy().notice_max_attempts
    assert sorted(a for _, a in permanent)[0] == 1, "a permanent error is not retried"
    assert standins.event_kinds().count("notice_undelivered") == 2


async def test_a_verified_report_replies_to_its_complainant_and_a_failed_reply_is_done_by_hand(time_env):
    client = time_env.client
    standins = StandIns(failing_notices={NoticeKind.COMPLAINANT_REPLY: "permanent"})  # they left a phone number
    heard = report(tenancy()).model_copy(update={"complainant": Complainant(name="Agneta K", contact="070-7654321")})
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, heard))
        view = await case.verify_pending()
        assert view.stage is CaseStage.CONTACT

        async def call_back_task():
            tasks = [t for t in (await case.view()).open_tasks if t.kind == TaskKind.DELIVER_BY_HAND]
            assert len(tasks) == 1

        await eventually(call_back_task)
        await keep_history(case.handle, "case_complainant_reply_by_hand")
        await case.handle.terminate("test over")
    [undelivered] = [e for e in standins.of(ActivityName.RECORD_CASE_EVENT) if e.kind == "notice_undelivered"]
    assert undelivered.data["notice_kind"] == NoticeKind.COMPLAINANT_REPLY
    assert standins.notice_attempts[undelivered.data["notice_id"]] == 1, "a permanent refusal is not retried"
    sent = json.dumps([r.model_dump(mode="json") for name, r in standins.calls if name != ActivityName.RECORD_REPORT])
    assert "Agneta" not in sent and "070-7654321" not in sent, "the case carries no complainant to any activity but the register's"


async def test_a_warning_waits_for_the_team_leads_approval_where_policy_asks(time_env):
    client, standins = time_env.client, StandIns(policy=case_policy(warning_needs_team_lead_approval=True))
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.verify_pending()
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"))
        await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="no change", resolved=False))
        view = await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="it goes on"))
        assert view.stage is CaseStage.DIALOGUE and view.warning_issued_at is None, "proposed, not sent"
        assert [t.role for t in view.open_tasks if t.kind == TaskKind.APPROVE_WARNING] == [Role.TEAM_LEAD]
        assert NoticeKind.WARNING_TO_TENANT not in standins.notice_kinds()

        declined = await case.step("approve_warning", ApproveWarning(actor=TEAM_LEAD, reason="talk once more", approved=False))
        assert declined.stage is CaseStage.DIALOGUE and not [t for t in declined.open_tasks if t.kind == TaskKind.APPROVE_WARNING]
        await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="still goes on"))
        view = await case.step("approve_warning", ApproveWarning(actor=TEAM_LEAD, reason="agreed"))
        assert view.stage is CaseStage.FOLLOW_UP and view.warning_issued_at is not None

        async def sent():
            kinds = standins.notice_kinds()
            assert kinds.count(NoticeKind.WARNING_TO_TENANT) == 1 and kinds.count(NoticeKind.DISTURBANCE_NOTICE) == 1

        await eventually(sent)
        await keep_history(case.handle, "case_warning_approved_by_team_lead")
        await case.handle.terminate("test over")
    kinds = standins.event_kinds()
    assert kinds.count("warning_proposed") == 2 and "warning_declined" in kinds and kinds.count("warning_issued") == 1


async def test_missing_acknowledgement_opens_chase_task_and_ack_closes_it(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.warn_after_dialogue()
        await time_env.sleep(timedelta(days=9))
        view = await case.view()
        chase = [t for t in view.open_tasks if t.kind == TaskKind.CHASE_ACKNOWLEDGEMENT]
        assert len(chase) == 2, "the disturbance notice and the warning copy"
        notice = [n for n in standins.of(ActivityName.SEND_NOTICE) if n.kind is NoticeKind.DISTURBANCE_NOTICE][0]
        await case.handle.signal(
            "acknowledge_notice", NoticeAcknowledgement(notice_id=notice.notice_id, partner_id="soc-1", at=view.opened_at)
        )

        async def one_left():
            tasks = [t for t in (await case.view()).open_tasks if t.kind == TaskKind.CHASE_ACKNOWLEDGEMENT]
            assert len(tasks) == 1

        await eventually(one_left)


async def test_fire_hazard_notifies_rescue_service_and_fire_safety_officer(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy(), category=Category.FIRE_HAZARD)))
        view = await case.view(Role.FIRE_SAFETY_OFFICER)
        assert Role.FIRE_SAFETY_OFFICER in {t.role for t in view.open_tasks}
        assert "verify_report" in view.allowed_steps

        async def rescue_service_told():
            assert standins.notice_kinds() == [NoticeKind.FIRE_HAZARD]

        await eventually(rescue_service_told)
    assert "complainant" not in standins.of(ActivityName.SEND_NOTICE)[0].facts


async def test_closing_a_case_withdraws_its_prevention_track(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case, track = await _case_in_prevention(client, queue)
        view = await case.step("close_case", CloseCase(actor=COORDINATOR, reason="moved away", outcome="tenant_moved_out"))
        assert view.outcome is Outcome.TENANT_MOVED_OUT and view.prevention_outcome is PreventionOutcome.WITHDRAWN

        async def withdrawn():
            assert (await track.view()).outcome is PreventionOutcome.WITHDRAWN
            opened = {t.task_id for t in standins.of(ActivityName.OPEN_STAFF_TASK)}
            closed = {t.task_id for t in standins.of(ActivityName.CLOSE_STAFF_TASK)}
            assert opened == closed, "neither the case nor the track leaves a task open"

        await eventually(withdrawn)
