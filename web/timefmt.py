"""Times as staff read them: Swedish local time with the zone beside it (15:00 CET).

Every moment in Trygg is stored in UTC; a page never shows UTC, and never a time without
its zone, so "due 15:00" cannot be an hour off across the change to summer time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = ("jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec")


def local(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def when(moment: datetime | None) -> str:
    """'1 dec 2026 15:00 CET'."""
    if moment is None:
        return ""
    m = local(moment)
    return f"{m.day} {MONTHS[m.month - 1]} {m.year} {m:%H:%M} {m.tzname()}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def iso(moment: datetime | None) -> str:
    return local(moment).isoformat() if moment is not None else ""
