"""Staff steps as Updates: refusals say why in words and leave no trace in history;
reports keep arriving while a step runs; continue-as-new carries the whole case."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateStage

from domain.prevention import AgreeActionPlan, RecordReview
from domain.models import Role
from domain.records import ActivityName
from domain.state import CaseStage
from domain.steps import (
    AddNote,
    ApproveTermination,
    ApproveWarning,
    CloseCase,
    EscalateToPrevention,
    IssueWarning,
    RecordContact,
    RecordDialogue,
    VerifyReport,
)
from domain.view import CaseView
from tests.helpers import eventually
from tests.standins import (
    COORDINATOR,
    LAWYER,
    OPERATOR,
    PREVENTION,
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



async def test_refusals_explain_wrong_stage_role_and_input_without_trace(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        report_id = (await case.view()).reports[0].report_id

        message = await case.refused("record_contact", RecordContact(actor=COORDINATOR, reason="x", method="call"))
        assert message.startswith("'record_contact' is not possible while the case is in stage 'reported'")

        message = await case.refused("issue_warning", IssueWarning(actor=COORDINATOR, reason="loud"))
        assert "not possible while the case is in stage 'reported'" in message

        message = await case.refused(
            "verify_report", VerifyReport(actor=OPERATOR, reason="x", report_id=report_id, method="inspection")
        )
        assert message == (
            "'verify_report' needs one of the roles coordinator, fire_safety_officer, senior_coordinator, "
            "team_lead; you act as operator."
        )

        message = await case.refused(
            "verify_report", VerifyReport(actor=COORDINATOR, reason="x", report_id="nope", method="inspection")
        )
        assert message == f"This case has no report 'nope'. Its reports are: {report_id}."

        message = await case.refused("close_case", CloseCase(actor=COORDINATOR, reason="x", outcome="terminated"))
        assert message == "A case in stage 'reported' can close as: tenant_moved_out, unfounded, withdrawn; not as 'terminated'."

        await case.verify_pending()
        message = await case.refused(
            "verify_report", VerifyReport(actor=COORDINATOR, reason="x", report_id=report_id, method="inspection")
        )
        assert message == f"Report '{report_id}' was already verified."

        message = await case.refused("approve_termination", ApproveTermination(actor=COORDINATOR, reason="x"))
        assert "needs one of the roles tenancy_lawyer; you act as coordinator" in message

        view = await case.view()
        assert view.stage is CaseStage.CONTACT and view.notes == 0


async def test_prevention_steps_are_refused_out_of_order_on_the_child(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        await case.verify_pending()
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"))
        view = await case.step("escalate_to_prevention", EscalateToPrevention(actor=COORDINATOR, reason="support"))
        track = case.prevention(view.prevention_workflow_id)

        async def started():
            await track.view()

        await eventually(started)
        plan = AgreeActionPlan(actor=PREVENTION, reason="meeting", measures=("quiet_hours",))
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await track.step("agree_action_plan", plan)
        assert failure.value.cause.message == (
            "Ask the tenant for consent (samtycke) and record the answer before the plan is agreed."
        )
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await track.step("record_review", RecordReview(actor=PREVENTION, reason="x", verdict="on_track"))
        assert failure.value.cause.message == "'record_review' is not possible while the prevention track is at 'plan_pending'."


async def test_termination_without_social_services_notice_is_refused(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        case = CaseDriver(client, await file_report(client, queue, report(home)))
        await case.verify_pending()
        await case.step("record_contact", RecordContact(actor=COORDINATOR, reason="called", method="call"))
        await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason="no change", resolved=False))
        view = await case.step(
            "escalate_to_prevention", EscalateToPrevention(actor=COORDINATOR, reason="needs support")
        )
        assert view.stage is CaseStage.PREVENTION and view.social_services_notified_at is None
        track = case.prevention(view.prevention_workflow_id)

        async def started():
            await track.view()

        await eventually(started)
        await track.agree_plan()
        await track.step("record_review", RecordReview(actor=PREVENTION, reason="no change", verdict="failed"))

        async def in_review():
            assert (await case.view()).stage is CaseStage.TERMINATION_REVIEW

        await eventually(in_review)
        message = await case.refused("approve_termination", ApproveTermination(actor=LAWYER, reason="enough"))
        assert message.startswith("Termination is not possible yet; it needs a warning (tillsägelse) delivered")
        assert "a notice to social services that was delivered (12 kap. 25 §, RH 2004:38)" in message
        await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="warning and notice now"))
        warned_at = await case.warning_delivered()
        message = await case.refused("approve_termination", ApproveTermination(actor=LAWYER, reason="enough"))
        assert "a verified disturbance that occurred after the warning was delivered" in message, (
            "seconds after a first warning the disturbances cannot have gone on after it (12 kap. 42 §)"
        )
        await file_report(client, queue, report(home, ref="after-warning", occurred_at=warned_at + timedelta(milliseconds=1)))
        await case.verify_pending()
        view = await case.step("approve_termination", ApproveTermination(actor=LAWYER, reason="enough"))
        assert view.stage is CaseStage.LEGAL_PROCESS


async def test_approving_a_warning_is_the_team_leads_and_only_for_one_proposed(time_env):
    client, standins = time_env.client, StandIns(policy=case_policy(warning_needs_team_lead_approval=True))
    async with case_worker(client, standins) as queue:
        handle = await file_report(client, queue, report(tenancy()))
        case = CaseDriver(client, handle)
        await case.verify_pending()
        message = await case.refused("approve_warning", ApproveWarning(actor=TEAM_LEAD, reason="ok"))
        assert message == "No warning waits for approval on this case; issue_warning proposes one."
        await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason="it goes on"))
        message = await case.refused("approve_warning", ApproveWarning(actor=COORDINATOR, reason="my own"))
        assert message == "'approve_warning' needs one of the roles team_lead; you act as coordinator."
        message = await case.refused("issue_warning", IssueWarning(actor=COORDINATOR, reason="again"))
        assert message == "A warning on this case already waits for the team lead's approval (approve_warning)."
        assert "approve_warning" in (await case.view(Role.TEAM_LEAD)).allowed_steps
        assert "approve_warning" not in (await case.view(Role.COORDINATOR)).allowed_steps


async def test_reports_arriving_while_a_step_runs_join_the_case_after_it(time_env):
    client, standins = time_env.client, StandIns()
    standins.verdict_gate = asyncio.Event()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        case = CaseDriver(client, await file_report(client, queue, report(home, ref="first")))
        report_id = (await case.view()).reports[0].report_id

        async def case_opened():
            assert standins.of(ActivityName.SEND_NOTICE), "the last command of the opening has run"

        await eventually(case_opened)
        in_flight = await case.handle.start_update(
            "verify_report",
            VerifyReport(actor=COORDINATOR, reason="seen", report_id=report_id, method="own_observation"),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            result_type=CaseView,
        )
        # A report is an Update now: it waits for the lock the step holds, so it is sent
        # in the background and answered once the step is done.
        later = [asyncio.create_task(file_report(client, queue, report(home, ref=f"later-{n}"))) for n in range(3)]
        await asyncio.sleep(0.5)  # let the three reach the case while the step holds it
        assert not any(task.done() for task in later), "a report was answered while the step still ran"
        standins.verdict_gate.set()
        view = await in_flight.result()
        assert view.stage is CaseStage.CONTACT
        await asyncio.gather(*later)

        async def all_joined():
            refs = [r.external_ref for r in (await case.view()).reports]
            # Three concurrent Updates: each joins after the step, in whatever order they won the lock.
            assert refs[0] == "first" and sorted(refs[1:]) == ["later-0", "later-1", "later-2"]

        await eventually(all_joined)
    order = [name for name, _ in standins.calls if name in (ActivityName.RECORD_REPORT, ActivityName.RECORD_REPORT_VERDICT)]
    assert order == [ActivityName.RECORD_REPORT, ActivityName.RECORD_REPORT_VERDICT] + [ActivityName.RECORD_REPORT] * 3


async def test_continue_as_new_carries_the_whole_case(local_env):
    # On the dev server: the time-skipping server can leave a query hanging after a
    # continue-as-new that lands in the same task as an Update's answer.
    client, standins = local_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        home = tenancy()
        handle = await file_report(client, queue, report(home, ref="r-1"), max_history_events_before_continue=50)
        first_run = handle.result_run_id
        case = CaseDriver(client, handle)
        await case.verify_pending()
        for n in range(6):
            await case.step("add_note", AddNote(actor=COORDINATOR, reason=f"note {n}"))
        await file_report(client, queue, report(home, ref="r-2"))

        async def continued():
            history = await client.get_workflow_handle(home and handle.id, run_id=first_run).fetch_history()
            assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
            view = await case.view()
            assert view.notes == 6 and [r.external_ref for r in view.reports] == ["r-1", "r-2"]
            assert view.stage is CaseStage.CONTACT and view.open_tasks

        await eventually(continued)
        first = (await case.view()).case_id
        view = await case.step("add_note", AddNote(actor=COORDINATOR, reason="after"))
        assert view.case_id == first and view.notes == 7
        await keep_history(client.get_workflow_handle(handle.id, run_id=first_run), "case_continued_as_new")
    event_ids = [e.event_id for e in standins.of(ActivityName.RECORD_CASE_EVENT)]
    assert len(event_ids) == len(set(event_ids)), "ids stay unique across runs"
