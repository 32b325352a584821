"""Working days on the Swedish calendar: weekends computed, holidays carried as data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.calendar import DUE_TIME_UTC, WorkingCalendar, add_months
from runtime.calendar import default_policy, swedish_non_working_days


def test_weekends_are_not_working_days():
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)  # Friday -> Monday


def test_christmas_and_new_year_are_skipped():
    calendar = WorkingCalendar(swedish_non_working_days([2025, 2026]))
    # 24, 25, 26 Dec, the weekend, 29, 30, then 31 Dec and 1 Jan closed: the 3rd working day is 29 Dec... 2 Jan.
    assert calendar.add_working_days(date(2025, 12, 23), 3) == date(2026, 1, 2)


def test_midsummer_eve_is_a_non_working_day():
    days = swedish_non_working_days([2025])
    assert date(2025, 6, 20) in days and date(2025, 6, 21) in days  # eve (Friday) and day


def test_due_moment_is_fifteen_utc_on_the_nth_working_day():
    calendar = default_policy(2025).calendar()
    due = calendar.due_at(datetime(2025, 4, 17, 9, tzinfo=UTC), 1)  # Maundy Thursday -> Good Friday, Easter Monday
    assert due == datetime.combine(date(2025, 4, 22), DUE_TIME_UTC)


def test_months_are_calendar_months_clamped_to_the_last_day():
    assert add_months(datetime(2025, 12, 31, tzinfo=UTC), 2) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2025, 11, 15, tzinfo=UTC), 2) == datetime(2026, 1, 15, tzinfo=UTC)


def test_working_days_between_counts_the_same_days_add_skips():
    calendar = default_policy(2025).calendar()
    start = date(2025, 12, 19)
    end = calendar.add_working_days(start, 7)
    assert calendar.working_days_between(start, end) == 7
