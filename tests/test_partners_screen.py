"""The screen on what leaves (partners/screen.py), pure: every common writing of a
complainant's name, e-mail, phone number and person id is cut; ordinary words are not."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.screen import MARKER, Identity, Screen, fold

ANNA = Identity(person_id="19850312-1234", name="Anna-Karin Öberg", contact="070-123 45 67")
PER = Identity(person_id="neighbour-7", name="Per Ek", contact="per.ek@example.se")
SCREEN = Screen.of([ANNA, PER])


@pytest.mark.parametrize(
    "typed",
    [
        "070-123 45 67", "0701234567", "070 123 45 67", "070-1234567", "+46 70 123 45 67", "+46701234567",
        "46701234567", "0046 70 123 45 67", "+46 (0)70-123 45 67", "(070) 123 45 67", "070.123.45.67",
        "７０１２３４５６７",  # full-width digits, NFKC makes them ASCII
    ],
)  # fmt: skip
def test_every_common_swedish_writing_of_the_phone_number_is_cut(typed):
    text, cut = SCREEN.text(f"ring {typed} efter kl. 18")
    assert cut and "ring " + MARKER in text and text.endswith("efter kl. 18")


@pytest.mark.parametrize("typed", ["19850312-1234", "850312-1234", "198503121234", "8503121234", "850312+1234", "850312 1234"])
def test_a_personnummer_is_cut_with_or_without_century_and_separator(typed):
    assert SCREEN.text(f"pnr {typed}.") == (f"pnr {MARKER}.", True)


@pytest.mark.parametrize(
    "typed",
    ["Anna-Karin", "anna-karin", "ANNA", "Karin", "Öberg", "öberg", "OBERG", "Obergs", "Annas", "Per", "Ek", "eks",
     "per.ek@example.se", "PER.EK@EXAMPLE.SE", "per.ek", "neighbour-7", "NEIGHBOUR-7",
     unicodedata.normalize("NFD", "Öberg")],
)  # fmt: skip
def test_names_e_mail_and_ids_are_cut_in_any_case_and_unicode_form(typed):
    text, cut = SCREEN.text(f"vid {typed} dörr")
    assert cut, typed
    assert text == f"vid {MARKER} dörr"


@pytest.mark.parametrize(
    "ordinary",
    ["ekdörr", "Ekholm", "annan", "Karins2", "Perssons", "trapphus B", "2026-11-27 kl. 23:10", "lgh 1201", "070"],
)
def test_a_name_part_inside_another_word_and_short_numbers_are_not_cut(ordinary):
    assert SCREEN.text(ordinary) == (ordinary, False)


def test_the_tenants_own_name_parts_are_kept():
    screen = Screen.of([Identity(name="Eva Andersson")], keep=["Bo Andersson"])
    assert screen.text("Bo Andersson, Eva Andersson") == (f"Bo Andersson, {MARKER} Andersson", True)


def test_a_screen_without_identities_changes_nothing():
    screen = Screen.of([Identity()])
    assert screen.empty
    assert screen.value({"place": "Anna"}) == ({"place": "Anna"}, False)


def test_facts_are_screened_at_every_depth_and_the_changed_facts_named():
    facts = {
        "place": "utanför Pers dörr",
        "incidents": [{"place": "gård", "category": "noise"}, {"place": "ring 0701234567", "category": "noise"}],
        "report_count": 2,
        "tenant_names": ["Bo Bengtsson"],
    }
    screened, changed = SCREEN.facts(facts)
    assert changed == {"place", "incidents"}
    assert screened["place"] == f"utanför {MARKER} dörr"
    assert screened["incidents"][1]["place"] == f"ring {MARKER}"
    assert screened["incidents"][0] == {"place": "gård", "category": "noise"}
    assert screened["report_count"] == 2 and screened["tenant_names"] == ["Bo Bengtsson"]


LETTERS = st.sampled_from("abcdefghijklmnoprstuvyåäö")
NAME_PART = st.text(LETTERS, min_size=3, max_size=8).map(str.capitalize)
WORDS = st.lists(st.sampled_from(["trapphus", "B", "vid", "tvättstugan", "3 tr", "gården", "kl. 23", "lgh"]), max_size=4)


def _spell(draw, value: str) -> str:
    form = draw(st.sampled_from(["NFC", "NFD"]))
    case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    return unicodedata.normalize(form, case(value))


def _phone_writing(draw, national: str) -> str:
    a, b = national[:2], national[2:]
    return draw(
        st.sampled_from(
            [f"0{a}-{b[:3]} {b[3:5]} {b[5:]}", f"0{national}", f"+46 {a} {b[:3]} {b[3:5]} {b[5:]}", f"46{national}",
             f"+46{national}", f"0046 {a}-{b}", f"(0{a}) {b}"]
        )
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_whatever_position_and_spelling_no_identity_survives(data):
    first, last = data.draw(NAME_PART), data.draw(NAME_PART)
    national = "7" + data.draw(st.text("0123456789", min_size=8, max_size=8))
    local = data.draw(st.text(LETTERS.filter(str.isascii), min_size=4, max_size=8))
    identity = Identity(person_id=None, name=f"{first} {last}", contact=f"0{national}")
    mail = Identity(contact=f"{local}@example.se")
    screen = Screen.of([identity, mail])
    pieces = data.draw(WORDS)
    typed = data.draw(
        st.sampled_from(
            [_spell(data.draw, first), _spell(data.draw, last), _spell(data.draw, f"{first} {last}"),
             _phone_writing(data.draw, national), _spell(data.draw, f"{local}@example.se"), _spell(data.draw, first) + "s"]
        )
    )  # fmt: skip
    at = data.draw(st.integers(0, len(pieces)))
    text = " ".join([*pieces[:at], typed, *pieces[at:]])
    out, cut = screen.text(text)
    assert cut
    folded = fold(out)
    for word in (first, last, local):
        assert fold(word) not in folded.split(), (text, out)
    assert national not in "".join(c for c in out if c.isdigit()), (text, out)
    for piece in pieces:  # the ordinary words around it stay
        assert piece in out or fold(piece) in fold(out).replace(fold(MARKER), "")
