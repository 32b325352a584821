"""`trygg policy show | check | history` as a user runs them: the real CLI in a subprocess,
the policy file on disk and the register on embedded PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain.policy import EscalationPolicy
from register.policies import record_policy
from register.writes import upsert_case
from runtime.policy_file import BUILT_IN, example_policy_toml
from tests import register_factories as make
from tests.console_harness import Trygg
from tests.helpers import unique


@pytest.fixture
def cli(database_url, tmp_path) -> Trygg:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TRYGG_", "DATABASE_URL"))}
    return Trygg({**env, "DATABASE_URL": database_url, "TRYGG_DATA_DIR": str(tmp_path / "data")})


def _file(tmp_path: Path, policy: EscalationPolicy, name: str | None = None) -> Path:
    path = tmp_path / (name or f"{policy.version}.toml")
    path.write_text(example_policy_toml(policy))
    return path


async def test_show_names_every_value_and_where_it_comes_from(cli, tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('version = "show-1"\nfirst_contact_working_days = 5\n')
    shown = (await cli("policy", "show", "--json", TRYGG_POLICY_FILE=str(path))).json()
    assert shown["version"] == "show-1" and shown["file"] == str(path)
    assert shown["keys"]["first_contact_working_days"] == {
        "value": 5, "source": str(path), "meaning": EscalationPolicy.model_fields["first_contact_working_days"].description,
    }  # fmt: skip
    assert shown["keys"]["termination_window_months"]["source"] == BUILT_IN
    assert "12 kap. 43 §" in shown["keys"]["termination_window_months"]["meaning"]
    assert "non_working_days" not in shown["keys"]  # built by the worker, not a key of the file

    text = await cli("policy", "show")
    assert text.code == 0 and "policy 2026.1" in text.out and "built-in defaults" in text.out


async def test_show_refuses_a_bad_file_in_force_naming_the_variable_and_the_key(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('version = "x"\nquiet_period_weeks = -2\n')
    result = await cli("policy", "show", TRYGG_POLICY_FILE=str(path))
    assert result.code == 2
    assert result.err.startswith("trygg: TRYGG_POLICY_FILE: policy file") and "quiet_period_weeks" in result.err


async def test_check_says_what_changes_and_how_many_open_cases_run_under_each_version(cli, pg_pool, tmp_path):
    in_force = EscalationPolicy(version=unique("check-a"))
    await record_policy(pg_pool, in_force)
    async with pg_pool.acquire() as conn:
        for _ in range(2):
            await upsert_case(conn, make.case(policy_version=in_force.version))
    in_force_file = _file(tmp_path, in_force)
    candidate = _file(tmp_path, in_force.model_copy(update={"version": unique("check-b"), "quiet_period_weeks": 16}))

    checked = (await cli("policy", "check", str(candidate), "--json", TRYGG_POLICY_FILE=str(in_force_file))).json()
    assert checked["accepted"] and checked["verdict"].startswith("accepted: a new version")
    assert checked["differences"]["quiet_period_weeks"] == {"in_force": 12, "file": 16}
    assert set(checked["differences"]) == {"version", "quiet_period_weeks"}
    assert checked["open_cases_by_version"][in_force.version] == 2

    text = await cli("policy", "check", str(candidate), TRYGG_POLICY_FILE=str(in_force_file))
    assert text.code == 0 and "quiet_period_weeks: 12 -> 16" in text.out and f"{in_force.version} 2" in text.out


async def test_check_refuses_a_changed_file_under_a_recorded_version(cli, pg_pool, tmp_path):
    recorded = EscalationPolicy(version=unique("check-c"))
    await record_policy(pg_pool, recorded)
    changed = _file(tmp_path, recorded.model_copy(update={"notice_max_attempts": 3}), "changed.toml")
    result = await cli("policy", "check", str(changed))
    assert result.code == 1
    assert f"refused: version {recorded.version} is recorded in the register with other values" in result.out


async def test_check_refuses_an_invalid_file_naming_the_key(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('version = "x"\n[task_working_days]\nverify = 2\n')
    result = await cli("policy", "check", str(path))
    assert result.code == 2 and "task_working_days.verify: unknown task kind" in result.err
    assert "Traceback" not in result.err


async def test_history_lists_the_versions_with_first_use_and_case_counts(cli, pg_pool):
    first, second = EscalationPolicy(version=unique("hist-a")), EscalationPolicy(version=unique("hist-b"), quiet_period_weeks=9)
    for policy in (first, second):
        await record_policy(pg_pool, policy)
    async with pg_pool.acquire() as conn:
        await upsert_case(conn, make.case(policy_version=first.version))
        await upsert_case(conn, make.case(policy_version=second.version, closed_at=make.T0, outcome="unfounded", stage="closed"))
    uses = {use["version"]: use for use in (await cli("policy", "history", "--json")).json()}
    assert (uses[first.version]["open_cases"], uses[first.version]["closed_cases"]) == (1, 0)
    assert (uses[second.version]["open_cases"], uses[second.version]["closed_cases"]) == (0, 1)
    assert uses[first.version]["fingerprint"] == first.fingerprint() and uses[first.version]["first_case_at"]
    text = await cli("policy", "history")
    assert text.code == 0 and first.version in text.out and second.version in text.out


async def test_history_without_a_register_is_one_line_and_exit_1(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TRYGG_", "DATABASE_URL"))}
    result = await Trygg({**env, "TRYGG_DATA_DIR": str(tmp_path)})("policy", "history")
    assert result.code == 1 and "the case register is not configured" in result.err
