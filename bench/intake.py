"""Report intake: `file_report` by Update-with-start of realistic reports, each opening
a new case, against the baseline workflow opened the same way (a bare Update-with-start
of a do-nothing Update carrying the same report).

Two rates per side: `accepted` (every Update-with-start answered: for a case, its receipt,
so the case opened and its first turn is recorded in the register; what a case system
filing reports sees) and `opened` (every workflow has also finished what the start set in
motion and sits idle: for a case, its first notices sent).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from temporalio.client import WorkflowHandle

from bench.measure import bounded, wait_idle
from bench.sample import Opener, realistic_report, run_id


@dataclass
class IntakeResult:
    accepted_per_s: float
    opened_per_s: float
    handles: list[WorkflowHandle]


async def open_many(opener: Opener, count: int, concurrency: int, seed: int = 7) -> IntakeResult:
    rng, run = random.Random(seed), run_id()
    reports = [realistic_report(rng, run, n) for n in range(count)]
    start = time.perf_counter()
    handles = await bounded(reports, opener.open, concurrency)
    accepted = time.perf_counter() - start
    await wait_idle(handles, timeout=max(120.0, count * 0.5))
    opened = time.perf_counter() - start
    return IntakeResult(count / accepted, count / opened, handles)
