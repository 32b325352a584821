"""Refusals a foreign client can read: one line, each bad field named with its reason,
never the value that was sent.

Whatever refuses an input (a step validator, a report that cannot be read, a payload
sent unencrypted) says so through these: `describe_validation_error` turns a pydantic
error into `field: reason; field: reason` without input values, and the type names below
are the `ApplicationError.type` every Trygg refusal carries, so a client in any language
can tell a refusal from a failure and the failure converter (runtime/converters.py) can
keep the worker's stack trace out of it.

A field's location is kept only while it looks like a field name (letters, digits and
underscores, as every Trygg model spells its fields): a client's unknown key could itself
be a name or an address, and is then shown as `<key>`. A reason that would quote the value
(pydantic quotes a union's tag, a custom validator may quote anything) has it replaced.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationError

from domain.models import Frozen

STEP_REFUSED = "StepRefused"
"""A staff step refused by the ladder (wrong stage, wrong role, bad reference)."""
INVALID_INPUT = "InvalidInput"
"""An input that is not what the model says (a missing field, a wrong type, too long)."""
PLAINTEXT_REFUSED = "PlaintextPayloadRefused"
"""A payload sent unencrypted while TRYGG_PAYLOAD_KEYS is set."""
INTAKE_REFUSED = "IntakeRefused"
"""A report signal that could not be read, ending a run that has no case."""
NO_CASE = "NoCase"
"""A query to a run whose case is not (yet) open."""

REFUSAL_TYPES = frozenset({STEP_REFUSED, INVALID_INPUT, PLAINTEXT_REFUSED, INTAKE_REFUSED, NO_CASE})
"""Every ApplicationError type that means "your input was refused": non-retryable, one
line, no stack trace, no value."""

MAX_REASON = 200
MAX_DESCRIPTION = 1000
_FIELD_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class FieldProblem(Frozen):
    """One bad field and why, without its value."""

    field: str = Field(min_length=1, max_length=300)
    reason: str = Field(min_length=1, max_length=MAX_REASON)

    def line(self) -> str:
        return f"{self.field}: {self.reason}"


class RefusalCause(StrEnum):
    """Why a report signal could not be taken in."""

    INVALID = "invalid"  # decoded, but not a valid report
    UNDECODABLE = "undecodable"  # not JSON, or an encoding Trygg does not read
    UNENCRYPTED = "unencrypted"  # sent in plain text while encryption is on
    WRONG_ARGUMENTS = "wrong_arguments"  # no report, or more than one argument


class IntakeRefusal(Frozen):
    """A report that reached a case but could not be taken in: codes and field names only."""

    cause: RefusalCause
    problems: tuple[FieldProblem, ...] = Field(min_length=1, max_length=50)

    def describe(self) -> str:
        return join_problems(self.problems)

    def fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.problems)


def field_problems(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    """Each error of a pydantic ValidationError as a field and a reason, without values."""
    problems = []
    for issue in error.errors(include_url=False, include_input=True):
        parts = [part for part in issue.get("loc", ()) if not _schema_step(part)]
        location = ".".join(_location_part(part) for part in parts) or "(input)"
        problems.append(FieldProblem(field=f"{prefix}{location}"[:300], reason=_reason(issue)))
    return problems


def describe_validation_error(error: ValidationError, prefix: str = "") -> str:
    """`field: reason; field: reason`, one line, no values: the text of an InvalidInput."""
    return join_problems(field_problems(error, prefix))


def join_problems(problems: tuple[FieldProblem, ...] | list[FieldProblem]) -> str:
    text = "; ".join(p.line() for p in problems)
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _schema_step(part: Any) -> bool:
    """A step of pydantic's own schema in a location (`function-after[...]`, a union's
    member), which names no field."""
    return isinstance(part, str) and "[" in part


def _location_part(part: Any) -> str:
    if isinstance(part, int):
        return str(part)
    text = str(part)
    return text if _FIELD_PART.match(text) else "<key>"


def _reason(issue: dict[str, Any]) -> str:
    reason = " ".join(str(issue.get("msg") or issue.get("type") or "invalid").removeprefix("Value error, ").split())
    for value in _quotable(issue):
        reason = reason.replace(value, "<value>")
    return reason[:MAX_REASON] or "invalid"


def _quotable(issue: dict[str, Any]) -> list[str]:
    """The texts a reason might quote from the input: the input itself, a union's tag."""
    found = []
    value = issue.get("input")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        found.append(str(value))
    tag = (issue.get("ctx") or {}).get("tag")
    if isinstance(tag, str):
        found.append(tag)
    return [text for text in found if len(text) >= 2]
