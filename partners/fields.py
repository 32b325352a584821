"""The vocabulary of facts a notice can carry, and the fields that never leave.

The ladder puts every fact it knows into `NoticeRequest.facts` under these names; each
partner's allow-list picks from them. Naming the vocabulary lets the directory loader
refuse a misspelt allow-list entry ("adress") instead of silently sending less, and lets
it refuse, per kind of partner, fields DOMAIN.md says that kind may never receive.
"""

from __future__ import annotations

from enum import StrEnum


class PartnerKind(StrEnum):
    """Kinds of recipient (DOMAIN.md, "The partners")."""

    SOCIAL_SERVICES = "social_services"  # socialtjänsten / socialnämnden
    POLICE = "police"  # polisen
    FIRE_AND_RESCUE = "fire_and_rescue"  # räddningstjänsten
    INTERNAL_FIRE_SAFETY_OFFICER = "internal_fire_safety_officer"  # brand- och säkerhetsansvarig
    INSURER = "insurer"  # försäkringsbolag
    SECURITY_COMPANY = "security_company"  # vaktbolag, störningsjour
    AREA_PARTNERSHIP = "area_partnership"  # områdessamverkan, other property owners
    ASSOCIATION = "association"  # föreningsliv
    LETTER_DISPATCH = "letter_dispatch"  # the mailroom or hybrid-mail service that posts letters to tenants
    COMPLAINANT = "complainant"  # the one who reported: found in the register, never in the directory


CASE_FACTS: dict[str, str] = {
    # identity of the tenancy (ids are pseudonymous; names and address are personal data)
    "tenancy_id": "the case system's tenancy id",
    "property_id": "the property id",
    "area": "the area (område)",
    "address": "street address of the home, e.g. 'Storgatan 1 B, 582 22 Linköping'",
    "apartment_number": "lägenhetsnummer",
    "tenant_names": "list of the tenants' names (for letters and social services)",
    "tenant_ids": "list of pseudonymous person ids of the tenants",
    # the disturbance
    "category": "Category code of the case",
    "severity": "Severity code",
    "place": "where the latest incident happened (stairwell, yard, flat); free text, screened for complainants",
    "report_id": "Trygg's id of one report (the complainant's reply names their own report)",
    "received_at": "ISO time the report was received",
    "occurred_at": "ISO time of the latest incident",
    "incidents": "list of {occurred_at, category, place, verified}: the disturbances the notice rests on",
    "report_count": "number of reports on the case",
    "verified_report_count": "number of verified reports",
    "incident_summary": "a short factual description written by staff (no complainant, no diagnoses)",
    # the ladder's steps
    "warned_at": "date the formal warning (tillsägelse) was sent",
    "correction_deadline": "date by which disturbances must have stopped, if policy names one",
    "termination_date": "date the lease ends (or was terminated)",
    "termination_ground": "the ground for termination, in words",
    "meeting_at": "ISO time of the action-plan meeting",
    "meeting_place": "where the action-plan meeting is held; free text, screened for complainants",
    # fire hazards, damage and extra rounds
    "hazard": "the fire hazard (hoarding, blocked escape route, ...)",
    "urgency": "immediate | within_days | next_inspection",
    "damage_description": "what was damaged, for an insurance claim",
    "damage_at": "ISO time the damage happened or was found",
    "window_start": "start of the time window for extra rounds",
    "window_end": "end of the time window for extra rounds",
    # who at the landlord to contact
    "coordinator_id": "staff id of the case owner",
    "contact_phone": "the team's phone number for this case",
}
"""Fact names a case notice may carry, with what each means (the README's field table)."""

AGGREGATE_FIELDS: dict[str, str] = {
    "areas": "list of per-area summaries, each holding the other allowed aggregate fields",
    "period_start": "start of the week summarised",
    "period_end": "end of the week summarised",
    "area": "the area",
    "report_count": "reports received in the area in the period",
    "reports_by_category": "{category: count}",
    "reports_by_place": "list of {place, category, count}",
    "new_cases": "cases opened in the period",
    "open_cases": "cases open at the end of the period",
}
"""Fields of an area picture: counts only, never a tenancy, a person or a case id."""

KNOWN_FIELDS = frozenset(CASE_FACTS) | frozenset(AGGREGATE_FIELDS)

PROTECTED_FIELDS = frozenset(
    {
        "complainant",
        "complainants",
        "reporter",
        "reporter_name",
        "reporter_contact",
        "reported_by",
        "witness",
        "witnesses",
        "person_id",
        "name",
        "contact",
        "external_ref",
    }
)
"""Keys that never leave, at any depth, whatever a directory says: the complainant's
identity (DOMAIN.md: never sent to a partner). `name`/`contact`/`person_id` are the
fields of `Complainant`, so a complainant object nested under any key is stripped too."""


def is_protected(field: str) -> bool:
    """True for the complainant's data: anything named complainant*, or in the deny-set."""
    key = field.strip().lower()
    return key.startswith("complainant") or key in PROTECTED_FIELDS


HISTORY_FIELDS = frozenset(
    {
        "tenant_names",
        "tenant_ids",
        "incidents",
        "report_count",
        "verified_report_count",
        "incident_summary",
        "warned_at",
        "correction_deadline",
        "termination_date",
        "termination_ground",
        "meeting_at",
        "meeting_place",
    }
)
"""Social and disturbance history: who lives there, what they did, what the landlord did."""

FORBIDDEN_BY_KIND: dict[PartnerKind, frozenset[str]] = {
    PartnerKind.FIRE_AND_RESCUE: HISTORY_FIELDS,
    PartnerKind.INSURER: HISTORY_FIELDS,
    PartnerKind.SECURITY_COMPANY: HISTORY_FIELDS,
    PartnerKind.POLICE: HISTORY_FIELDS - {"incident_summary"},
    PartnerKind.AREA_PARTNERSHIP: frozenset(CASE_FACTS) - frozenset(AGGREGATE_FIELDS),
    PartnerKind.ASSOCIATION: frozenset(CASE_FACTS) - frozenset(AGGREGATE_FIELDS),
}
"""What a kind of partner may never be allowed, whatever the directory says (DOMAIN.md's
"limits" column): no history to fire, insurer or security company; the police get the
incident, not the social file; the area partnership and associations get aggregates only."""

AGGREGATE_ONLY_KINDS = frozenset({PartnerKind.AREA_PARTNERSHIP, PartnerKind.ASSOCIATION})

REPLY_FIELDS: tuple[str, ...] = ("category", "place", "received_at", "report_id")
"""All a complainant hears back: their own report, recognisably. Nothing of the tenant,
the case's course or its other reports."""
