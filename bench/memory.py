"""Resident memory per open case in a worker's cache, and the cost of a restart.

A fresh worker process (bench.workerproc) with room in its cache for every workflow
opens a warm-up batch (the sandbox's first imports are not per-case memory), then RSS
is read, `count` more workflows are opened and settle, and RSS is read again: the
difference over `count` is the memory one open case holds. Then the worker is stopped,
a new process starts with an empty cache, and every one of those workflows gets an
Update: each must first be replayed from its history, which is the recovery cost.
The baseline workflow goes through the same steps in processes of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

from temporalio.client import Client

from bench.intake import open_many
from bench.measure import bounded, percentile
from bench.sample import Opener
from bench.workerproc import WorkerProcess

WARM_UP = 20


@dataclass
class MemoryResult:
    bytes_per_case: float
    rss_before: int
    rss_after: int
    count: int
    recovery_seconds: float
    recovery_p50_ms: float
    recovery_p99_ms: float


async def memory_and_recovery(
    client: Client, database_url: str, *, baseline: bool, count: int, concurrency: int, sandboxed: bool = True,
    local_activities: bool = False, shaped: bool = False,
) -> MemoryResult:
    """`sandboxed=False` runs the worker without the workflow sandbox: a diagnostic of how
    much of a case's memory is the sandbox's (production keeps the sandbox). `local_activities`
    (baseline only): the floor, the bare workflow running a case's no-op local activities;
    `shaped` (with it): the floor issuing every command a case's opening issues."""
    queue = f"bench-mem-{uuid.uuid4().hex[:8]}"
    address = client.service_client.config.target_host
    spawn = lambda: WorkerProcess(
        address, client.namespace, queue, count + WARM_UP + 100, database_url, sandboxed
    )  # noqa: E731
    opener = Opener(client, queue, baseline, local_activities, shaped=shaped)
    async with spawn() as worker:
        await open_many(opener, WARM_UP, concurrency, seed=11)
        await asyncio.sleep(0.5)
        before = worker.rss()
        opened = await open_many(opener, count, concurrency, seed=13)
        await asyncio.sleep(0.5)
        after = worker.rss()
    async with spawn():
        seconds: list[float] = []

        async def step(n: int) -> None:
            start = time.perf_counter()
            await opener.touch(opened.handles[n], n)
            seconds.append(time.perf_counter() - start)

        start = time.perf_counter()
        await bounded(range(count), step, concurrency)
        total = time.perf_counter() - start
    return MemoryResult(
        bytes_per_case=(after - before) / count,
        rss_before=before,
        rss_after=after,
        count=count,
        recovery_seconds=total,
        recovery_p50_ms=percentile(seconds, 50) * 1000,
        recovery_p99_ms=percentile(seconds, 99) * 1000,
    )
