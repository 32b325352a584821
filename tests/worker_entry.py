"""Runs the production worker in a subprocess, plus one slow test activity and the workflow
that calls it, so a test can SIGTERM the worker while an activity is in flight.

Only the shutdown tests use this; it is not part of the application.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

import worker
from runtime.logging import configure_logging
from runtime.process import exit_now
from runtime.settings import LogFormat, load_settings



def markers() -> Path:
    """Where the slow activity leaves its start and finish marks (set by the test)."""
    return Path(os.environ["TRYGG_TEST_MARKERS"])


@activity.defn(name="slow_step")
async def slow_step(seconds: float) -> str:
    """Marks its start, works for `seconds` (heartbeating), marks its end."""
    attempt = activity.info().attempt
    (markers() / f"started-{attempt}-{os.getpid()}").touch()
    loops = int(seconds / 0.1)
    for _ in range(loops):
        activity.heartbeat()
        await asyncio.sleep(0.1)
    (markers() / f"finished-{attempt}-{os.getpid()}").touch()
    return f"done on attempt {attempt}"


@workflow.defn(sandboxed=False)
class SlowStepWorkflow:
    @workflow.run
    async def run(self, seconds: float) -> str:
        return await workflow.execute_activity(
            "slow_step",
            seconds,
            start_to_close_timeout=timedelta(seconds=60),
            heartbeat_timeout=timedelta(seconds=2),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200)),
            result_type=str,
        )


def main() -> None:
    settings = load_settings()
    configure_logging(LogFormat.JSON, "INFO")
    worker.WORKFLOWS.append(SlowStepWorkflow)
    asyncio.run(worker.run_worker(settings, database_url=sys.argv[1], extra_activities=[slow_step]))
    exit_now(0)


if __name__ == "__main__":
    main()
