"""Idempotency keys of POST /v1/reports, kept in PostgreSQL (migration 0008).

`claim` takes a key for a caller with the request body's hash. Exactly one request wins
a new key (INSERT … ON CONFLICT DO NOTHING); every other sees the row: same hash and done
→ the stored answer again; same hash and still running → 409; another hash → 422. A
request that fails before an answer releases its key so the caller may try again; one
whose process died leaves a 'running' row that `STALE_AFTER` lets a retry take over (the
report itself is idempotent by external_ref, so filing twice files once).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

STALE_AFTER = timedelta(minutes=2)
KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"


@dataclass(frozen=True)
class Stored:
    status: int
    answer: dict[str, Any]


class KeyConflict(Exception):
    """The key is in use: `running` (the first request has no answer yet) or `mismatch`."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def body_hash(body: bytes) -> str:
    """The hash of the body as JSON, key order and spacing aside."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


async def claim(pool: asyncpg.Pool, caller: str, key: str, request_hash: str) -> Stored | None:
    """None: this request owns the key now and must `finish` or `release` it."""
    async with pool.acquire() as conn:
        won = await conn.fetchval(
            """INSERT INTO api_idempotency (caller, key, request_hash, state) VALUES ($1, $2, $3, 'running')
               ON CONFLICT DO NOTHING RETURNING true""",
            caller, key, request_hash,
        )  # fmt: skip
        if won:
            return None
        row = await conn.fetchrow(
            "SELECT request_hash, state, status, answer, now() - created_at AS age FROM api_idempotency WHERE caller = $1 AND key = $2",
            caller, key,
        )  # fmt: skip
        if row is None:  # released in between: try once more
            return await claim(pool, caller, key, request_hash)
        if row["request_hash"] != request_hash:
            raise KeyConflict("mismatch")
        if row["state"] == "done":
            return Stored(status=row["status"], answer=json.loads(row["answer"]))
        if row["age"] > STALE_AFTER:
            taken = await conn.fetchval(
                """UPDATE api_idempotency SET created_at = now() WHERE caller = $1 AND key = $2 AND state = 'running'
                   AND now() - created_at > $3 RETURNING true""",
                caller, key, STALE_AFTER,
            )  # fmt: skip
            if taken:
                return None
        raise KeyConflict("running")


async def finish(pool: asyncpg.Pool, caller: str, key: str, status: int, answer: dict[str, Any], report_id: str | None) -> None:
    await pool.execute(
        """UPDATE api_idempotency SET state = 'done', status = $3, answer = $4::jsonb, report_id = $5, finished_at = now()
            WHERE caller = $1 AND key = $2""",
        caller, key, status, json.dumps(answer), report_id,
    )  # fmt: skip


async def release(pool: asyncpg.Pool, caller: str, key: str) -> None:
    await pool.execute("DELETE FROM api_idempotency WHERE caller = $1 AND key = $2 AND state = 'running'", caller, key)


async def receipt(pool: asyncpg.Pool, caller: str, report_id: str) -> dict[str, Any] | None:
    """The receipt this caller was given for a report, or None (another caller's is not theirs)."""
    answer = await pool.fetchval(
        "SELECT answer FROM api_idempotency WHERE caller = $1 AND report_id = $2 AND state = 'done' LIMIT 1",
        caller, report_id,
    )  # fmt: skip
    return json.loads(answer) if answer is not None else None
