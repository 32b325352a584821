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


INTAKE_ROUNDS = 3
"""Rounds of the interleaved intake: each side opens `count / INTAKE_ROUNDS` per round."""


async def interleaved_intake(
    openers: list[Opener], count: int, concurrency: int, rounds: int = INTAKE_ROUNDS, seed: int = 7
) -> list[IntakeResult]:
    """`count` reports per side, in `rounds` rounds that take every side in turn (each
    round waits until its workflows are idle before the next side starts), so a busy
    minute on the shared machine falls on every side alike. Rates are the side's reports
    over its own summed time."""
    accepted = [0.0] * len(openers)
    opened = [0.0] * len(openers)
    handles: list[list[WorkflowHandle]] = [[] for _ in openers]
    per_round = max(1, -(-count // rounds))
    for first in range(0, count, per_round):
        size = min(per_round, count - first)
        for k, opener in enumerate(openers):
            part = await open_many(opener, size, concurrency, seed=seed * 1000 + k * 100 + first)
            accepted[k] += size / part.accepted_per_s
            opened[k] += size / part.opened_per_s
            handles[k] += part.handles
    return [IntakeResult(count / a, count / o, h) for a, o, h in zip(accepted, opened, handles)]
