"""The weekly area picture (områdesbild): counts by category and place, never a tenancy,
a person or a case id. Read from the register's `cases` and `reports` tables."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import AwareDatetime, Field

from domain.models import Frozen
from partners.payload import select_facts
from partners.screen import Identity, Screen


MIN_PLACE_COUNT = 3
"""A place shows with fewer reports than this only inside OTHER_PLACES: "two drug reports
in stairwell 4B" points at a household, a count for the area's other places does not.
Trygg default (the rule of not publishing small cells), not law."""

OTHER_PLACES = "övriga platser"


class AreaPictureRequest(Frozen):
    """Input of the send_area_picture activity: one picture per period, `picture_id` is its
    idempotency key (the outbox holds one row per picture and partner)."""

    picture_id: str = Field(min_length=1, max_length=100)
    period_start: AwareDatetime
    period_end: AwareDatetime


async def area_summaries(
    pool: asyncpg.Pool, start: datetime, end: datetime
) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    """Per area: reports received in [start, end) by category and by (place, category),
    cases opened in the period, cases open at its end; and the workflow ids of the cases
    whose report places the screen cut.

    Each place is screened (partners/screen.py) against the complainants of every report
    counted, before counting, so a place that named someone is counted under the marker
    and the smallest-cell rule (MIN_PLACE_COUNT) applies to what actually leaves."""
    summaries: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"report_count": 0, "reports_by_category": {}, "reports_by_place": [], "new_cases": 0, "open_cases": 0}
    )
    rows = await pool.fetch(
        """SELECT c.area, c.workflow_id, r.category, r.place, count(*) AS n
           FROM reports r JOIN cases c ON c.case_id = r.case_id
           WHERE r.received_at >= $1 AND r.received_at < $2
           GROUP BY c.area, c.workflow_id, r.category, r.place
           ORDER BY c.area, r.category, r.place""",
        start,
        end,
    )
    complainants = await pool.fetch(
        """SELECT rc.person_id, rc.name, rc.contact FROM report_complainants rc JOIN reports r USING (report_id)
           WHERE r.received_at >= $1 AND r.received_at < $2""",
        start,
        end,
    )
    screen = Screen.of(Identity(c["person_id"], c["name"], c["contact"]) for c in complainants)
    counted: dict[tuple[str, str, str], int] = defaultdict(int)
    redacted_cases: set[str] = set()
    for row in rows:
        place, cut = screen.text(row["place"])
        if cut:
            redacted_cases.add(row["workflow_id"])
        counted[(row["area"], row["category"], place)] += row["n"]
    folded: dict[tuple[str, str], int] = defaultdict(int)
    for (area, category, place), n in sorted(counted.items()):
        summary = summaries[area]
        summary["report_count"] += n
        by_category = summary["reports_by_category"]
        by_category[category] = by_category.get(category, 0) + n
        if n < MIN_PLACE_COUNT:
            folded[(area, category)] += n
        else:
            summary["reports_by_place"].append({"place": place, "category": category, "count": n})
    for (area, category), count in sorted(folded.items()):
        summaries[area]["reports_by_place"].append({"place": OTHER_PLACES, "category": category, "count": count})
    case_rows = await pool.fetch(
        """SELECT area,
                  count(*) FILTER (WHERE opened_at >= $1) AS new_cases,
                  count(*) FILTER (WHERE closed_at IS NULL OR closed_at >= $2) AS open_cases
           FROM cases
           WHERE opened_at < $2 AND (closed_at IS NULL OR closed_at >= $1)
           GROUP BY area""",
        start,
        end,
    )
    for row in case_rows:
        summaries[row["area"]]["new_cases"] = row["new_cases"]
        summaries[row["area"]]["open_cases"] = row["open_cases"]
    return dict(summaries), tuple(sorted(redacted_cases))


def picture_facts(
    allowed: tuple[str, ...],
    areas: tuple[str, ...] | None,
    summaries: dict[str, dict[str, Any]],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """What one partner receives: its areas (all with activity if it names none), each
    summary cut to its allow-list like any other payload."""
    chosen = sorted(areas) if areas is not None else sorted(summaries)
    empty = {"report_count": 0, "reports_by_category": {}, "reports_by_place": [], "new_cases": 0, "open_cases": 0}
    per_area = [select_facts(allowed, {"area": area, **summaries.get(area, empty)}) for area in chosen]
    facts = {"period_start": start.isoformat(), "period_end": end.isoformat(), "areas": per_area}
    return select_facts(allowed, facts)
