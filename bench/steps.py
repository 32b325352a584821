"""Staff steps: Update round-trip latency, a note on a case (validator, ladder turn,
one register write, the case view back) against the baseline's do-nothing Update.

The sides are measured interleaved (`interleaved_latency`): a few Updates of each in
turn, round after round, so a busy minute on the shared machine falls on every side
alike and the ratios compare like with like."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from temporalio.client import WorkflowHandle

from bench.measure import percentile
from bench.sample import Opener

ROUNDS = 8
"""Rounds of the interleaved measurement: each side takes `count / ROUNDS` Updates per round."""


@dataclass
class Latency:
    p50_ms: float
    p99_ms: float
    count: int

    @classmethod
    def of(cls, seconds: list[float]) -> "Latency":
        return cls(percentile(seconds, 50) * 1000, percentile(seconds, 99) * 1000, len(seconds))


async def _samples(opener: Opener, handles: list[WorkflowHandle], count: int, concurrency: int, first: int = 0) -> list[float]:
    """`count` Updates in `concurrency` lanes, each lane one person stepping through
    workflows of its own (lane k takes handles k, k+lanes, ...) one Update at a time."""
    if len(handles) < concurrency:
        raise ValueError("need at least one workflow per lane")
    seconds: list[float] = []

    async def lane(k: int) -> None:
        mine = handles[k::concurrency]
        for n in range(k, count, concurrency):
            start = time.perf_counter()
            await opener.touch(mine[(n // concurrency) % len(mine)], first + n)
            seconds.append(time.perf_counter() - start)

    await asyncio.gather(*(lane(k) for k in range(concurrency)))
    return seconds


async def update_latency(opener: Opener, handles: list[WorkflowHandle], count: int, concurrency: int) -> Latency:
    return Latency.of(await _samples(opener, handles, count, concurrency))


async def interleaved_latency(
    sides: list[tuple[Opener, list[WorkflowHandle]]], count: int, concurrency: int, rounds: int = ROUNDS
) -> list[Latency]:
    """`count` Updates per side, in `rounds` rounds that take every side in turn."""
    per_round = max(concurrency, count // rounds)
    seconds: list[list[float]] = [[] for _ in sides]
    done = 0
    while done < count:
        chunk = min(per_round, count - done)
        for k, (opener, handles) in enumerate(sides):
            seconds[k] += await _samples(opener, handles, chunk, concurrency, first=done)
        done += chunk
    return [Latency.of(s) for s in seconds]
