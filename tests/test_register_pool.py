"""The register's connection pool (runtime.connections) against the real embedded
PostgreSQL: a connection given back costs no reset round trip, yet comes back clean of
what asyncpg always clears (an open transaction)."""

from __future__ import annotations

import asyncpg

from runtime.connections import connect_postgres


async def _last_query(observer: asyncpg.Connection, pid: int) -> str:
    return await observer.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)


async def test_a_connection_given_back_is_not_sent_the_reset_query(database_url):
    pool = await connect_postgres(database_url, migrate=False, max_size=1)
    observer = await asyncpg.connect(database_url)
    try:
        async with pool.acquire() as connection:
            pid = await connection.fetchval("SELECT pg_backend_pid() /* trygg-probe */")
        # With asyncpg's default reset the backend's last query would be
        # "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL".
        assert "trygg-probe" in await _last_query(observer, pid)
    finally:
        await observer.close()
        await pool.close()


async def test_a_transaction_left_open_is_still_rolled_back(database_url):
    pool = await connect_postgres(database_url, migrate=False, max_size=1)
    try:
        async with pool.acquire() as connection:
            await connection.execute("CREATE TABLE IF NOT EXISTS pool_probe (n int)")
            await connection.execute("BEGIN")
            await connection.execute("INSERT INTO pool_probe VALUES (1)")
        async with pool.acquire() as connection:  # the same connection: max_size=1
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT count(*) FROM pool_probe") == 0
    finally:
        await pool.close()
