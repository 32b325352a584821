"""The console's pure helpers: every printed id read back as its case, a report named
by its ref or as the latest, times in Swedish time with their zone, and the step guide
derived from the rules (no hand-kept copy)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from client.references import case_reference, resolve_report
from console.main import app
from console.times import local_time, parse_moment
from domain import prevention, steps
from domain.step_guide import ANY_OPEN_STAGES, step_guide
from domain.view import ReportView

CASE = "T-1001.3f9c2a1b7d04"


@pytest.mark.parametrize(
    "printed",
    ["T-1001", "case-T-1001", CASE, f"{CASE}:r2", f"{CASE}:t5.lead", f"{CASE}:pt3", f"prevention-{CASE}"],
)
def test_every_id_trygg_prints_names_the_tenancys_case_workflow(printed):
    assert case_reference(printed).workflow_id == "case-T-1001"


def test_a_case_local_id_also_names_which_case_so_an_old_case_never_reaches_a_new_one():
    assert case_reference(f"{CASE}:r2").case_id == CASE
    assert case_reference("T-1001").case_id is None and case_reference("case-T-1001").case_id is None
    assert case_reference("A:b.c").workflow_id == "case-A:b.c", "a tenancy id with dots is not a case id"


def _report(report_id: str, ref: str | None) -> ReportView:
    return ReportView(
        report_id=report_id, external_ref=ref, source_kind="neighbour", category="noise", severity="normal",
        occurred_at=datetime(2026, 11, 27, tzinfo=UTC), verified=None,
    )  # fmt: skip


def test_a_report_is_named_by_its_id_its_external_ref_or_latest():
    reports = [_report(f"{CASE}:r2", "CS-77"), _report(f"{CASE}:r5", "CS-78")]
    assert resolve_report(f"{CASE}:r2", reports) == f"{CASE}:r2"
    assert resolve_report("CS-78", reports) == f"{CASE}:r5"
    assert resolve_report("latest", reports) == f"{CASE}:r5"
    assert resolve_report("CS-99", reports) is None


def test_times_print_in_swedish_time_with_the_zone_summer_and_winter():
    assert local_time(datetime(2026, 12, 1, 14, 0, tzinfo=UTC)) == "2026-12-01 15:00 CET"
    assert local_time(datetime(2026, 7, 1, 14, 0, tzinfo=UTC)) == "2026-07-01 16:00 CEST"
    assert local_time(None) == "-"
    assert parse_moment("2026-12-01").isoformat() == "2026-12-01T00:00:00+01:00", "a bare date is Swedish midnight"
    assert parse_moment("2026-12-01T10:00+00:00").utcoffset().total_seconds() == 0


def test_the_step_guide_is_the_rules_tables_for_every_step():
    guides = {g.name: g for g in step_guide()}
    assert set(guides) == set(steps.STEP_MODELS) | set(prevention.PREVENTION_STEP_MODELS)
    for name, roles in steps.STEP_ROLES.items():
        assert set(guides[name].roles) == {str(r) for r in roles}, name
        assert guides[name].owner_step == (name in steps.OWNER_STEPS)
    assert guides["record_contact"].stages == ("contact",)
    assert guides["add_note"].stages == (ANY_OPEN_STAGES,)
    assert [(f.name, f.required) for f in guides["verify_report"].fields] == [("report_id", True), ("method", True)]
    assert guides["agree_action_plan"].roles == tuple(sorted(str(r) for r in prevention.PREVENTION_ROLES))


def test_act_help_shows_each_steps_fields_roles_and_stages():
    shown = " ".join(CliRunner().invoke(app, ["act", "--help"]).output.split())  # as read, wrapping aside
    assert "approve_termination: by tenancy_lawyer; in termination_review." in shown
    assert "- method (required): one of call, visit, letter" in shown
    assert "record_review: by coordinator, prevention_team, senior_coordinator, team_lead; in prevention track: reviewing." in shown
    assert "- termination_date (optional): YYYY-MM-DD" in shown


def test_two_acknowledgement_clocks_each_name_their_notice_in_the_view_and_in_show():
    from console.case_commands import _clock_text
    from domain.events import NoticeDelivered
    from domain.ladder import decide
    from domain.records import NoticeKind
    from domain.state import ClockKind
    from domain.view import view_of
    from tests.test_domain_law import START, _warned

    state = _warned()
    for notice in state.notices:
        if notice.kind in (NoticeKind.DISTURBANCE_NOTICE, NoticeKind.WARNING_COPY):
            state, _ = decide(state, NoticeDelivered(notice_id=notice.notice_id, delivered_to=("soc",)), START)
    clocks = [c for c in view_of(state).clocks if c.kind is ClockKind.ACKNOWLEDGEMENT_DUE]
    assert {c.notice_kind for c in clocks} == {NoticeKind.DISTURBANCE_NOTICE, NoticeKind.WARNING_COPY}
    texts = {_clock_text(c) for c in clocks}
    assert len(texts) == 2 and all(c.ref in _clock_text(c) for c in clocks)
    assert any("for disturbance_notice" in t for t in texts)


def test_register_clock_events_become_timeline_entries_that_say_what_the_clock_did():
    from client.timeline import _clock_summary

    assert _clock_summary("task_reminder", {"task_id": "c:t2", "task_kind": "first_contact", "role": "coordinator"}) == (
        "clock: task c:t2 (first_contact) is due; coordinator reminded"
    )
    assert "escalated to team_lead" in _clock_summary("task_escalated", {"task_id": "c:t2", "to_role": "team_lead"})
    assert "warning_copy (c:n4)" in _clock_summary("acknowledgement_missing", {"notice_kind": "warning_copy", "notice_id": "c:n4"})


def test_an_incident_recorded_by_the_sweep_shows_in_the_timeline():
    from datetime import UTC, datetime

    from client.timeline import register_entries
    from register.queries import AuditTrail
    from register.rows import EventRow

    event = EventRow(seq=3, event_id="c:incident", kind="case_terminated_outside_ladder", actor_id=None,
                     actor_role="system", at=datetime(2026, 12, 1, tzinfo=UTC), reason=None, data={"run_id": "r-1"})  # fmt: skip
    trail = AuditTrail.model_construct(case=None, stages=[], events=[event], reports=[], tasks=[], disclosures=[])
    [entry] = register_entries(trail)
    assert entry.kind == "incident:case_terminated_outside_ladder" and "terminated in Temporal" in entry.summary
    assert "r-1" in entry.summary
