"""Small helpers shared by the tests (after sdk-python's tests/helpers)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.worker import Worker

T = TypeVar("T")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def running_worker(
    client: Client,
    *,
    workflows: Sequence[type] = (),
    activities: Sequence[Callable[..., Any]] = (),
    task_queue: str | None = None,
    **kwargs: Any,
):
    """A worker on a fresh uuid task queue (unless one is given), running while the block runs."""
    queue = task_queue or unique("tq")
    async with Worker(client, task_queue=queue, workflows=list(workflows), activities=list(activities), **kwargs) as worker:
        yield worker


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 10.0, interval: float = 0.1) -> T:
    """Retry an async assertion until it passes or `timeout` seconds pass."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(interval)
