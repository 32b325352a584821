"""How the console prints a moment: Swedish time with its zone, always.

The staff read times in Swedish time (reports, letters and the working-day calendar are
Swedish), and a time without a zone next to one in another zone is read wrong: a task
"due 14:00" printed in UTC beside a report "at 23:10" in Swedish time. So every human line
prints Europe/Stockholm with the zone's abbreviation (`2026-12-01 15:00 CET`, `CEST` in
summer); `--json` keeps ISO 8601 with its offset, for machines.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_time(moment: datetime | None) -> str:
    """`2026-12-01 15:00 CET`; `-` for no moment. A naive moment is taken as UTC (the
    SDK's and the register's own)."""
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")


def local_date(moment: datetime | None) -> str:
    """The Swedish calendar date of a moment, `2026-12-01`."""
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(STOCKHOLM).date().isoformat()


def parse_moment(value: str) -> datetime:
    """An ISO date or date-time typed by a person; without a zone it is Swedish time
    (a date is its midnight), like every time the console prints. Raises ValueError."""
    moment = datetime.fromisoformat(value)
    if isinstance(moment, date) and not isinstance(moment, datetime):  # pragma: no cover - fromisoformat gives datetime
        moment = datetime.combine(moment, time())
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)
