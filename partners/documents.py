"""The Swedish documents a notice carries: the formal warning (tillsägelse), its copy to
social services, the notice to social services (underrättelse enligt 12 kap. 25 §
jordabalken), the notice of termination and the action-plan meeting.

Documents are rendered from the partner's *payload*, never from the full facts, so a
document cannot carry more than the allow-list lets through. Templates use
StrictUndefined: a missing fact fails the rendering instead of printing a blank into a
legal letter, and the directory loader refuses a partner whose allow-list lacks a field
its documents need (REQUIRED_FIELDS). The exceptions are DEFERRED_FIELDS (a date or a
meeting not fixed yet when the notice goes): the letter says they follow separately.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from domain.models import Category
from domain.records import NoticeKind

_CORE = frozenset({"tenant_names", "address", "incidents"})

TEMPLATES: dict[NoticeKind, tuple[str, str, dict[str, Any]]] = {
    NoticeKind.WARNING_TO_TENANT: ("tillsagelse.txt.j2", "tillsagelse", {"copy": False}),
    NoticeKind.WARNING_COPY: ("tillsagelse.txt.j2", "tillsagelse-kopia-socialnamnden", {"copy": True}),
    NoticeKind.DISTURBANCE_NOTICE: ("underrattelse_socialnamnden.txt.j2", "underrattelse-socialnamnden", {}),
    NoticeKind.TERMINATION_NOTICE: ("underrattelse_uppsagning.txt.j2", "underrattelse-uppsagning", {}),
    NoticeKind.ACTION_PLAN_MEETING: ("kallelse_handlingsplan.txt.j2", "kallelse-handlingsplan", {}),
}
"""Kinds that carry a document: template, file name stem, extra template variables."""

REQUIRED_FIELDS: dict[NoticeKind, frozenset[str]] = {
    NoticeKind.WARNING_TO_TENANT: _CORE,
    NoticeKind.WARNING_COPY: _CORE,
    NoticeKind.DISTURBANCE_NOTICE: _CORE,
    NoticeKind.TERMINATION_NOTICE: frozenset({"tenant_names", "address", "termination_date", "termination_ground"}),
    NoticeKind.ACTION_PLAN_MEETING: frozenset({"tenant_names", "address", "meeting_at", "meeting_place"}),
}
"""Facts each document uses; a partner taking the kind must allow them."""

DEFERRED_FIELDS: frozenset[str] = frozenset({"termination_date", "meeting_at", "meeting_place"})
"""Facts a document names when the case knows them and otherwise says will follow
("meddelas separat"): the ladder sends the notice at the moment of the decision (termination
approved, prevention track started), before a date or a meeting is fixed. Every other
required fact (who, where, what happened, on what ground) fails the rendering when
missing, and the notice becomes a "deliver by hand" task rather than a letter with a blank."""

TIME_ZONE = "Europe/Stockholm"
"""Dates and times in letters are Swedish local time: an incident at 00:30 belongs to that
night's date, not to the UTC date before."""

TITLES: dict[NoticeKind, str] = {
    NoticeKind.DISTURBANCE_NOTICE: "Underrättelse till socialnämnden om störningar (12 kap. 25 § jordabalken)",
    NoticeKind.WARNING_COPY: "Kopia av tillsägelse till hyresgäst (12 kap. 25 § jordabalken)",
    NoticeKind.WARNING_TO_TENANT: "Tillsägelse att störningarna ska upphöra (12 kap. 25 § jordabalken)",
    NoticeKind.TERMINATION_NOTICE: "Underrättelse om uppsägning av hyresavtal",
    NoticeKind.CRIME_REPORT: "Anmälan om händelse",
    NoticeKind.FIRE_HAZARD: "Brandrisk i fastighet",
    NoticeKind.DAMAGE_CLAIM: "Skadeanmälan",
    NoticeKind.EXTRA_ROUNDS: "Begäran om extra ronder",
    NoticeKind.ACTION_PLAN_MEETING: "Kallelse till möte om handlingsplan",
    NoticeKind.AREA_PICTURE: "Veckobild för området",
    NoticeKind.COMPLAINANT_REPLY: "Din anmälan om störning hanteras",
}

