"""The production worker: `python worker.py` or `trygg worker`.

Connects to the configured Temporal and PostgreSQL, registers every workflow and
activity, serves Prometheus metrics through the SDK runtime, logs JSON, and on SIGTERM
stops polling and lets in-flight activities finish within `graceful_shutdown_seconds`
(keep that shorter than the orchestrator's grace period), then exits 0. An activity
still running when the grace period ends is cancelled and retried by Temporal on another
worker: never lost.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from activities import build_activities
from domain.retention import RetentionPolicy
from register.policies import PolicyVersionConflict, record_policy
from runtime.connections import connect_postgres, connect_temporal
from runtime.logging import configure_logging, get_logger
from runtime.policy_file import PolicyFileError, load_policy
from runtime.process import exit_now
from runtime.settings import Settings, load_settings
from workflows.registry import WORKFLOWS, workflow_runner
from workflows.area_picture import ensure_area_picture_schedule
from workflows.digest import ensure_digest_schedule
from workflows.incidents import ensure_incident_schedule
from workflows.retention import ensure_retention_schedule

log = get_logger("trygg.worker")


def metrics_runtime(port: int | None) -> Runtime | None:
    """A runtime exporting the SDK's metrics for Prometheus on `port` (None/0: off)."""
    if not port:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"0.0.0.0:{port}")))


async def run_worker(
    settings: Settings,
    *,
    database_url: str,
    stop: asyncio.Event | None = None,
    extra_activities: Sequence[Callable[..., Any]] = (),
    ready: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (or SIGTERM/SIGINT when `stop` is not given).

    `extra_activities` exists for tests of the shutdown path only; production passes none.
    """
    stop = stop or _stop_on_signals()
    policy = load_policy(settings.policy_file)  # a bad file stops start-up here, naming the key
    pool = await connect_postgres(database_url)
    try:
        recorded = await record_policy(pool, policy.rules)  # the same version with other values is refused
    except BaseException:
        await pool.close()
        raise
    log.info("policy in force", version=recorded.version, fingerprint=recorded.fingerprint[:12],
             file=str(policy.path) if policy.path else None)  # fmt: skip
    try:
        client = await connect_temporal(settings, metrics_runtime(settings.metrics_port))
    except BaseException:
        await pool.close()
        raise
    activity_set = build_activities(pool, settings, policy, client=client)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(),
        activities=[*activity_set.functions, *extra_activities],
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
        # runtime.settings.STICKY_QUEUE_TIMEOUT_SECONDS says why: a dead worker's cases move on in ~1 s, not 10
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.sticky_queue_timeout_seconds),
    )
    try:
        await ensure_schedules(client, settings, policy.rules.retention)
        async with worker:
            log.info("worker started", task_queue=settings.task_queue, workflows=len(WORKFLOWS))
            if ready is not None:
                ready.set()
            await stop.wait()
            log.info("worker draining", grace_seconds=settings.graceful_shutdown_seconds)
    finally:
        await activity_set.close()
        await pool.close()
    log.info("worker stopped")


async def ensure_schedules(client, settings: Settings, retention_policy: RetentionPolicy | None = None) -> None:
    """Create or update the daily retention, weekly area-picture and ten-minute incident
    sweep Schedules. Safe on
    every start of every worker: each call compares a fingerprint and changes nothing
    when the schedule is already as configured. Retention follows the policy in force."""
    retention = await ensure_retention_schedule(client, settings.task_queue, retention_policy or RetentionPolicy())
    area_picture = await ensure_area_picture_schedule(client, settings.task_queue)
    incidents = await ensure_incident_schedule(client, settings.task_queue)
    digest = await ensure_digest_schedule(client, settings.task_queue)
    log.info("schedules ensured", retention=retention, area_picture=area_picture, case_incidents=incidents, digest=digest)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


def main() -> None:
    """Entry point for production: DATABASE_URL is required here, no embedded fallback."""
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    if settings.database_url is None:
        raise SystemExit("DATABASE_URL: required for the production worker (trygg dev runs an embedded one)")
    try:
        asyncio.run(run_worker(settings, database_url=settings.database_url))
    except (PolicyFileError, PolicyVersionConflict) as error:
        # one line, exit 2 (bad configuration): the file or the version must change, not the code
        print(f"trygg: {error}", file=sys.stderr, flush=True)
        exit_now(2)
    exit_now(0)


if __name__ == "__main__":
    main()
