"""Timing helpers shared by the measurements: bounded concurrency, percentiles, and
waiting until workflows have finished what a start or a step set in motion."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from temporalio.client import WorkflowHandle

T = TypeVar("T")
R = TypeVar("R")


async def bounded(items: Sequence[T], work: Callable[[T], Awaitable[R]], concurrency: int) -> list[R]:
    """Run `work` on every item, at most `concurrency` at a time, results in item order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)

    return await asyncio.gather(*(one(item) for item in items))


async def latencies(items: Sequence[T], work: Callable[[T], Awaitable[object]], concurrency: int) -> list[float]:
    """Seconds each call of `work` took, from its own start to its own end."""

    async def timed(item: T) -> float:
        start = time.perf_counter()
        await work(item)
        return time.perf_counter() - start

    return await bounded(items, timed, concurrency)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def is_idle(handle: WorkflowHandle) -> bool:
    """No workflow task and no activity pending: the workflow waits for the next message or clock."""
    raw = (await handle.describe()).raw_description
    return not raw.HasField("pending_workflow_task") and len(raw.pending_activities) == 0


async def wait_idle(handles: Sequence[WorkflowHandle], *, timeout: float, batch: int = 8) -> None:
    """Poll, oldest first, until every workflow is idle. A round stops at the first batch
    with a busy workflow, so polling adds little load while the worker catches up."""
    waiting = list(handles)
    deadline = time.perf_counter() + timeout
    while waiting:
        while waiting:
            chunk = waiting[:batch]
            idle = await asyncio.gather(*(is_idle(h) for h in chunk))
            busy = [h for h, done in zip(chunk, idle) if not done]
            waiting = busy + waiting[batch:]
            if busy:
                break
        if not waiting:
            return
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(waiting)} workflows still busy after {timeout:.0f} s")
        await asyncio.sleep(0.2)
