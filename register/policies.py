"""The register's record of the escalation policies cases run under.

A worker records the policy in force when it starts (`record_policy`): a new version is
stored once, with its fingerprint and its rules; a version already stored with the same
fingerprint is simply seen again; the same version with other values is refused
(`PolicyVersionConflict`, naming the keys), since two workers would then run "one"
version by two sets of rules (`conflicting_keys` says what counts as other values). Different versions coexist: during a rollout old and new workers run side by side,
each case keeps the version it opened under (cases.policy_version), and these reads tell
which cases run under which.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from pydantic import AwareDatetime

from domain.models import Frozen
from domain.policy import EscalationPolicy
from register.rows import Db


class PolicyVersionConflict(Exception):
    """The version is recorded with other values; the message names the version and the
    keys that differ, not the values."""

    def __init__(self, version: str, keys: list[str]) -> None:
        super().__init__(
            f"policy version {version!r} is already recorded in the register with other values "
            f"(differs in {', '.join(keys)}): give the changed policy a new version"
        )
        self.version = version
        self.keys = keys


def conflicting_keys(recorded: dict[str, Any], offered: dict[str, Any]) -> list[str]:
    """The keys (dotted, e.g. `retention.night_reports_days`) in which `offered` rules
    differ from the `recorded` rules of the same version. A key the recorded rules lack
    is no conflict when its value is the model's default: a release that adds a field
    (or a default task kind) to the model spells an old version's rules with that
    default, and must not stop every worker. A removed or changed value is a conflict."""
    before, after = _flatten(recorded), _flatten(offered)
    defaults = _flatten(EscalationPolicy(version=str(offered.get("version", ""))).rules())
    changed = [key for key in before if after.get(key, _MISSING) != before[key]]
    added = [key for key in after if key not in before and after[key] != defaults.get(key, _MISSING)]
    return sorted(changed + added)


_MISSING = object()


def _flatten(rules: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in rules.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class RecordedPolicy(Frozen):
    version: str
    fingerprint: str
    rules: dict
    recorded_at: AwareDatetime
    last_started_at: AwareDatetime


class PolicyVersionUse(Frozen):
    """One version and the cases that run or ran under it. `recorded` is False for a
    version named by cases but never recorded by a worker (cases opened before versions
    were kept, or by a client that sent its own policy)."""

    version: str
    fingerprint: str | None
    recorded: bool
    recorded_at: AwareDatetime | None
    first_case_at: AwareDatetime | None
    open_cases: int
    closed_cases: int


async def record_policy(db: Db, policy: EscalationPolicy) -> RecordedPolicy:
    """Store the policy's version once; refuse the same version with other rules."""
    fingerprint = policy.fingerprint()
    async with _transaction(db) as conn:
        await conn.execute(
            """INSERT INTO policy_versions (version, fingerprint, policy) VALUES ($1, $2, $3::jsonb)
               ON CONFLICT (version) DO NOTHING""",
            policy.version, fingerprint, json.dumps(policy.rules()),
        )  # fmt: skip
        row = await conn.fetchrow("SELECT * FROM policy_versions WHERE version = $1 FOR UPDATE", policy.version)
        if row["fingerprint"] != fingerprint:
            keys = conflicting_keys(json.loads(row["policy"]), policy.rules())
            if keys:
                raise PolicyVersionConflict(policy.version, keys)
            # only keys a newer release added, at their defaults: the version's rules, spelled in full
            await conn.execute(
                "UPDATE policy_versions SET fingerprint = $2, policy = $3::jsonb WHERE version = $1",
                policy.version, fingerprint, json.dumps(policy.rules()),
            )  # fmt: skip
        row = await conn.fetchrow(
            "UPDATE policy_versions SET last_started_at = now() WHERE version = $1 RETURNING *", policy.version
        )
    return _recorded(row)


async def recorded_policy(db: Db, version: str) -> RecordedPolicy | None:
    row = await db.fetchrow("SELECT * FROM policy_versions WHERE version = $1", version)
    return _recorded(row) if row else None


async def policy_history(db: Db) -> list[PolicyVersionUse]:
    """Every version recorded or named by a case, oldest first, with its case counts."""
    rows = await db.fetch(
        """WITH uses AS (
               SELECT policy_version AS version, min(opened_at) AS first_case_at,
                      count(*) FILTER (WHERE closed_at IS NULL) AS open_cases,
                      count(*) FILTER (WHERE closed_at IS NOT NULL) AS closed_cases
                 FROM cases GROUP BY policy_version)
           SELECT coalesce(p.version, u.version) AS version, p.fingerprint, p.version IS NOT NULL AS recorded,
                  p.recorded_at, u.first_case_at, coalesce(u.open_cases, 0) AS open_cases,
                  coalesce(u.closed_cases, 0) AS closed_cases
             FROM policy_versions p FULL JOIN uses u ON u.version = p.version
            ORDER BY coalesce(p.recorded_at, u.first_case_at), 1"""
    )
    return [PolicyVersionUse(**dict(row)) for row in rows]


def _recorded(row: asyncpg.Record) -> RecordedPolicy:
    return RecordedPolicy(
        version=row["version"],
        fingerprint=row["fingerprint"],
        rules=json.loads(row["policy"]),
        recorded_at=row["recorded_at"],
        last_started_at=row["last_started_at"],
    )


@asynccontextmanager
async def _transaction(db: Db) -> AsyncIterator[asyncpg.Connection]:
    """A transaction on a pool's connection, or on a connection the caller holds."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db
