"""Hypothesis strategies for instances of a pydantic model's JSON schema, with text
drawn from an alphabet that includes what a careless or hostile client sends.

hypothesis-jsonschema 0.23.1 no longer runs on the Hypothesis we pin (it calls an
internal API that has changed), so this covers the keywords Trygg's boundary models
produce: $ref/$defs, object (properties, required, additionalProperties false), anyOf,
enum, string (minLength, maxLength, pattern, format date-time and date), boolean,
integer, number, array (items, minItems, maxItems).

The JSON schema says "string of 1 to 200 characters"; the text rules (no control
characters, not blank) live in validators, not in the schema. So strings without a
pattern are drawn from every code point plus a weighted set of the characters that
once froze a case (NUL), reach a terminal (ESC, CSI), or say nothing (spaces only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

HOSTILE = [
    "\x00", "\x1b", "\x1b[31m", "\x07", "\x08", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x7f",
    "\x85", "\x9b", "\x9f", "\u00a0", "\u2028", "\u2029", "\u202e", "\u2066", "\ufeff", "\ud800", "\udfff",
    " ", "  ", "ä", "Å", "é", "a\u0308",
]  # fmt: skip
"""Control characters (C0, DEL, C1), line separators, bidi overrides, lone surrogates,
whitespace and combining letters."""

_OFFSET = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_CLEAN = st.characters(categories=["L", "M", "N", "P", "S", "Zs", "Co"])
"""Letters of every script, marks, digits, punctuation, symbols, spaces, private use:
what a person may write. No control (Cc), format (Cf) or surrogate (Cs) characters."""


@st.composite
def _text(draw: st.DrawFn, min_size: int, max_size: int) -> str:
    """Mostly clean text; one string in eight carries hostile characters, is blank,
    or is drawn from every code point, so most instances of a model stay valid while
    each bad kind still comes up often."""
    clean = draw(st.text(alphabet=_CLEAN, min_size=min_size, max_size=max_size))
    match draw(st.integers(min_value=0, max_value=7)):
        case 0:
            for _ in range(draw(st.integers(min_value=1, max_value=3))):
                at = draw(st.integers(min_value=0, max_value=len(clean)))
                clean = clean[:at] + draw(st.sampled_from(HOSTILE)) + clean[at:]
            return clean
        case 1:
            blank = st.text(alphabet=st.sampled_from(" \t\n\u00a0\u3000"), min_size=1, max_size=max(max_size, 1))
            return draw(st.one_of(blank, st.text(min_size=min_size, max_size=max_size)))
    return clean


def _datetimes() -> st.SearchStrategy[str]:
    moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=_OFFSET)
    return st.one_of(moments.map(datetime.isoformat), st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat))


def _dates() -> st.SearchStrategy[str]:
    return st.dates(min_value=date(1000, 1, 1)).map(date.isoformat)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Instances of `schema` (a pydantic model's `model_json_schema()`)."""
    return _strategy(schema, schema.get("$defs", {}))


def _strategy(node: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        return st.deferred(lambda: _strategy(defs[node["$ref"].rsplit("/", 1)[-1]], defs))
    if "anyOf" in node:
        return st.one_of(*(_strategy(option, defs) for option in node["anyOf"]))
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "const" in node:
        return st.just(node["const"])
    kind = node.get("type")
    if kind == "object":
        return _object(node, defs)
    if kind == "array":
        items = _strategy(node.get("items", {}), defs)
        return st.lists(items, min_size=node.get("minItems", 0), max_size=min(node.get("maxItems", 4), 4))
    if kind == "string":
        return _string(node)
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=node.get("minimum"), max_value=node.get("maximum"))
    if kind == "number":
        return st.floats(min_value=node.get("minimum"), max_value=node.get("maximum"), allow_nan=False)
    if kind == "null":
        return st.none()
    raise SchemaNotCovered(f"schema keyword not covered: {sorted(node)}")


class SchemaNotCovered(Exception):
    """A model's JSON schema uses a keyword these strategies do not draw: the test that
    asked fails loudly, rather than testing the model with inputs it never sees."""


def _string(node: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = node.get("minLength", 0), node.get("maxLength", 300)
    if node.get("format") == "date-time":
        return _datetimes()
    if node.get("format") == "date":
        return _dates()
    if "pattern" in node:
        pattern = st.from_regex(node["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
        return st.one_of(pattern, pattern.map(lambda s: f" {s}\n"))
    return _text(low, high)


@st.composite
def _object(draw: st.DrawFn, node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    required = set(node.get("required", ()))
    result = {}
    for name, sub in node.get("properties", {}).items():
        if name in required or draw(st.booleans()):
            result[name] = draw(_strategy(sub, defs))
    return result
