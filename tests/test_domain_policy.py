"""The policy is data: every rule cites its source, and it survives a round trip as a workflow input."""

from __future__ import annotations

from domain.policy import EscalationPolicy
from domain.records import NoticeKind
from runtime.calendar import default_policy


def test_every_rule_and_clock_cites_its_source():
    sources = EscalationPolicy.sources()
    undocumented = [name for name, text in sources.items() if name != "version" and not text and name != "retention"]
    assert undocumented == []
    assert "12 kap. 43 §" in sources["termination_window_months"]


def test_defaults_follow_the_domain_tables():
    policy = EscalationPolicy()
    assert policy.first_contact_working_days == 3
    assert policy.escalate_after_working_days == 2
    assert policy.follow_up_checkpoint_weeks == (2, 6, 12)
    assert policy.quiet_period_weeks == 12
    assert policy.action_plan_review_weeks == 4
    assert policy.termination_window_months == 2 and policy.termination_warning_weeks_before_close == 2
    assert policy.retention.night_reports_days == 90
    assert policy.acknowledgement_days[NoticeKind.DISTURBANCE_NOTICE] == 5


def test_default_policy_carries_the_holidays_and_round_trips_as_json():
    policy = default_policy(2025)
    assert len(policy.non_working_days) > 40
    assert EscalationPolicy.model_validate_json(policy.model_dump_json()) == policy
