"""Working-day arithmetic on the Swedish calendar, pure and deterministic.

Weekends are computed here; public holidays are not: they arrive as data in the
policy (`EscalationPolicy.non_working_days`, built outside workflows by
`runtime.calendar.swedish_non_working_days`). So the same inputs always give the
same dates, in a workflow, in a replay and in a test.

Due moments: a deadline of N working days falls due at `DUE_TIME_UTC` (15:00 UTC:
16:00 Stockholm winter time, 17:00 summer time) on the Nth working day after the
UTC date of the start. We use UTC dates rather than Europe/Stockholm dates so the
arithmetic needs no time-zone database; the hour of slack around midnight does not
matter for deadlines counted in days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

DUE_TIME_UTC = time(15, 0, tzinfo=UTC)


class WorkingCalendar:
    """Weekends plus a carried set of non-working days (holidays, de facto holidays).

    `until` is the last day the carried set covers (the worker builds it for whole
    years). Past it the calendar knows weekends only, so a case must have its calendar
    extended before it counts working days there (`runs_out`); None means the coverage
    is unknown (a policy recorded before coverage was tracked), and nothing is noticed.
    """

    def __init__(self, non_working_days: Iterable[date] = (), until: date | None = None) -> None:
        self._closed = frozenset(non_working_days)
        self.until = until

    def runs_out(self, through: date) -> bool:
        """True when counting working days up to `through` would pass the covered days."""
        return self.until is not None and through > self.until

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._closed

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day after `day` (n >= 0; n == 0 gives `day` itself)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        current = day
        remaining = n
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def due_at(self, start: datetime, working_days: int) -> datetime:
        """When a step started at `start` is due: end of the Nth working day (see module doc)."""
        day = self.add_working_days(start.astimezone(UTC).date(), working_days)
        return datetime.combine(day, DUE_TIME_UTC)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end <= start."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months, clamped to the month's last day (31 Dec + 2 months = 28/29 Feb).
    Jordabalken counts the termination window in months (12 kap. 43 §)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    next_month_first = date(year + (month // 12), month % 12 + 1, 1)
    last_day = (next_month_first - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))
