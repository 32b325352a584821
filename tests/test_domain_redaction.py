"""Pure: the ladder's answer to a screened notice, and the redaction rule's cut."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.commands import OpenTask, RecordEvent
from domain.events import NoticeRedacted
from domain.ladder import decide, open_case
from domain.models import Actor, Category, DisturbanceReport, HousingForm, Role, SourceKind, TenancyRef
from domain.policy import EscalationPolicy, TaskKind
from domain.redaction import cut
from domain.steps import CompleteTask, RejectReport, allowed_steps, refusal

START = datetime(2025, 3, 3, 9, tzinfo=UTC)
OWNER = Actor(id="anna.s", role=Role.COORDINATOR)


def opened(housing: HousingForm = HousingForm.ORDINARY):
    report = DisturbanceReport(
        external_ref="r-1", source_kind=SourceKind.NEIGHBOUR, category=Category.NOISE, occurred_at=START, place="gård",
        tenancy=TenancyRef(tenancy_id="T1", property_id="P1", area="Ryd", housing_form=housing),
    )  # fmt: skip
    state, _ = open_case(report, START, EscalationPolicy(), "T1.c", "case-T1")
    return state


def test_a_screened_notice_opens_one_check_for_the_owner_and_logs_only_which_notice():
    state, commands = decide(opened(), NoticeRedacted(notice_id="T1.c:n3"), START)
    [check] = [t for t in state.tasks.values() if t.kind == TaskKind.CHECK_REDACTION]
    assert (check.role, check.ref) == (Role.COORDINATOR, "T1.c:n3")
    [event] = [c.record for c in commands if isinstance(c, RecordEvent)]
    assert (event.kind, event.data, event.reason) == ("notice_redacted", {"notice_id": "T1.c:n3"}, None)
    assert any(isinstance(c, OpenTask) and c.record.kind == TaskKind.CHECK_REDACTION for c in commands)

    again, more = decide(state, NoticeRedacted(notice_id="T1.c:n3"), START)
    assert again.tasks == state.tasks, "a repeat while the check is open opens nothing"
    assert not [c for c in more if isinstance(c, (OpenTask, RecordEvent))]
    other, _ = decide(state, NoticeRedacted(notice_id="T1.c:n4"), START)
    assert len([t for t in other.tasks.values() if t.kind == TaskKind.CHECK_REDACTION]) == 2


def test_in_senior_housing_the_check_goes_to_the_senior_coordinator():
    state, _ = decide(opened(HousingForm.SENIOR_70), NoticeRedacted(notice_id="n1"), START)
    [check] = [t for t in state.tasks.values() if t.kind == TaskKind.CHECK_REDACTION]
    assert check.role is Role.SENIOR_COORDINATOR


def test_the_check_is_a_side_task_closed_by_complete_task():
    state, _ = decide(opened(), NoticeRedacted(notice_id="n1"), START)
    [check] = [t for t in state.tasks.values() if t.kind == TaskKind.CHECK_REDACTION]
    step = CompleteTask(actor=OWNER, reason="checked: the place named a neighbour", task_id=check.task_id)
    assert "complete_task" in allowed_steps(state, Role.COORDINATOR)
    assert refusal(state, "complete_task", step, START) is None
    state, _ = decide(state, step, START)
    assert check.task_id not in state.tasks


def test_a_closed_case_ignores_a_late_redaction():
    state = opened()
    state, _ = decide(state, RejectReport(actor=OWNER, reason="no", report_id=state.reports[0].report_id), START)
    assert state.is_closed
    assert decide(state, NoticeRedacted(notice_id="n1"), START) == (state, [])


def test_the_cut_reaches_every_depth_and_keeps_an_actors_role():
    value = {
        "actor": {"id": "anna.s", "role": "coordinator"},
        "reason": "ringde",
        "reports": [{"place": "gård", "category": "noise", "external_ref": "CS-1", "complainant": {"name": "X"}}],
        "tenancy": {"tenancy_id": "T1", "address": "Storgatan 1", "tenant_names": ["Bo"]},
        "complainant_name": "X",
    }
    assert cut(value, Role.OPERATOR) == {
        "actor": {"id": None, "role": "coordinator"},
        "reason": None,
        "reports": [{"place": None, "category": "noise", "external_ref": None, "complainant": None}],
        "tenancy": {"tenancy_id": "T1", "address": None, "tenant_names": None},
        "complainant_name": None,
    }
    lawyer = cut(value, Role.TENANCY_LAWYER)
    assert lawyer["reason"] == "ringde" and lawyer["tenancy"]["address"] == "Storgatan 1"
    assert lawyer["reports"][0]["external_ref"] is None and lawyer["complainant_name"] is None
    assert cut(value, Role.COORDINATOR) == value
