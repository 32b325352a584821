"""Staff steps: Update round-trip latency, a note on a case (validator, ladder turn,
one register write, the case view back) against the baseline's do-nothing Update."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from temporalio.client import WorkflowHandle

from bench.measure import percentile
from bench.sample import Opener


@dataclass
class Latency:
    p50_ms: float
    p99_ms: float
    count: int


async def update_latency(opener: Opener, handles: list[WorkflowHandle], count: int, concurrency: int) -> Latency:
    """`count` Updates in `concurrency` lanes, each lane one person stepping through
    workflows of its own (lane k takes handles k, k+lanes, ...) one Update at a time."""
    if len(handles) < concurrency:
        raise ValueError("need at least one workflow per lane")
    seconds: list[float] = []

    async def lane(k: int) -> None:
        mine = handles[k::concurrency]
        for n in range(k, count, concurrency):
            start = time.perf_counter()
            await opener.touch(mine[(n // concurrency) % len(mine)], n)
            seconds.append(time.perf_counter() - start)

    await asyncio.gather(*(lane(k) for k in range(concurrency)))
    return Latency(percentile(seconds, 50) * 1000, percentile(seconds, 99) * 1000, len(seconds))
