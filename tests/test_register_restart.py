"""The database restarts in the middle of an activity: Temporal's retry writes the
event once, nothing lost and nothing duplicated.

This module runs a PostgreSQL of its own in a temp dir, so stopping it never touches the
session server the other tests use.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.common import RetryPolicy
from temporalio.testing import ActivityEnvironment

from activities.register import RegisterActivities
from domain.records import CaseEventRecord
from register.errors import NON_RETRYABLE
from register.migrate import apply_migrations
from runtime.embedded import postgres_url, start_embedded_postgres
from tests import register_factories as make
from tests.helpers import eventually, running_worker, unique


@workflow.defn(sandboxed=False)
class RecordTwoEvents:
    """Stands in for the ladder: two audit events, retried quickly for the test."""

    @workflow.run
    async def run(self, events: list[CaseEventRecord]) -> None:
        for event in events:
            await workflow.execute_activity_method(
                RegisterActivities.record_case_event,
                event,
                start_to_close_timeout=timedelta(seconds=20),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(milliseconds=300),
                    backoff_coefficient=1.0,
                    non_retryable_error_types=NON_RETRYABLE,
                ),
            )


@pytest.fixture(scope="module")
def own_server() -> Iterator:
    base = Path(tempfile.mkdtemp(prefix="trygg-pg-restart-"))
    base.chmod(0o755)
    server = start_embedded_postgres(base / "data", cleanup="delete")
    yield server
    server.cleanup()


@pytest_asyncio.fixture(loop_scope="session")
async def own_pool(own_server) -> AsyncIterator[asyncpg.Pool]:
    connection = await asyncpg.connect(postgres_url(own_server))
    try:
        await apply_migrations(connection)
    finally:
        await connection.close()
    pool = await asyncpg.create_pool(postgres_url(own_server), min_size=2, max_size=4)
    yield pool
    await pool.close()


def stop(server) -> None:
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


async def test_a_database_restart_mid_activity_is_retried_without_loss_or_duplicate(local_env, own_server, own_pool):
    acts = RegisterActivities(own_pool)
    case = make.case()
    await ActivityEnvironment().run(acts.upsert_case, case)
    events = [make.event(case.case_id, kind="report_received"), make.event(case.case_id, kind="verified")]

    # hold the case row so the first activity waits inside its transaction
    blocker = await asyncpg.connect(postgres_url(own_server))
    holding = blocker.transaction()
    await holding.start()
    await blocker.execute("SELECT 1 FROM cases WHERE case_id = $1 FOR UPDATE", case.case_id)

    async with running_worker(local_env.client, workflows=[RecordTwoEvents], activities=acts.activities()) as worker:
        handle = await local_env.client.start_workflow(
            RecordTwoEvents.run, events, id=unique("restart"), task_queue=worker.task_queue
        )

        async def activity_waits_on_the_lock() -> None:
            waiting = await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            assert waiting == 1

        await eventually(activity_waits_on_the_lock)
        await asyncio.to_thread(stop, own_server)

        async def a_retry_failed_while_the_database_was_down() -> None:
            pending = (await handle.describe()).raw_description.pending_activities
            assert pending and pending[0].attempt >= 3

        try:
            await eventually(a_retry_failed_while_the_database_was_down, timeout=30)
        finally:
            await asyncio.to_thread(own_server.ensure_postgres_running)
        await asyncio.wait_for(handle.result(), timeout=60)

    rows = await own_pool.fetch("SELECT seq, event_id FROM case_events WHERE case_id = $1 ORDER BY seq", case.case_id)
    assert [(r["seq"], r["event_id"]) for r in rows] == [(1, events[0].event_id), (2, events[1].event_id)]
    attempts = [
        e.activity_task_started_event_attributes.attempt
        async for e in handle.fetch_history_events()
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert attempts[0] >= 3 and attempts[1] == 1
    await blocker.close()  # already cut off by the restart
