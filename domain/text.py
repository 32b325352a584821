"""One hygiene for text and values that cross a boundary: reports, staff steps, the
partner directory, settings.

The rule is: whatever a validator accepts, the register can store and a letter can
print. PostgreSQL refuses a NUL in text (and a lone surrogate cannot even be encoded),
so a NUL that passed validation once froze a case: every workflow task after it failed
on the register write. Control characters and terminal escapes would end up in legal
letters and in an operator's terminal; text of only spaces says nothing. So every text
field of a boundary model is one of the annotated types below:

- Unicode NFC, so "Skäggetorp" typed as a + combining diaeresis is the same area as
  the directory's "Skäggetorp";
- surrounding whitespace trimmed, and nothing left is refused (whitespace-only text);
- no control characters: C0 (NUL, ESC, tab …), DEL, C1 (U+0080–U+009F, incl. CSI),
  lone surrogates, the Unicode line and paragraph separators and the bidirectional
  embedding, override and isolate controls (text that displays other than it reads);
  a newline only in a type made for lines (`lines=True`);
- a maximum length, counted after trimming;

and, for values a person or a foreign client sends:

- booleans are JSON `true`/`false` (Python `True`/`False`) only: no "yes", no 1;
- a date and time is an ISO 8601 string with its UTC offset (or a `datetime`), never a
  unix number (as number or numeric string); a date is `YYYY-MM-DD` (or a `date`).

Each check holds in Python-mode validation (`model_validate({...})`, which the CLI
uses) and in JSON decoding (Temporal's pydantic data converter) alike. Messages name
the rule, never the value: boundary models also set `hide_input_in_errors`.

Pure: no clock, no I/O. Time-relative checks (not in the past, not years before it was
filed) belong to the workflow's validators, which judge on `workflow.now()`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StrictBool, StringConstraints
from pydantic_core import PydanticCustomError

__all__ = [
    "AREA_PATTERN",
    "SHORT_TEXT",
    "AreaName",
    "IsoDate",
    "IsoDatetime",
    "Ref",
    "ShortId",
    "ShortText",
    "StrictBool",
    "forbidden_character",
    "text",
]

SHORT_TEXT = 200
"""Longest free text we accept for places and reasons: enough to say what, never a dossier."""

_FORBIDDEN = "\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""Every character no boundary text may hold, except the newline (U+000A), which only
line-holding text may hold (see `_forbidden_in`)."""
_FORBIDDEN_IN_LINE = re.compile(f"[\n{_FORBIDDEN}]")
_FORBIDDEN_IN_LINES = re.compile(f"[{_FORBIDDEN}]")

AREA_PATTERN = r"^[0-9A-Za-zÀ-ÖØ-öø-ÿĀ-ſ][0-9A-Za-zÀ-ÖØ-öø-ÿĀ-ſ._ '-]*$"
"""An area (stadsdel, bostadsområde) in Latin letters with the Swedish and other
accented ones (å, ä, ö, é, ü …), digits, space and . _ ' -: "Skäggetorp", "Ryd",
"Gottfridsberg 2"."""


def forbidden_character(value: str, *, lines: bool = False) -> str | None:
    """The first character `value` may not hold, or None when it is clean."""
    match = (_FORBIDDEN_IN_LINES if lines else _FORBIDDEN_IN_LINE).search(value)
    return match.group() if match else None


def _nfc(value: Any) -> Any:
    """Compose before anything is measured or matched; a non-string is left for the
    string schema to refuse with its own message."""
    if isinstance(value, str):
        try:
            return unicodedata.normalize("NFC", value)
        except UnicodeError:  # a lone surrogate: refused below with a clear message
            return value
    return value


def _one_line_breaks(value: Any) -> Any:
    if isinstance(value, str):
        return _nfc(value.replace("\r\n", "\n"))
    return value


def _clean(lines: bool):
    def check(value: str) -> str:
        bad = forbidden_character(value, lines=lines)
        if bad is not None:
            raise PydanticCustomError(
                "control_character",
                "must not contain control characters (found U+{code} at position {position})",
                {"code": f"{ord(bad):04X}", "position": value.index(bad)},
            )
        return value

    return check


def text(max_length: int = SHORT_TEXT, *, min_length: int = 1, lines: bool = False, pattern: str | None = None) -> Any:
    """A text field of a boundary model: NFC, trimmed, not blank, no control
    characters (a newline only with `lines=True`), `min_length` to `max_length`
    characters after trimming, and matching `pattern` when one is given.

    Constraints go here rather than in `Field(...)`: pydantic would apply a Field's
    length to the text before it is trimmed, or not at all."""
    return Annotated[
        str,
        StringConstraints(
            strict=True, strip_whitespace=True, min_length=max(min_length, 1), max_length=max_length, pattern=pattern
        ),
        AfterValidator(_clean(lines)),
        BeforeValidator(_one_line_breaks if lines else _nfc),
    ]


ShortText = text(SHORT_TEXT)
"""Free text on one line: a place, a reason, a name, an address."""

ShortId = text(64)
"""An id from another system without a pattern of ours (a property, a person id)."""

Ref = text(128)
"""A reference from another system or to a record (an external ref, a report or task id)."""

AreaName = text(64, pattern=AREA_PATTERN)
"""The area of a tenancy, and the areas a partner serves: the two must compare equal."""

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise PydanticCustomError(
        "datetime_iso",
        "Input should be a valid datetime: an ISO 8601 string with its UTC offset, e.g. 2026-11-27T23:10:00+01:00",
    )


def _iso_date(value: Any) -> Any:
    if (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and _ISO_DATE.fullmatch(value)
    ):
        return value
    raise PydanticCustomError("date_iso", "Input should be a valid date: an ISO 8601 day, e.g. 2027-03-31")


IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
"""A moment with its offset, sent as an ISO string: a unix number is refused, since
nobody can check what it says in a step's input or a letter."""

IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar day as YYYY-MM-DD."""
