"""Versioned SQL migrations, applied at start by `trygg dev`, the worker and the tests.

Each file `migrations/NNNN_name.sql` runs once, in its own transaction, under an advisory
lock so that two workers starting together do not race. PostgreSQL's DDL is
transactional, so a migration that fails leaves the database exactly as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x7472_7967  # "tryg": one advisory lock for all of Trygg's migrations


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


class MigrationError(Exception):
    """A migration failed; the database was left as it was before that migration."""


def bundled_migrations(directory: Path | None = None) -> list[Migration]:
    """The migrations shipped with Trygg (or in `directory`), in version order."""
    source = directory or Path(str(resources.files("register") / "migrations"))
    found = []
    for path in sorted(source.iterdir()):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise MigrationError(f"two migrations share a version in {source}")
    return found


async def apply_migrations(connection: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Bring the database to the latest version; returns the names applied now."""
    pending = migrations if migrations is not None else bundled_migrations()
    applied_now: list[str] = []
    await connection.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await connection.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {row["version"] for row in await connection.fetch("SELECT version FROM schema_migrations")}
        for migration in pending:
            if migration.version in done:
                continue
            try:
                async with connection.transaction():
                    await connection.execute(migration.sql)
                    await connection.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        migration.version,
                        migration.name,
                    )
            except asyncpg.PostgresError as error:
                raise MigrationError(f"migration {migration.name} failed and was rolled back: {error}") from error
            applied_now.append(migration.name)
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
