"""The register: audit events written per second through RegisterActivities.record_case_event,
called in an ActivityEnvironment (the activity as the worker runs it, without Temporal's
round trip), one by one and 16 at a time over many cases. Baseline: the same row as a bare
single-statement INSERT on the same pool, without the activity's checks, lock and sequence."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.register import RegisterActivities
from bench.measure import bounded
from bench.sample import NOTE_TAKER, AREAS
from domain.models import Category, HousingForm
from domain.records import CaseEventRecord, CaseRecord

CASES = 64

BARE_TABLE = """CREATE TABLE IF NOT EXISTS bench_bare_events (
    case_id text NOT NULL, event_id text NOT NULL, kind text NOT NULL, actor_id text NOT NULL,
    actor_role text NOT NULL, at timestamptz NOT NULL, reason text, data jsonb NOT NULL,
    PRIMARY KEY (case_id, event_id))"""


@dataclass
class RegisterRate:
    activity_per_s: float
    bare_per_s: float
    count: int
    concurrency: int


def _case(n: int, run: str) -> CaseRecord:
    now = datetime.now(UTC)
    return CaseRecord(
        case_id=f"bench-{run}-{n}", workflow_id=f"case-bench-{run}-{n}", tenancy_id=f"T{run}{n}", property_id="P-1",
        area=AREAS[n % len(AREAS)], housing_form=HousingForm.ORDINARY, category=Category.NOISE, stage="contact",
        opened_at=now, policy_version="bench", version=1,
    )  # fmt: skip


def _event(case_id: str, n: int) -> CaseEventRecord:
    return CaseEventRecord(
        case_id=case_id, event_id=f"e{n}", kind="note", at=datetime.now(UTC), actor=NOTE_TAKER,
        reason="Spoke with the caretaker about the stairwell", data={"round": n},
    )  # fmt: skip


async def register_rate(database_url: str, count: int, concurrency: int) -> RegisterRate:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=max(2, min(concurrency, 10)))
    try:
        register, env, run = RegisterActivities(pool), ActivityEnvironment(), uuid.uuid4().hex[:8]
        cases = [_case(n, run) for n in range(CASES)]
        for case in cases:
            await env.run(register.upsert_case, case)
        events = [_event(cases[n % CASES].case_id, n) for n in range(count)]

        start = time.perf_counter()
        await bounded(events, lambda e: env.run(register.record_case_event, e), concurrency)
        through_activity = time.perf_counter() - start

        async with pool.acquire() as conn:
            await conn.execute(BARE_TABLE)

        async def bare(e: CaseEventRecord) -> None:
            async with pool.acquire() as conn:
                await conn.execute(
                    "INSERT INTO bench_bare_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
                    e.case_id, f"{run}-{e.event_id}", e.kind, e.actor.id, e.actor.role.value, e.at, e.reason,
                    json.dumps(e.data),
                )  # fmt: skip

        start = time.perf_counter()
        await bounded(events, bare, concurrency)
        bare_seconds = time.perf_counter() - start
        return RegisterRate(count / through_activity, count / bare_seconds, count, concurrency)
    finally:
        await pool.close()
