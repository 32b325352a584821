"""Policy versions in the register, on real PostgreSQL: each version once, a changed file
under a recorded version refused at the worker's start, versions side by side in a rollout."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.policy import EscalationPolicy
from domain.retention import RetentionPolicy
from register.policies import PolicyVersionConflict, conflicting_keys, policy_history, record_policy, recorded_policy
from register.writes import upsert_case
from runtime.policy_file import example_policy_toml
from runtime.settings import load_settings
from tests import register_factories as make
from tests.helpers import unique
from worker import run_worker

ROOT = Path(__file__).resolve().parent.parent


async def test_a_version_is_stored_once_with_its_rules(pg_pool):
    policy = EscalationPolicy(version=unique("v"), quiet_period_weeks=10)
    first = await record_policy(pg_pool, policy)
    again = await record_policy(pg_pool, policy.model_copy(update={"non_working_days": ()}))  # the calendar is not the rules
    assert again.fingerprint == first.fingerprint == policy.fingerprint()
    assert again.recorded_at == first.recorded_at and again.last_started_at >= first.last_started_at
    stored = await recorded_policy(pg_pool, policy.version)
    assert stored.rules == policy.rules() and stored.rules["quiet_period_weeks"] == 10
    assert await pg_pool.fetchval("SELECT count(*) FROM policy_versions WHERE version = $1", policy.version) == 1


async def test_the_same_version_with_other_values_is_refused_naming_the_version(pg_pool):
    version = unique("v")
    await record_policy(pg_pool, EscalationPolicy(version=version))
    with pytest.raises(PolicyVersionConflict) as refused:
        await record_policy(pg_pool, EscalationPolicy(version=version, first_contact_working_days=5))
    assert version in str(refused.value) and "new version" in str(refused.value)
    assert "differs in first_contact_working_days" in str(refused.value)
    stored = await recorded_policy(pg_pool, version)
    assert stored.fingerprint == EscalationPolicy(version=version).fingerprint()  # the first stays


async def test_two_workers_starting_together_with_one_version_and_two_files_one_is_refused(pg_pool):
    version = unique("v")
    a, b = EscalationPolicy(version=version), EscalationPolicy(version=version, quiet_period_weeks=8)
    results = await asyncio.gather(record_policy(pg_pool, a), record_policy(pg_pool, b), return_exceptions=True)
    assert sum(isinstance(r, PolicyVersionConflict) for r in results) == 1


async def test_history_counts_the_cases_under_each_version(pg_pool):
    a, b = EscalationPolicy(version=unique("a")), EscalationPolicy(version=unique("b"), quiet_period_weeks=8)
    await record_policy(pg_pool, a)
    await record_policy(pg_pool, b)
    legacy = unique("legacy")
    async with pg_pool.acquire() as conn:
        for record in (
            make.case(policy_version=a.version),
            make.case(policy_version=a.version, closed_at=make.T0 + timedelta(days=9), outcome="unfounded", stage="closed"),
            make.case(policy_version=b.version, opened_at=make.T0 + timedelta(days=3)),
            make.case(policy_version=legacy),
        ):
            await upsert_case(conn, record)
    uses = {use.version: use for use in await policy_history(pg_pool)}
    assert (uses[a.version].open_cases, uses[a.version].closed_cases) == (1, 1)
    assert (uses[b.version].open_cases, uses[b.version].closed_cases) == (1, 0)
    assert uses[b.version].first_case_at == make.T0 + timedelta(days=3)
    assert uses[a.version].recorded and uses[a.version].fingerprint == a.fingerprint()
    assert not uses[legacy].recorded and uses[legacy].open_cases == 1  # named by a case, never by a worker


async def test_the_worker_records_its_policy_at_start_and_versions_coexist(local_env, pg_pool, database_url, tmp_path):
    """A rollout: a worker with A, then one with B; both versions are recorded. Then a file
    that changed A's values but kept its version: that worker is refused before it polls."""
    address = local_env.client.service_client.config.target_host
    a = EscalationPolicy(version=unique("2027.1"))
    b = EscalationPolicy(version=unique("2027.2"), warning_needs_team_lead_approval=True)
    for policy in (a, b):
        path = tmp_path / f"{policy.version}.toml"
        path.write_text(example_policy_toml(policy))
        settings = load_settings(
            temporal_address=address, temporal_namespace=local_env.client.namespace, task_queue=unique("policy"),
            policy_file=path, metrics_port=0,
        )  # fmt: skip
        stop, ready = asyncio.Event(), asyncio.Event()
        running = asyncio.create_task(run_worker(settings, database_url=database_url, stop=stop, ready=ready))
        await asyncio.wait_for(ready.wait(), 60)
        stop.set()
        await running
    recorded = {use.version: use for use in await policy_history(pg_pool)}
    assert recorded[a.version].fingerprint == a.fingerprint()
    assert recorded[b.version].fingerprint == b.fingerprint()

    changed = tmp_path / "changed.toml"
    changed.write_text(example_policy_toml(a.model_copy(update={"first_contact_working_days": 5})))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "console.main", "worker", cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TRYGG_", "DATABASE_URL"))},
             "DATABASE_URL": database_url, "TRYGG_POLICY_FILE": str(changed), "TEMPORAL_ADDRESS": address,
             "TRYGG_METRICS_PORT": "0", "TRYGG_LOG_LEVEL": "ERROR"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, err.decode()
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and a.version in lines[0] and "already recorded in the register with other values" in lines[0]
    assert (await recorded_policy(pg_pool, a.version)).fingerprint == a.fingerprint()


async def test_a_bad_file_stops_the_worker_naming_the_key(database_url, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "2027.9"\nquiet_period_weeks = 0\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "console.main", "worker", cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TRYGG_", "DATABASE_URL"))},
             "DATABASE_URL": database_url, "TRYGG_POLICY_FILE": str(bad), "TEMPORAL_ADDRESS": "127.0.0.1:1",
             "TRYGG_METRICS_PORT": "0"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "quiet_period_weeks: Input should be greater than or equal to 1" in err.decode()
    assert "Traceback" not in err.decode()


def test_a_key_a_newer_release_added_at_its_default_is_no_conflict():
    policy = EscalationPolicy(version="conflict-a")
    recorded = policy.rules()
    older = {key: value for key, value in recorded.items() if key != "extra_non_working_days"}
    older["retention"] = {k: v for k, v in recorded["retention"].items() if k != "closed_case_days"}
    assert conflicting_keys(older, recorded) == []  # a field and a nested field added at their defaults
    assert conflicting_keys(older, policy.model_copy(update={"extra_non_working_days": (date(2027, 6, 7),)}).rules()) == [
        "extra_non_working_days"
    ]
    changed = policy.model_copy(update={"quiet_period_weeks": 9, "retention": RetentionPolicy(night_reports_days=30)})
    assert conflicting_keys(recorded, changed.rules()) == ["quiet_period_weeks", "retention.night_reports_days"]
    assert conflicting_keys({**recorded, "gone": 1}, recorded) == ["gone"]  # a removed key is a change


async def test_a_version_recorded_by_an_older_release_is_spelled_out_in_full_at_the_next_start(pg_pool):
    policy = EscalationPolicy(version=unique("v"))
    await record_policy(pg_pool, policy)
    await pg_pool.execute(  # as an older release, without this field, recorded it
        "UPDATE policy_versions SET policy = policy - 'extra_non_working_days', fingerprint = $2 WHERE version = $1",
        policy.version, "0" * 64,
    )  # fmt: skip
    again = await record_policy(pg_pool, policy)
    assert again.fingerprint == policy.fingerprint() and again.rules == policy.rules()
