"""`TryggClient.connect`: the one documented way to build a client from settings.

A client built by hand on `Client.connect(...)` gets Temporal's default converter: it
files reports unencrypted (refused by a worker with keys) and cannot read the case's
encrypted answers. This builds it on `runtime.connections`, the same data converter,
payload codec and failure converter as the worker, so a script, the console and the API
read and write exactly what the worker does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from client.cases import STEP_TIMEOUT, TryggClient
from client.errors import Unreachable
from runtime.connections import ConnectionFailed, connect_postgres, connect_temporal
from runtime.dev_files import database_url, with_dev_payload_keys
from runtime.settings import Settings, load_settings


@asynccontextmanager
async def connect(
    settings: Settings | None = None,
    *,
    temporal: bool = True,
    register: bool = False,
    step_timeout: timedelta = STEP_TIMEOUT,
) -> AsyncIterator[TryggClient]:
    """A TryggClient on the configured Temporal and, with `register`, the case register
    (for `inbox`, `stats` and `history`'s audit trail); closed when the block ends.

    `settings` defaults to the environment (`load_settings()`); the payload key and the
    register of a running `trygg dev` on the same data dir are found by themselves.
    `temporal=False` connects the register only: reads that never touch Temporal keep
    working while it is down. Raises `Unreachable` naming what could not be reached."""
    settings = with_dev_payload_keys(settings or load_settings())
    pool = None
    try:
        client = await connect_temporal(settings) if temporal else None
        if register:
            url = database_url(settings)
            if url is None:
                raise Unreachable("the case register is not configured: set DATABASE_URL (or run trygg dev)")
            pool = await connect_postgres(url, migrate=False, max_size=2)
    except ConnectionFailed as error:
        raise Unreachable(str(error)) from None
    try:
        yield TryggClient(client, task_queue=settings.task_queue, pool=pool, step_timeout=step_timeout)
    finally:
        if pool is not None:
            await pool.close()
