"""`trygg policy show | check FILE | history`: the escalation policy in force, a candidate
file against it, and the versions the register has seen with their cases.

These read the policy file (TRYGG_POLICY_FILE, as the worker does) and the register; they
never need Temporal."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import typer

from console.times import local_time
from console.session import JSON_OPTION, database_url, emit, fail, run, settings_or_exit
from domain.policy import EscalationPolicy
from register.policies import PolicyVersionUse, conflicting_keys, policy_history, recorded_policy
from runtime.connections import ConnectionFailed, connect_postgres
from runtime.policy_file import FILE_KEYS, PolicyFileError, PolicyInForce, load_policy
from runtime.settings import Settings

policy_app = typer.Typer(help="The escalation policy: in force, a candidate file, the versions in the register.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")


def _in_force(settings: Settings) -> PolicyInForce:
    try:
        return load_policy(settings.policy_file)
    except PolicyFileError as error:
        fail(f"TRYGG_POLICY_FILE: {error}", 2)
        raise  # unreachable


@asynccontextmanager
async def _register(settings: Settings):
    url = database_url(settings)
    if url is None:
        raise ConnectionFailed("the case register is not configured: set DATABASE_URL (or run trygg dev)")
    pool = await connect_postgres(url, migrate=False, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


@policy_app.command("show")
def show(as_json: bool = JSON_OPTION) -> None:
    """The policy new cases open under: every key, its value, where the value comes from
    (the policy file or the built-in default) and the source the default cites.

    Example: TRYGG_POLICY_FILE=/etc/trygg/policy.toml trygg policy show
    """
    policy = _in_force(settings_or_exit())
    emit(_shown(policy), as_json, _show_text)


def _shown(policy: PolicyInForce) -> dict[str, Any]:
    rules = policy.rules.rules()
    return {
        "version": policy.version,
        "fingerprint": policy.rules.fingerprint(),
        "file": str(policy.path) if policy.path else None,
        "calendar": "Swedish public and de facto holidays from the holidays library, built by the worker for the "
        "year a case opens and the years after it, plus extra_non_working_days",
        "keys": {
            key: {
                "value": rules[key],
                "source": policy.source_of(key),
                "meaning": EscalationPolicy.model_fields[key].description or "",
            }
            for key in FILE_KEYS
        },
    }


def _show_text(shown: dict[str, Any]) -> str:
    origin = shown["file"] or "built-in defaults (TRYGG_POLICY_FILE unset)"
    lines = [f"policy {shown['version']}  fingerprint {shown['fingerprint'][:12]}  from {origin}", f"calendar: {shown['calendar']}", ""]
    for key, entry in shown["keys"].items():
        lines.append(f"{key} = {_value(entry['value'])}   [{entry['source']}]")
        if entry["meaning"]:
            lines.append(f"    {entry['meaning']}")
    return "\n".join(lines)


@policy_app.command("check")
def check(path: Path = typer.Argument(..., help="The candidate policy file (TOML)."), as_json: bool = JSON_OPTION) -> None:
    """Validate a policy file and say what it changes against the policy in force, whether
    a worker would start with it, and how many open cases run under each version.

    Exit 0: a worker would start with it; 2: the file is invalid; 1: it would be refused
    (its version is recorded, or in force, with other values).

    Example: trygg policy check deploy/policy.toml
    """
    settings = settings_or_exit()
    try:
        candidate = load_policy(path)
    except PolicyFileError as error:
        fail(str(error), 2)
    in_force = _in_force(settings)

    async def go() -> dict[str, Any]:
        recorded, uses = None, None
        if database_url(settings) is not None:
            async with _register(settings) as pool:
                recorded = await recorded_policy(pool, candidate.version)
                uses = await policy_history(pool)
        conflict = conflicting_keys(recorded.rules, candidate.rules.rules()) if recorded else None
        return _checked(candidate, in_force, conflict, uses)

    checked = run(go)
    emit(checked, as_json, _check_text)
    if not checked["accepted"]:
        raise typer.Exit(1)


def _checked(
    candidate: PolicyInForce, in_force: PolicyInForce, conflict: list[str] | None, uses: list[PolicyVersionUse] | None
) -> dict[str, Any]:
    """`conflict`: None when the register has no such version, else the keys in which the
    file differs from the recorded rules (register.policies.conflicting_keys)."""
    new, old = candidate.rules.rules(), in_force.rules.rules()
    differences = {key: {"in_force": old[key], "file": new[key]} for key in FILE_KEYS if new[key] != old[key]}
    fingerprint = candidate.rules.fingerprint()
    recorded = conflict is not None
    if conflict:
        verdict = (
            f"refused: version {candidate.version} is recorded in the register with other values "
            f"(differs in {', '.join(conflict)})"
        )
    elif recorded:
        verdict = f"accepted: version {candidate.version} is recorded with these values"
    elif candidate.version == in_force.version and differences:
        verdict = f"refused: version {candidate.version} is in force with other values; give the file a new version"
    elif candidate.version == in_force.version:
        verdict = f"accepted: the policy in force ({candidate.version})"
    else:
        verdict = f"accepted: a new version {candidate.version}; cases opened after the workers run it use it"
    return {
        "file": str(candidate.path),
        "version": candidate.version,
        "fingerprint": fingerprint,
        "in_force": {"version": in_force.version, "fingerprint": in_force.rules.fingerprint()},
        "differences": differences,
        "accepted": verdict.startswith("accepted"),
        "verdict": verdict,
        "open_cases_by_version": None if uses is None else {use.version: use.open_cases for use in uses},
    }


def _check_text(checked: dict[str, Any]) -> str:
    lines = [
        f"{checked['file']}: valid, version {checked['version']} (fingerprint {checked['fingerprint'][:12]})",
        f"in force: version {checked['in_force']['version']} (fingerprint {checked['in_force']['fingerprint'][:12]})",
    ]
    if checked["differences"]:
        lines.append(f"differs in {len(checked['differences'])} key(s):")
        for key, pair in checked["differences"].items():
            lines.append(f"  {key}: {_value(pair['in_force'])} -> {_value(pair['file'])}")
    else:
        lines.append("same values as the policy in force")
    lines.append(checked["verdict"])
    counts = checked["open_cases_by_version"]
    if counts is None:
        lines.append("open cases: the register is not configured (DATABASE_URL)")
    else:
        body = ", ".join(f"{version} {n}" for version, n in counts.items()) or "none"
        lines.append(f"open cases by version: {body}")
    return "\n".join(lines)


@policy_app.command("history")
def history(as_json: bool = JSON_OPTION) -> None:
    """Every policy version the register has seen: when a worker first recorded it, its
    first case, and how many cases run (open) or ran (closed) under it.

    Example: trygg policy history --json
    """
    settings = settings_or_exit()

    async def go() -> list[PolicyVersionUse]:
        async with _register(settings) as pool:
            return await policy_history(pool)

    emit(run(go), as_json, _history_text)


def _history_text(uses: list[PolicyVersionUse]) -> str:
    if not uses:
        return "no policy versions recorded"
    lines = [f"{'version':<16} {'fingerprint':<13} {'recorded':<17} {'first case':<17} {'open':>6} {'closed':>7}"]
    for use in uses:
        recorded = local_time(use.recorded_at) if use.recorded_at else "not recorded"
        first = local_time(use.first_case_at)
        fingerprint = use.fingerprint[:12] if use.fingerprint else "-"
        lines.append(f"{use.version:<16} {fingerprint:<13} {recorded:<17} {first:<17} {use.open_cases:>6} {use.closed_cases:>7}")
    return "\n".join(lines)


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
