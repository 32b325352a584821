"""Statistics over a period, in a database of its own so that every case is known."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import Category
from register.queries import KEEPS_HOME_OUTCOMES, statistics
from tests import register_factories as make
from tests.register_factories import T0

DAY = timedelta(days=1)


async def test_statistics_count_stages_outcomes_medians_and_the_share_that_keeps_the_home(env, acts, pg_pool):
    start, end = T0 + 1000 * DAY, T0 + 1100 * DAY

    async def closed_case(outcome: str, days_open: int, area: str = "Ryd") -> None:
        opened = start + DAY
        record = make.case(area=area, opened_at=opened, category=Category.NOISE)
        await env.run(acts.upsert_case, record)
        await env.run(acts.upsert_case, record.model_copy(update={"version": 2, "stage": "dialogue", "changed_at": opened + 2 * DAY}))
        await env.run(acts.upsert_case, record.model_copy(update={
            "version": 3, "stage": "closed", "outcome": outcome, "closed_at": opened + days_open * DAY,
        }))  # fmt: skip

    await closed_case("resolved_in_dialogue", 10)
    await closed_case("corrected_after_warning", 20)
    await closed_case("terminated", 30, area="Berga")
    await closed_case("unfounded", 40)
    still_open = make.case(area="Berga", opened_at=start + 5 * DAY, category=Category.VIOLENCE, stage="verification")
    await env.run(acts.upsert_case, still_open)
    before = make.case(opened_at=start - 50 * DAY, closed_at=start - 10 * DAY, stage="closed", outcome="withdrawn")
    await env.run(acts.upsert_case, before)

    stats = await statistics(pg_pool, start=start, end=end)
    assert stats.active_cases == 5
    assert stats.active_by_stage == {"closed": 4, "verification": 1}
    assert stats.active_by_area == {"Berga": 2, "Ryd": 3}
    assert stats.active_by_category == {"noise": 4, "violence": 1}
    assert stats.closed_cases == 4
    assert stats.closed_by_outcome == {
        "corrected_after_warning": 1, "resolved_in_dialogue": 1, "terminated": 1, "unfounded": 1,
    }  # fmt: skip
    assert stats.median_days_to_close == 25.0
    # reported: 2 days in every case; dialogue: 8, 18, 28, 38 days → median 23
    assert stats.median_days_per_stage == {"reported": 2.0, "dialogue": 23.0}
    assert stats.keeps_home_share == 0.5
    assert set(KEEPS_HOME_OUTCOMES) == {"resolved_in_dialogue", "corrected_after_warning", "action_plan_fulfilled"}

    berga = await statistics(pg_pool, start=start, end=end, area="Berga")
    assert berga.active_cases == 2
    assert berga.active_by_area == {"Berga": 2}
    assert berga.closed_by_outcome == {"terminated": 1}
    assert berga.keeps_home_share == 0.0
