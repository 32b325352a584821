"""Turning a refused write into a message a person can act on.

A write the database refuses for its data (an unknown case, a value too long, a wrong
type) will be refused again on every retry, so it becomes a non-retryable
`ApplicationError` whose message names the field. Anything else (a dropped connection,
a restarting server, a deadlock) is left alone: Temporal retries it and the idempotency
keys make the retry safe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

import asyncpg
from pydantic import BaseModel, ValidationError
from temporalio.exceptions import ApplicationError

INVALID_RECORD = "InvalidRecord"
"""The record can never be written as it is (a field is too long, of the wrong type, missing)."""
UNKNOWN_CASE = "UnknownCase"
"""The record points at a case the register has never seen (upsert_case must come first)."""
UNKNOWN_REPORT = "UnknownReport"
UNKNOWN_TASK = "UnknownTask"

NON_RETRYABLE = [INVALID_RECORD, UNKNOWN_CASE, UNKNOWN_REPORT, UNKNOWN_TASK]
"""Put these in the caller's RetryPolicy(non_retryable_error_types=...)."""

M = TypeVar("M", bound=BaseModel)

_ARGUMENT = re.compile(r"query argument \$(\d+)")
_KEY = re.compile(r"Key \((\w+)\)=")


def refused(kind: str, field: str, why: str) -> ApplicationError:
    return ApplicationError(f"{field}: {why}", {"field": field}, type=kind, non_retryable=True)


def checked(record: M) -> M:
    """Validate a record again inside the activity.

    The data converter validates payloads already; this catches a record built with
    `model_construct` or an older payload shape, so the refusal names the field here
    rather than failing somewhere in SQL.
    """
    try:
        return type(record).model_validate(record.model_dump(mode="python", warnings=False))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or type(record).__name__
        raise refused(INVALID_RECORD, field, first["msg"]) from None


def explain(error: Exception, table: str, params: Sequence[str] = ()) -> ApplicationError | None:
    """The non-retryable refusal for a database error about the data, or None when the
    error is about the connection or the server and a retry may succeed.

    `params` names the query's arguments in order ($1, $2, …), so a value asyncpg cannot
    encode is reported by field name.
    """
    if isinstance(error, asyncpg.ForeignKeyViolationError):
        field = _field_from_key(error) or "case_id"
        kind = UNKNOWN_CASE if field == "case_id" else INVALID_RECORD
        return refused(kind, field, f"no such {field.removesuffix('_id')} in the register")
    if isinstance(error, asyncpg.CheckViolationError):
        field = _field_from_constraint(getattr(error, "constraint_name", None), table)
        return refused(INVALID_RECORD, field, "value outside what the register accepts (length or range)")
    if isinstance(error, asyncpg.NotNullViolationError):
        field = getattr(error, "column_name", None) or "unknown field"
        return refused(INVALID_RECORD, field, "is required")
    if isinstance(error, asyncpg.StringDataRightTruncationError):
        field = getattr(error, "column_name", None) or "a text field"
        return refused(INVALID_RECORD, field, "text too long")
    if isinstance(error, asyncpg.DataError | asyncpg.DatatypeMismatchError):
        field = getattr(error, "column_name", None) or _field_from_argument(str(error), params)
        return refused(INVALID_RECORD, field, "wrong type or format")
    if isinstance(error, asyncpg.InterfaceError) and _ARGUMENT.search(str(error)):
        return refused(INVALID_RECORD, _field_from_argument(str(error), params), "wrong type")
    return None


def _field_from_key(error: Exception) -> str | None:
    match = _KEY.search(getattr(error, "detail", None) or "")
    return match.group(1) if match else None


def _field_from_constraint(name: str | None, table: str) -> str:
    if not name:
        return "unknown field"
    return name.removeprefix(f"{table}_").removesuffix("_check")


def _field_from_argument(message: str, params: Sequence[str]) -> str:
    match = _ARGUMENT.search(message)
    if match:
        index = int(match.group(1)) - 1
        if 0 <= index < len(params):
            return params[index]
    return "unknown field"
