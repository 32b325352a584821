"""One copy in memory: decoded policies with equal content are one object; different
content stays apart; a policy built directly is its own."""

from __future__ import annotations

from datetime import UTC, date, datetime

from temporalio.contrib.pydantic import pydantic_data_converter

from domain.inputs import CaseInput
from domain.policy import EscalationPolicy, shared
from domain.state import CaseState
from runtime.calendar import default_policy, with_swedish_calendar

CONVERTER = pydantic_data_converter.payload_converter


def _through_temporal(value, type_):
    """Encode and decode as a workflow input or an activity result would be."""
    return CONVERTER.from_payloads(CONVERTER.to_payloads([value]), [type_])[0]


def test_cases_decoded_with_equal_policies_share_one_object():
    policy = EscalationPolicy(non_working_days=(date(2031, 1, 1),), calendar_until=date(2031, 12, 31))
    first = _through_temporal(CaseInput(policy=policy), CaseInput)
    second = _through_temporal(CaseInput(policy=policy.model_copy()), CaseInput)
    assert first.policy is second.policy
    assert _through_temporal(policy, EscalationPolicy) is first.policy  # an activity's answer too


def test_different_content_gives_different_objects():
    base = EscalationPolicy(version="sharing-a", non_working_days=(date(2032, 1, 1),))
    other_rules = base.model_copy(update={"quiet_period_weeks": 10})
    other_calendar = base.model_copy(update={"non_working_days": (date(2032, 1, 1), date(2032, 1, 6))})
    decoded = [_through_temporal(p, EscalationPolicy) for p in (base, other_rules, other_calendar)]
    assert len({id(p) for p in decoded}) == 3
    assert decoded[0].fingerprint() == decoded[2].fingerprint()  # same rules, other calendar
    assert decoded[0].content_hash() != decoded[2].content_hash()


def test_sets_in_any_order_are_one_content():
    a = EscalationPolicy.model_validate({"version": "sharing-b", "police_categories": ["drugs", "violence"]})
    b = EscalationPolicy.model_validate({"version": "sharing-b", "police_categories": ["violence", "drugs"]})
    assert a is b


def test_a_policy_built_directly_is_not_swapped_for_another():
    one, two = EscalationPolicy(version="sharing-c"), EscalationPolicy(version="sharing-c")
    assert one == two and one is not two  # __init__ never returns a shared object
    assert shared(one) is shared(two)


def test_a_case_input_decoded_again_keeps_the_shared_policy():
    policy = default_policy(2030)
    state_holder = _through_temporal(CaseInput(policy=policy), CaseInput)
    state = CaseState.model_fields["policy"]  # the state's field is the same model, so decoding it shares too
    assert state.annotation is EscalationPolicy
    assert _through_temporal(state_holder, CaseInput).policy is state_holder.policy


def test_the_same_calendar_built_twice_is_one_object():
    rules = EscalationPolicy(version="sharing-d")
    assert with_swedish_calendar(rules, 2030, 2033) is with_swedish_calendar(rules, 2030, 2033)
    assert default_policy(datetime.now(UTC).year) is default_policy(datetime.now(UTC).year)
