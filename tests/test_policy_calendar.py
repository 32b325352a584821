"""The calendar lasts as long as the case: the domain notices when it runs out, and the
worker extends it through a recorded local activity, same rules, same version."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from temporalio import workflow
from temporalio.testing import ActivityEnvironment

from activities.policy import PolicyActivities
from domain.calendar import WorkingCalendar
from domain.policy import CALENDAR_MARGIN, CalendarExtension, EscalationPolicy, calendar_extension
from runtime.calendar import default_policy, swedish_non_working_days
from runtime.policy_file import PolicyInForce
from tests.helpers import running_worker, unique
from workflows.policy_calls import lasting_calendar

NOW = datetime(2029, 11, 20, 9, 0, tzinfo=UTC)


def test_a_calendar_knows_where_it_ends():
    calendar = WorkingCalendar((date(2029, 12, 25),), until=date(2029, 12, 31))
    assert not calendar.runs_out(date(2029, 12, 31)) and calendar.runs_out(date(2030, 1, 1))
    assert not WorkingCalendar(()).runs_out(date(2999, 1, 1))  # coverage unknown: nothing to notice


def test_a_calendar_that_reaches_far_enough_asks_for_nothing():
    assert calendar_extension(default_policy(2029), NOW) is None  # 2029..2032 covers 400 days past NOW


def test_a_calendar_about_to_run_out_asks_for_the_years_ahead_with_the_same_rules():
    policy = default_policy(2026).model_copy(update={"version": "calendar-a", "quiet_period_weeks": 9})
    request = calendar_extension(policy, NOW)  # covers 2026..2029: less than the margin left
    assert request is not None and request.policy is policy
    assert (request.first_year, request.last_year) == (2026, 2032)


def test_a_policy_recorded_before_coverage_was_kept_is_read_from_its_years():
    legacy = EscalationPolicy(non_working_days=swedish_non_working_days(range(2025, 2029)))
    assert legacy.calendar_until is None and legacy.covered_until() == date(2028, 12, 31)
    assert calendar_extension(legacy, NOW) is not None
    assert calendar_extension(EscalationPolicy(), NOW) is None  # no calendar at all: nothing to extend


def test_an_unreasonable_span_is_refused():
    with pytest.raises(ValidationError, match="last_year"):
        CalendarExtension(policy=EscalationPolicy(), first_year=2030, last_year=2029)


async def test_the_worker_extends_a_cases_own_policy_keeping_its_version_and_rules():
    worker_policy = PolicyInForce(EscalationPolicy(version="worker-b"))
    case_policy = default_policy(2026).model_copy(
        update={"version": "case-a", "extra_non_working_days": (date(2031, 5, 2),)}
    )
    request = calendar_extension(case_policy, NOW)
    extended = await ActivityEnvironment().run(PolicyActivities(worker_policy).extend_calendar, request)
    assert extended.version == "case-a"  # the case's version, not the worker's
    assert extended.fingerprint() == case_policy.fingerprint()
    assert extended.calendar_until == date(2032, 12, 31)
    calendar = extended.calendar()
    assert not calendar.is_working_day(date(2032, 12, 24)) and not calendar.is_working_day(date(2031, 5, 2))
    assert not calendar.is_working_day(date(2026, 12, 24))  # earlier years stay
    assert calendar_extension(extended, NOW) is None


async def test_policy_in_force_is_built_for_the_year_the_case_opens():
    today = [date(2027, 3, 1)]
    activities = PolicyActivities(PolicyInForce(EscalationPolicy(version="yearly")), today=lambda: today[0])
    first = await ActivityEnvironment().run(activities.policy_in_force)
    assert first.calendar_until == date(2030, 12, 31) and first.version == "yearly"
    assert await ActivityEnvironment().run(activities.policy_in_force) is first
    today[0] = date(2030, 2, 1)  # a worker running for years keeps building calendars that last
    later = await ActivityEnvironment().run(activities.policy_in_force)
    assert later.calendar_until == date(2033, 12, 31) and later.fingerprint() == first.fingerprint()


async def test_a_plain_policy_is_answered_as_given():
    policy = EscalationPolicy(version="as-given")
    assert await ActivityEnvironment().run(PolicyActivities(policy).policy_in_force) is policy


@workflow.defn(sandboxed=False)
class CalendarProbe:
    """Asks twice, as a case asking at the top of two turns would."""

    @workflow.run
    async def run(self, policy: EscalationPolicy) -> EscalationPolicy:
        first = await lasting_calendar(policy)
        second = await lasting_calendar(first)
        assert second is first
        return first


async def _probe(client, policy: EscalationPolicy) -> tuple[EscalationPolicy, int]:
    activities = PolicyActivities(EscalationPolicy(version="worker"))
    async with running_worker(client, workflows=[CalendarProbe], activities=activities.activities()) as worker:
        handle = await client.start_workflow(CalendarProbe.run, policy, id=unique("probe"), task_queue=worker.task_queue)
        result = await handle.result()
    history = await handle.fetch_history()
    markers = sum(1 for e in history.events if e.HasField("marker_recorded_event_attributes"))
    return result, markers


async def test_a_long_case_gets_its_calendar_extended_through_one_recorded_local_activity(local_env):
    now = datetime.now(UTC)
    ending = default_policy(now.year - 3).model_copy(update={"version": "probe-ending"})
    extended, markers = await _probe(local_env.client, ending)
    assert markers == 1
    assert extended.version == "probe-ending" and extended.fingerprint() == ending.fingerprint()
    assert extended.covered_until() >= (now + CALENDAR_MARGIN).date()


async def test_a_calendar_that_lasts_issues_no_command(local_env):
    lasting = default_policy(datetime.now(UTC).year).model_copy(update={"version": "probe-lasting"})
    result, markers = await _probe(local_env.client, lasting)
    assert markers == 0 and result == lasting
