"""Migrations: from an empty database to the latest, again as a no-op, and a failing one
leaves the database exactly as it was."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from register.migrate import Migration, MigrationError, apply_migrations, bundled_migrations
from runtime.embedded import postgres_url

REGISTER_TABLES = {"cases", "case_stages", "case_events", "reports", "report_complainants", "staff_tasks", "disclosures"}


@pytest_asyncio.fixture(loop_scope="session")
async def empty_db(pg_server) -> AsyncIterator[asyncpg.Connection]:
    name = f"m_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(postgres_url(pg_server))
    await admin.execute(f'CREATE DATABASE "{name}"')
    connection = await asyncpg.connect(postgres_url(pg_server, name))
    try:
        yield connection
    finally:
        await connection.close()
        await admin.execute(f'DROP DATABASE "{name}"')
        await admin.close()


async def tables(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row["tablename"] for row in rows}


async def test_migrations_build_the_register_from_an_empty_database(empty_db):
    applied = await apply_migrations(empty_db)
    assert applied[0] == "0001_register.sql"
    assert applied == [m.name for m in bundled_migrations()]
    assert REGISTER_TABLES <= await tables(empty_db)


async def test_running_migrations_again_changes_nothing(empty_db):
    await apply_migrations(empty_db)
    before = await empty_db.fetch("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert await apply_migrations(empty_db) == []
    after = await empty_db.fetch("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert before == after


async def test_a_failing_migration_rolls_back_and_leaves_the_database_as_it_was(empty_db):
    await apply_migrations(empty_db)
    before_tables = await tables(empty_db)
    broken = Migration(
        9001,
        "9001_half_done.sql",
        "CREATE TABLE half_done (id int); ALTER TABLE cases ADD COLUMN extra text; SELECT no_such_function();",
    )
    with pytest.raises(MigrationError, match="9001_half_done.sql"):
        await apply_migrations(empty_db, [*bundled_migrations(), broken])
    assert await tables(empty_db) == before_tables
    columns = await empty_db.fetch("SELECT column_name FROM information_schema.columns WHERE table_name = 'cases'")
    assert "extra" not in {row["column_name"] for row in columns}
    assert not await empty_db.fetchval("SELECT count(*) FROM schema_migrations WHERE version = 9001")
    # and a fixed migration with the same version applies afterwards
    fixed = Migration(9001, "9001_half_done.sql", "CREATE TABLE half_done (id int);")
    assert await apply_migrations(empty_db, [*bundled_migrations(), fixed]) == ["9001_half_done.sql"]
