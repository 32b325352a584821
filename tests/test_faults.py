"""The fault suite, short: a few cases under load through a killed worker, an immediate
PostgreSQL stop and a webhook partner answering 503, each for a few seconds, on the real
processes (faults/). Only the counts are asserted, never a timing: nothing accepted is
lost, no step or report is recorded twice, no delivery differs from what was sent, and
every delivery has its disclosure row. `make faults` is the full run with its timings."""

from __future__ import annotations

import pytest

from faults.run import Options, run_suite

pytestmark = pytest.mark.slow


async def test_faults_lose_duplicate_and_change_nothing():
    options = Options(
        cases=8, faults=("worker-kill", "postgres-stop", "webhook-503"), short=True, short_window=3.0, pace=1.0, settle=1.0
    )
    result = await run_suite(options, say=lambda *_: None)
    totals = {what: result.reckoning.total(what) for what in ("reports", "steps", "deliveries")}
    problems = "\n".join(result.reckoning.problems)
    for what, tally in totals.items():
        assert (what, tally.lost, tally.duplicated, tally.mismatched) == (what, 0, 0, 0), problems
        assert tally.sent > 0 and tally.accepted == tally.sent, f"{what}: {tally}\n{problems}"
    assert totals["deliveries"].delivered == totals["deliveries"].sent
    assert {o.fault for o in result.outcomes} == set(options.faults)
    assert all(o.steps_back is not None for o in result.outcomes)
