"""The company's escalation policy: `TRYGG_POLICY_FILE` (TOML), read once at start.

Operations own the rules, not code and not the client: the worker reads this file,
validates every key before it polls a task (a bad file stops start-up naming the key and
the reason), and hands the policy to each case that opens. Without a file the built-in
defaults of `domain.policy.EscalationPolicy` apply.

The file sets the rules only. The Swedish non-working days are not written in it: the
worker builds them from the `holidays` library for the years a case needs
(`PolicyInForce.for_year`); the file may add local days in `extra_non_working_days`.
Every field of the model is a key, read generically, so a field added to the model
needs no change here. `deploy/policy.example.toml` is generated from the model
(`python -m runtime.policy_file --write-example`) and a test keeps the two equal.
"""

from __future__ import annotations

import sys
import textwrap
import tomllib
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from domain.policy import CALENDAR_FIELDS, CALENDAR_YEARS, EscalationPolicy, TaskKind
from runtime.calendar import with_swedish_calendar

EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "policy.example.toml"
FILE_KEYS: tuple[str, ...] = tuple(name for name in EscalationPolicy.model_fields if name not in CALENDAR_FIELDS)
"""The keys a policy file may set: every field of the model but the built calendar."""

BUILT_IN = "built-in default"


class PolicyFileError(Exception):
    """The policy file cannot be used; the message names the file, each bad key and why
    (values are not echoed)."""


@dataclass
class PolicyInForce:
    """The rules a worker runs new cases by, where each value came from, and the
    calendar built for them on demand (one per year a case opens in)."""

    rules: EscalationPolicy
    path: Path | None = None
    from_file: frozenset[str] = frozenset()
    _by_year: dict[int, EscalationPolicy] = field(default_factory=dict, repr=False)

    @property
    def version(self) -> str:
        return self.rules.version

    def source_of(self, key: str) -> str:
        return str(self.path) if key in self.from_file else BUILT_IN

    def for_year(self, year: int) -> EscalationPolicy:
        """The rules with the Swedish calendar of `year` and the CALENDAR_YEARS - 1 after it;
        the same (shared) object for every case opened in that year."""
        if year not in self._by_year:
            self._by_year[year] = with_swedish_calendar(self.rules, year, year + CALENDAR_YEARS - 1)
        return self._by_year[year]


def load_policy(path: Path | None) -> PolicyInForce:
    """The policy in force: the file's, else the built-in defaults. Raises PolicyFileError."""
    if path is None:
        return PolicyInForce(EscalationPolicy())
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyFileError(f"policy file {path}: cannot read it: {error.strerror}") from None
    return parse_policy(text, path)


def parse_policy(text: str, path: Path | str) -> PolicyInForce:
    """Validate a policy file's text in full: every problem named at once, by key."""
    origin = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(f"policy file {origin}: not valid TOML: {error}") from None
    problems = _file_problems(data)
    try:
        rules = EscalationPolicy(**{key: value for key, value in data.items() if key in FILE_KEYS})
    except ValidationError as error:
        problems += [f"{_key(issue['loc'])}: {issue['msg']}" for issue in error.errors(include_input=False)]
    if problems:
        raise PolicyFileError(f"policy file {origin}: " + "; ".join(problems))
    return PolicyInForce(rules, origin, frozenset(data))


def _file_problems(data: dict[str, Any]) -> list[str]:
    """What the model alone would not refuse: a missing version, the built calendar, an
    unknown task kind (a typo there would silently leave the task at the 5-day fallback)."""
    problems = []
    if "version" not in data:
        problems.append("version: required in a policy file (name this set of values, e.g. \"2027.1\")")
    for name in sorted(CALENDAR_FIELDS & set(data)):
        problems.append(
            f"{name}: not set in a policy file: the worker builds the Swedish calendar from the holidays "
            "library; list local days in extra_non_working_days"
        )
    for name in sorted(set(data) - set(FILE_KEYS) - CALENDAR_FIELDS):
        problems.append(f"{name}: unknown key; the keys are those of {EXAMPLE.name}")
    tasks = data.get("task_working_days")
    if isinstance(tasks, dict):
        kinds = {value for name, value in vars(TaskKind).items() if not name.startswith("_")}
        for kind in sorted(set(tasks) - kinds):
            problems.append(f"task_working_days.{kind}: unknown task kind; one of {', '.join(sorted(kinds))}")
        for kind, days in sorted(tasks.items()):
            if isinstance(days, int) and not isinstance(days, bool) and days < 1:
                problems.append(f"task_working_days.{kind}: must be at least 1 working day")
    return problems


def _key(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location) or "(file)"


# -- the example file, generated from the model ----------------------------------------

_HEADER = """\
# Trygg's escalation policy: TRYGG_POLICY_FILE (TOML).
#
# Generated from domain/policy.py by `python -m runtime.policy_file --write-example`; a test
# keeps it equal to the model. Every value below is the built-in default, with its meaning
# and source. A key left out keeps its default; an unknown key is refused at start.
#
# Change `version` whenever you change a value: the register keeps every version once, and
# a worker whose file changed a recorded version's values is refused at start. Cases keep
# the version they opened under for their life.
#
# The Swedish public holidays are not listed: the worker builds them from the `holidays`
# library for the years each case needs. Add local closing days in extra_non_working_days.
"""


def example_policy_toml(policy: EscalationPolicy | None = None) -> str:
    """The policy as a commented TOML file (the defaults unless a policy is given)."""
    policy = policy or EscalationPolicy()
    values = {name: getattr(policy, name) for name in FILE_KEYS}
    scalars = [name for name in FILE_KEYS if not _is_table(values[name])]
    tables = [name for name in FILE_KEYS if _is_table(values[name])]
    lines = [_HEADER]
    for name in scalars:
        lines += [*_comment(EscalationPolicy.model_fields[name].description), f"{name} = {_toml(values[name])}", ""]
    for name in tables:
        value = values[name]
        lines += [*_comment(EscalationPolicy.model_fields[name].description or type(value).__doc__), f"[{name}]"]
        if isinstance(value, BaseModel):
            for inner, info in type(value).model_fields.items():
                lines += [*_comment(info.description), f"{inner} = {_toml(getattr(value, inner))}"]
        else:
            lines += [f"{_toml_key(key)} = {_toml(item)}" for key, item in value.items()]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, (dict, BaseModel))


def _comment(text: str | None) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text or "", 88)]


def _toml_key(key: Any) -> str:
    text = key.value if isinstance(key, Enum) else str(key)
    return text if text.replace("_", "").replace("-", "").isalnum() else _toml(text)


def _toml(value: Any) -> str:
    if isinstance(value, Enum):
        return _toml(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return "[" + ", ".join(sorted(_toml(item) for item in value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"no TOML spelling for {type(value).__name__}")


def main(argv: list[str]) -> int:
    """`--write-example` regenerates deploy/policy.example.toml; `--check-example` says whether it is current."""
    if argv == ["--write-example"]:
        EXAMPLE.write_text(example_policy_toml(), encoding="utf-8")
        print(f"wrote {EXAMPLE}")
        return 0
    if argv == ["--check-example"]:
        current = EXAMPLE.exists() and EXAMPLE.read_text(encoding="utf-8") == example_policy_toml()
        print(f"{EXAMPLE}: {'current' if current else 'out of date: run --write-example'}")
        return 0 if current else 1
    print("usage: python -m runtime.policy_file --write-example | --check-example", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
