"""The partner outbox (register/migrations/0002): claim, then mark sent with the disclosure.

The first attempt stores the payload and the document; every later attempt (an activity
retry, a restarted worker) resends exactly what was stored, under the same key. Marking
a row sent and writing its disclosure happen in one transaction, so the disclosure log
holds a delivery if and only if the outbox says it was sent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from partners.documents import Document
from partners.payload import Payload


@dataclass(frozen=True)
class OutboxEntry:
    notice_id: str
    partner_id: str
    status: str  # pending | sent | failed
    envelope: dict[str, Any]
    fields: tuple[str, ...]
    document: Document | None
    attempts: int
    redacted: bool = False


def disclosure_id(notice_id: str, partner_id: str) -> str:
    """One disclosure per delivery; derived, so a repeated mark_sent writes nothing new."""
    candidate = f"{notice_id}:{partner_id}"
    if len(candidate) <= 128:
        return candidate
    return "d-" + hashlib.sha256(candidate.encode()).hexdigest()[:60]


async def claim(
    pool: asyncpg.Pool,
    *,
    key: str,
    payload: Payload,
    partner_kind: str,
    channel: str,
    workflow_id: str | None,
    document: Document | None,
) -> OutboxEntry:
    """Insert the row (first attempt) or find it (later attempts); a pending row's attempt
    count goes up. Returns what is stored, which is what must be (re)sent."""
    async with pool.acquire() as connection, connection.transaction():
        inserted = await connection.fetchval(
            """INSERT INTO partner_outbox (notice_id, partner_id, idempotency_key, case_id, workflow_id,
                   kind, partner_kind, channel, legal_basis, fields, payload, redacted)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12)
               ON CONFLICT (notice_id, partner_id) DO NOTHING
               RETURNING true""",
            payload.notice_id,
            payload.partner_id,
            key,
            payload.case_id,
            workflow_id,
            payload.kind.value,
            partner_kind,
            channel,
            payload.legal_basis,
            list(payload.fields),
            json.dumps(payload.envelope(), ensure_ascii=False),
            payload.redacted,
        )
        if inserted and document is not None:
            await connection.execute(
                """INSERT INTO notice_documents (notice_id, partner_id, case_id, kind, filename, media_type, body, sha256)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                payload.notice_id,
                payload.partner_id,
                payload.case_id,
                payload.kind.value,
                document.filename,
                document.media_type,
                document.text,
                document.sha256,
            )
        row = await connection.fetchrow(
            """UPDATE partner_outbox SET attempts = attempts + (status = 'pending')::int
               WHERE notice_id = $1 AND partner_id = $2
               RETURNING status, payload, fields, attempts, redacted""",
            payload.notice_id,
            payload.partner_id,
        )
        stored = await connection.fetchrow(
            "SELECT filename, media_type, body FROM notice_documents WHERE notice_id = $1 AND partner_id = $2",
            payload.notice_id,
            payload.partner_id,
        )
    return OutboxEntry(
        notice_id=payload.notice_id,
        partner_id=payload.partner_id,
        status=row["status"],
        envelope=json.loads(row["payload"]),
        fields=tuple(row["fields"]),
        document=Document(stored["filename"], stored["media_type"], stored["body"]) if stored else None,
        attempts=row["attempts"],
        redacted=row["redacted"],
    )


async def mark_sent(
    pool: asyncpg.Pool, entry: OutboxEntry, *, partner_kind: str, at: datetime, record_disclosure: bool = True
) -> None:
    """Sent, and disclosed (partner, case, fields, time, legal basis), in one transaction."""
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            """UPDATE partner_outbox SET status = 'sent', sent_at = $3, last_error = NULL
               WHERE notice_id = $1 AND partner_id = $2 AND status = 'pending'
               RETURNING case_id, legal_basis, fields, redacted""",
            entry.notice_id,
            entry.partner_id,
            at,
        )
        if row is None or row["case_id"] is None or not record_disclosure:
            return
        await connection.execute(
            """INSERT INTO disclosures (disclosure_id, case_id, partner_id, partner_kind, fields, at, legal_basis,
                                        notice_id, redacted)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (disclosure_id) DO NOTHING""",
            disclosure_id(entry.notice_id, entry.partner_id),
            row["case_id"],
            entry.partner_id,
            partner_kind,
            list(row["fields"]),
            at,
            row["legal_basis"],
            entry.notice_id,
            row["redacted"],
        )


async def mark_failed(pool: asyncpg.Pool, entry: OutboxEntry, *, reason: str, at: datetime) -> None:
    await pool.execute(
        """UPDATE partner_outbox SET status = 'failed', failed_at = $3, last_error = $4
           WHERE notice_id = $1 AND partner_id = $2 AND status = 'pending'""",
        entry.notice_id,
        entry.partner_id,
        at,
        reason[:200],
    )


async def note_error(pool: asyncpg.Pool, entry: OutboxEntry, *, reason: str) -> None:
    await pool.execute(
        "UPDATE partner_outbox SET last_error = $3 WHERE notice_id = $1 AND partner_id = $2 AND status = 'pending'",
        entry.notice_id,
        entry.partner_id,
        reason[:200],
    )


@dataclass(frozen=True)
class OutboxRoute:
    """Where an acknowledgement for (notice, partner) goes."""

    case_id: str | None
    workflow_id: str | None
    status: str
    acknowledged_at: datetime | None


async def find_route(pool: asyncpg.Pool, notice_id: str, partner_id: str) -> OutboxRoute | None:
    """The case and workflow a notice belongs to (the workflow from the request, else the case row)."""
    row = await pool.fetchrow(
        """SELECT o.case_id, COALESCE(o.workflow_id, c.workflow_id) AS workflow_id, o.status, o.acknowledged_at
           FROM partner_outbox o LEFT JOIN cases c ON c.case_id = o.case_id
           WHERE o.notice_id = $1 AND o.partner_id = $2""",
        notice_id,
        partner_id,
    )
    if row is None:
        return None
    return OutboxRoute(row["case_id"], row["workflow_id"], row["status"], row["acknowledged_at"])


async def mark_acknowledged(pool: asyncpg.Pool, notice_id: str, partner_id: str, at: datetime) -> None:
    """The first acknowledgement's time is kept; repeats change nothing."""
    await pool.execute(
        """UPDATE partner_outbox SET acknowledged_at = COALESCE(acknowledged_at, $3)
           WHERE notice_id = $1 AND partner_id = $2""",
        notice_id,
        partner_id,
        at,
    )
