"""The allow-list, proven over generated directories and cases: no payload (nor the document
rendered from it) ever holds a field outside the partner's allow-list or any complainant data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.records import NoticeKind
from partners.directory import Sender, parse_directory
from partners.documents import REQUIRED_FIELDS, DocumentError, render_document
from partners.fields import (
    AGGREGATE_FIELDS,
    AGGREGATE_ONLY_KINDS,
    CASE_FACTS,
    FORBIDDEN_BY_KIND,
    PROTECTED_FIELDS,
    PartnerKind,
    is_protected,
)
from partners.payload import build_payload

MARK = "SECRET-COMPLAINANT"
CASE_KINDS = [k for k in NoticeKind if k not in (NoticeKind.AREA_PICTURE, NoticeKind.COMPLAINANT_REPLY)]
"""What a directory's partners may take: the area picture is aggregate-only, and the
complainant's reply goes to the complainant, who is never in a directory."""
PROTECTED_KEYS = sorted(PROTECTED_FIELDS) + ["complainant_phone", "Complainant", "complainantId"]


@st.composite
def partner_specs(draw, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from([k for k in PartnerKind if k is not PartnerKind.COMPLAINANT]))
    forbidden = FORBIDDEN_BY_KIND.get(kind, frozenset())
    if kind in AGGREGATE_ONLY_KINDS:
        notices = [NoticeKind.AREA_PICTURE]
        pool = sorted(set(AGGREGATE_FIELDS) - forbidden)
    else:
        possible = [k for k in CASE_KINDS if not (REQUIRED_FIELDS.get(k, frozenset()) & forbidden)]
        notices = draw(st.lists(st.sampled_from(possible), min_size=1, max_size=4, unique=True))
        pool = sorted(set(CASE_FACTS) - forbidden)
    fields = set(draw(st.lists(st.sampled_from(pool), max_size=len(pool), unique=True)))
    for notice in notices:
        fields |= REQUIRED_FIELDS.get(notice, frozenset())
    return {
        "id": f"p{index}", "kind": kind.value, "name": f"Partner {index}", "notices": [n.value for n in notices],
        "fields": sorted(fields), "channel": {"type": "email", "address": f"p{index}@x.example"},
    }  # fmt: skip


directories = st.integers(min_value=1, max_value=5).flatmap(
    lambda n: st.tuples(*[partner_specs(i) for i in range(n)])
).map(lambda specs: parse_directory({"partners": list(specs)}, environ={}))

complainant_values = st.builds(
    lambda n: {"person_id": f"{MARK}-id-{n}", "name": f"{MARK}-name-{n}", "contact": f"{MARK}-contact-{n}"},
    st.integers(0, 999),
)
plain = st.one_of(st.integers(-5, 5), st.text("abcåäö -", max_size=12), st.booleans(), st.none())


def nested(depth: int) -> st.SearchStrategy[Any]:
    """Values that may hide a complainant under a protected key at any depth."""
    if depth == 0:
        return plain
    child = nested(depth - 1)
    return st.one_of(
        plain,
        st.lists(child, max_size=3),
        st.dictionaries(st.sampled_from(["occurred_at", "category", "place", "verified", "x"]), child, max_size=3),
        st.dictionaries(st.sampled_from(PROTECTED_KEYS), complainant_values, min_size=1, max_size=2),
    )


facts_strategy = st.dictionaries(
    st.one_of(st.sampled_from(sorted(CASE_FACTS) + sorted(AGGREGATE_FIELDS)), st.text("abc_", min_size=1, max_size=8)),
    nested(3),
    max_size=20,
).flatmap(
    lambda facts: st.dictionaries(st.sampled_from(PROTECTED_KEYS), complainant_values, max_size=3).map(
        lambda protected: {**facts, **protected}
    )
)


def keys_at_every_depth(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_at_every_depth(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_at_every_depth(v)}
    return set()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directory=directories, facts=facts_strategy, kind=st.sampled_from(list(NoticeKind)))
def test_no_payload_ever_holds_a_field_outside_the_allow_list_or_complainant_data(directory, facts, kind):
    for partner in directory.recipients(kind, None) + [p for p in directory.partners if kind in p.notices]:
        payload = build_payload(
            partner_id=partner.id, allowed=partner.fields, notice_id="n-1", kind=kind, case_id="c-1",
            legal_basis="12 kap. 25 § jordabalken", facts=facts,
        )  # fmt: skip
        assert set(payload.facts) <= set(partner.fields)
        assert not any(is_protected(key) for key in keys_at_every_depth(payload.facts))
        wire = json.dumps(payload.envelope(), ensure_ascii=False)
        assert MARK not in wire
        try:
            document = render_document(kind, payload.facts, sender=Sender(), notice_id="n-1", requested_at=datetime.now(UTC))
        except DocumentError:
            continue  # the generated case lacks a fact the document needs: nothing is sent from it
        if document is not None:
            assert MARK not in document.text


def test_a_complainant_nested_inside_an_allowed_field_is_stripped():
    facts = {
        "incidents": [{"place": "trapphus", "complainant": {"name": "Anna"}, "reporter_name": "Anna"}],
        "address": "Storgatan 1",
        "complainant_name": "Anna",
        "tenant_names": ["Bo"],
    }
    payload = build_payload(
        partner_id="p", allowed=("incidents", "address"), notice_id="n", kind=NoticeKind.CRIME_REPORT,
        case_id="c", legal_basis="x", facts=facts,
    )  # fmt: skip
    assert payload.facts == {"incidents": [{"place": "trapphus"}], "address": "Storgatan 1"}
    assert payload.fields == ("address", "incidents")
