"""Building what leaves: the one place a notice's facts are cut down to a partner's allow-list.

Two rules, applied here at the moment of sending and nowhere else trusted:
1. only top-level facts named in the partner's `fields` are kept;
2. the complainant's data (partners.fields.is_protected) is removed at every depth,
   even inside an allowed field, whatever the directory says.
The facts arrive already screened (partners/screen.py, in activities.notify): a
complainant's identity typed into free text is cut before any of this. The disclosure
log records exactly the `fields` of the Payload built here, and whether it was screened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from domain.records import NoticeKind
from partners.fields import is_protected


@dataclass(frozen=True)
class Payload:
    """What one partner receives for one notice."""

    notice_id: str
    partner_id: str
    kind: NoticeKind
    case_id: str | None
    legal_basis: str
    facts: dict[str, Any]
    redacted: bool = False
    """The screen (partners/screen.py) cut a complainant's identity out of these facts."""

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(sorted(self.facts))

    def envelope(self) -> dict[str, Any]:
        """The JSON object a webhook receives (without the document)."""
        return {
            "notice_id": self.notice_id,
            "partner_id": self.partner_id,
            "kind": self.kind.value,
            "case_id": self.case_id,
            "legal_basis": self.legal_basis,
            "facts": self.facts,
        }


def strip_protected(value: Any) -> Any:
    """A JSON-ready copy of `value` with every protected key removed at every depth."""
    if isinstance(value, dict):
        return {str(k): strip_protected(v) for k, v in value.items() if not is_protected(str(k))}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [strip_protected(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return strip_protected(value.model_dump(mode="json"))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def select_facts(allowed: tuple[str, ...] | frozenset[str], facts: dict[str, Any]) -> dict[str, Any]:
    """The facts a partner may receive: allowed, present, and never the complainant's."""
    allow = frozenset(allowed)
    return {key: strip_protected(value) for key, value in facts.items() if key in allow and not is_protected(key)}


def build_payload(
    *,
    partner_id: str,
    allowed: tuple[str, ...] | frozenset[str],
    notice_id: str,
    kind: NoticeKind,
    case_id: str | None,
    legal_basis: str,
    facts: dict[str, Any],
    redacted_facts: frozenset[str] = frozenset(),
) -> Payload:
    """`facts` are already screened; `redacted_facts` names those the screen cut, so the
    payload knows whether anything cut is among what this partner receives."""
    selected = select_facts(allowed, facts)
    return Payload(
        notice_id=notice_id,
        partner_id=partner_id,
        kind=kind,
        case_id=case_id,
        legal_basis=legal_basis,
        facts=selected,
        redacted=bool(redacted_facts & selected.keys()),
    )


def canonical_json(value: Any) -> bytes:
    """The exact bytes that are signed and sent (compact, UTF-8, sorted keys)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
