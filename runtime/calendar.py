"""The Swedish calendar as data for the policy, built outside workflows.

`holidays` reads nothing at import that would break a workflow, but the rule is
plain: workflow and domain modules never import it. The worker and the CLI call
`default_policy()` and hand the result to a case as input.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

from domain.policy import CALENDAR_YEARS, EscalationPolicy


def swedish_non_working_days(years: Iterable[int]) -> tuple[date, ...]:
    """Public holidays (helgdagar) plus the de facto holidays offices close on:
    midsummer eve, Christmas eve and New Year's eve. Sorted, weekends included
    only where a holiday falls on one (weekends are computed in domain.calendar)."""
    days: set[date] = set()
    for year in years:
        public = holidays.Sweden(years=year)
        days.update(public.keys())
        for day, name in public.items():
            if "Midsummer Day" in name:
                days.add(day - timedelta(days=1))
        days.add(date(year, 12, 24))
        days.add(date(year, 12, 31))
    return tuple(sorted(days))


def default_policy(first_year: int, years: int = CALENDAR_YEARS) -> EscalationPolicy:
    """The default policy with the holidays of `first_year` and the years after it
    (a case can run for years: warning, prevention, court, Kronofogden)."""
    return with_swedish_calendar(EscalationPolicy(), first_year, first_year + years - 1)


def with_swedish_calendar(policy: EscalationPolicy, first_year: int, last_year: int) -> EscalationPolicy:
    """`policy`'s rules with the Swedish non-working days of the years first..last
    (inclusive) and the calendar's end recorded, so a case notices when it runs out."""
    days = swedish_non_working_days(range(first_year, last_year + 1))
    return policy.with_calendar(days, date(last_year, 12, 31))