CATEGORY_SV: dict[str, str] = {
    Category.NOISE: "störande ljud",
    Category.THREATS_OR_HARASSMENT: "hot eller trakasserier",
    Category.VIOLENCE: "våld",
    Category.DRUGS: "narkotika",
    Category.PROPERTY_DAMAGE: "skadegörelse",
    Category.FIRE_HAZARD: "brandrisk",
    Category.SANITATION: "bristande sanitära förhållanden",
    Category.OTHER: "annan störning",
}

MEDIA_TYPE = "text/plain; charset=utf-8"


class DocumentError(Exception):
    """A document could not be rendered (a fact it needs is missing)."""


@dataclass(frozen=True)
class Document:
    filename: str
    media_type: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _as_datetime(value: Any) -> datetime | date | None:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
    return None


@functools.cache
def _local_zone() -> tzinfo | None:
    try:
        return ZoneInfo(TIME_ZONE)
    except ZoneInfoNotFoundError:  # no tz database: keep the offset the fact was given in
        return None


def _local(value: datetime) -> datetime:
    zone = _local_zone()
    return value.astimezone(zone) if zone is not None and value.tzinfo is not None else value


def _datum(value: Any) -> str:
    parsed = _as_datetime(value)
    if parsed is None:
        return str(value)
    return (_local(parsed).date() if isinstance(parsed, datetime) else parsed).isoformat()


def _tid(value: Any) -> str:
    parsed = _as_datetime(value)
    if isinstance(parsed, datetime):
        return _local(parsed).strftime("%Y-%m-%d kl. %H:%M")
    return _datum(value)


def _namn(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " och ".join(str(v) for v in value) if value else "-"
    return str(value)


def _kategori(value: Any) -> str:
    return CATEGORY_SV.get(str(value), str(value))


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items())
    return str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("partners", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text letters, never HTML
        keep_trailing_newline=True,
    )
    env.filters.update(datum=_datum, tid=_tid, namn=_namn, kategori=_kategori, text=_text)
    return env


_ENV = _environment()


def _normalise_incidents(incidents: Any) -> list[dict[str, Any]]:
    if not isinstance(incidents, (list, tuple)):
        return []
    return [
        {
            "occurred_at": item.get("occurred_at", "-"),
            "category": item.get("category", "other"),
            "place": item.get("place"),
            "verified": item.get("verified"),
        }
        for item in incidents
        if isinstance(item, dict)
    ]


def render_document(
    kind: NoticeKind, payload_facts: dict[str, Any], *, sender: Any, notice_id: str, requested_at: datetime
) -> Document | None:
    """The document for `kind` rendered from the facts a partner may receive, or None if
    the kind has no document."""
    spec = TEMPLATES.get(kind)
    if spec is None:
        return None
    template_name, stem, extra = spec
    present = {key for key, value in payload_facts.items() if value not in (None, "", [], ())}
    missing = sorted(REQUIRED_FIELDS[kind] - DEFERRED_FIELDS - present)
    if missing:
        raise DocumentError(f"{kind.value} document needs facts {', '.join(missing)}")
    context = {**payload_facts, **extra, "sender": sender, "notice_id": notice_id, "requested_at": requested_at}
    if "incidents" in context:
        context["incidents"] = _normalise_incidents(context["incidents"])
    try:
        text = _ENV.get_template(template_name).render(context)
    except jinja2.UndefinedError as error:
        raise DocumentError(f"{kind.value} document: {error.message}") from None
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return Document(filename=f"{stem}-{_safe(notice_id)}.txt", media_type=MEDIA_TYPE, text=text)


def render_email_body(
    kind: NoticeKind, payload_facts: dict[str, Any], *, sender: Any, notice_id: str, has_document: bool
) -> str:
    return _ENV.get_template("epost.txt.j2").render(
        title=TITLES.get(kind, kind.value),
        facts=payload_facts,
        sender=sender,
        notice_id=notice_id,
        has_document=has_document,
    )


def render_complainant_reply(payload_facts: dict[str, Any], *, sender: Any, notice_id: str) -> str:
    """The reply to a complainant, the e-mail's whole text (no attachment)."""
    return _ENV.get_template("aterkoppling_anmalare.txt.j2").render(
        {**payload_facts, "sender": sender, "notice_id": notice_id}
    )


def _safe(value: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in value)[:80]
