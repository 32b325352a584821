"""The screen on everything that leaves: a complainant's identity typed into free text is
cut out before a notice, a document, a reply or an area picture goes.

The allow-lists (partners/payload.py) keep the complainant's *fields* in the register;
this keeps their *identity* out of the other fields, whatever staff or a case system
typed into `place`, `meeting_place` or a tenancy's address. It is pure: the caller reads
the identities from the register at the moment of sending and hands them in.

The matching rule (README, "The screen on what leaves"):

- text is compared Unicode-normalised (NFKC), case-insensitively and without diacritics
  (å ä ö é match a o o e), so "ÅSA", "åsa", "Asa" and a decomposed "Åsa" are one spelling;
- a **name part** (the name split on spaces and hyphens, the hyphenated whole kept too)
  of two letters or more matches as a whole word, with an optional Swedish genitive
  ("Annas", "Lars'", "SVT:s"): "Ek" cuts "Ek" and "eks" but not "ekdörr" or "Ekholm".
  Name parts that are also parts of the tenants' own names (`keep`) are not cut: the
  letter to "Bo Andersson" keeps "Andersson" when a neighbour is an Andersson too, and
  the tenant's name says nothing about who complained;
- an **e-mail address** matches whole, and its local part (four characters or more) as a
  word of its own;
- a **phone number** (six digits or more) matches in any common Swedish writing: with a
  leading 0, +46, 0046 or 46, "(0)", and any spaces, hyphens, dots, slashes or brackets
  between the digits: 070-123 45 67, 0701234567, +46 70 123 45 67, 46701234567,
  (070) 123 45 67;
- a **person id**: a personnummer (10 or 12 digits) in any writing (with or without the
  century, a hyphen, a plus or a space); any other id as a whole word;
- any other contact (neither e-mail nor phone) matches as a whole phrase.

A match is replaced by MARKER. The screen cuts, it never adds: output is the input
(normalised only where something was cut).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MARKER = "[uppgift borttagen]"
"""What a cut identity becomes, in every language the notice is in."""

MIN_NAME_PART = 2
MIN_EMAIL_LOCAL = 4
MIN_PHONE_DIGITS = 6

_SEPARATORS = r"[\s\-./()]*"
_PHONE_PREFIX = r"(?:(?:\+|00)\s*46[\s\-.]*(?:\(0\)[\s\-.]*)?|46[\s\-.]*|\(?0)?"
_GENITIVE = r"(?:s|'s|’s|:s|'|’)?"
_WORD_BEFORE = r"(?<!\w)"
_WORD_AFTER = r"(?!\w)"


@dataclass(frozen=True)
class Identity:
    """What is known of one complainant: any of the three may be missing."""

    person_id: str | None = None
    name: str | None = None
    contact: str | None = None


def _fold_char(char: str) -> str:
    """One character, lower-cased and without diacritics, always one character long (so
    positions in the folded text are positions in the text)."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if len(base) != 1:
        base = char
    lower = base.lower()
    return lower if len(lower) == 1 else base


def fold(text: str) -> str:
    """The form texts are compared in: NFKC, then each character folded on its own."""
    return "".join(_fold_char(c) for c in unicodedata.normalize("NFKC", text))


def name_parts(name: str) -> set[str]:
    """The parts a name is matched by: words split on spaces, hyphenated words whole and
    split, each of MIN_NAME_PART letters or more."""
    parts: set[str] = set()
    for word in fold(name).split():
        word = word.strip(".,;:()\"'")
        pieces = [word, *word.split("-")]
        parts.update(p for p in pieces if sum(ch.isalpha() for ch in p) >= MIN_NAME_PART)
    return parts


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())


def _national_number(contact: str) -> str | None:
    """The digits of a Swedish phone number without the country code or trunk 0, or None
    when `contact` is no phone number."""
    if not re.fullmatch(r"[\d\s\-./()+]+", unicodedata.normalize("NFKC", contact).strip()):
        return None
    digits = _digits(contact)
    if digits.startswith("0046"):
        digits = digits[4:]
    elif digits.startswith("46") and len(digits) >= 11:
        digits = digits[2:]
    digits = digits.removeprefix("0")
    return digits if len(digits) >= MIN_PHONE_DIGITS else None


def _phone_pattern(national: str) -> str:
    return r"(?<!\d)" + _PHONE_PREFIX + _SEPARATORS.join(re.escape(d) for d in national) + r"(?!\d)"


def _person_id_pattern(person_id: str) -> str | None:
    digits = _digits(person_id)
    if re.fullmatch(r"[\d\s\-+]+", person_id.strip()) and len(digits) in (10, 12):
        core = digits[-10:]
        century = r"(?:\d\d)?"
        head, tail = core[:6], core[6:]
        return (
            r"(?<!\d)" + century + _SEPARATORS.join(head) + r"[\s\-+]*" + _SEPARATORS.join(tail) + r"(?!\d)"
        )
    return None


def _word(text: str) -> str:
    return _WORD_BEFORE + re.escape(text) + _WORD_AFTER


@dataclass
class Screen:
    """A compiled screen for the complainants of one case (or of one area picture)."""

    identities: tuple[Identity, ...]
    keep: frozenset[str] = frozenset()
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        whole: set[str] = set()  # contacts and ids: tried before any name part
        names: set[str] = set()
        kept = set().union(*(name_parts(k) for k in self.keep)) if self.keep else set()
        for identity in self.identities:
            if identity.name:
                names.update(name_parts(identity.name) - kept)
            if identity.contact:
                whole.update(_contact_patterns(identity.contact))
            if identity.person_id and identity.person_id.strip():
                pattern = _person_id_pattern(identity.person_id)
                whole.add(pattern or _word(fold(identity.person_id.strip())))
        # Longest name first, so "anna-karin" is cut whole rather than as "anna" and "karin".
        ordered = sorted(whole, key=len, reverse=True) + [
            _WORD_BEFORE + re.escape(part) + _GENITIVE + _WORD_AFTER for part in sorted(names, key=len, reverse=True)
        ]
        if ordered:
            self._pattern = re.compile("|".join(ordered))

    @classmethod
    def of(cls, identities: Iterable[Identity | Any], keep: Iterable[str] = ()) -> "Screen":
        """From Identity objects or anything with person_id/name/contact (a Complainant)."""
        found = tuple(
            i if isinstance(i, Identity) else Identity(i.person_id, i.name, i.contact) for i in identities
        )
        return cls(found, frozenset(k for k in keep if isinstance(k, str)))

    @property
    def empty(self) -> bool:
        return self._pattern is None

    def text(self, value: str) -> tuple[str, bool]:
        """`value` with every match cut; True when something was."""
        if self._pattern is None:
            return value, False
        normal = unicodedata.normalize("NFKC", value)
        folded = "".join(_fold_char(c) for c in normal)
        spans = [m.span() for m in self._pattern.finditer(folded) if m.end() > m.start()]
        if not spans:
            return value, False
        out, last = [], 0
        for start, end in spans:
            out.append(normal[last:start])
            out.append(MARKER)
            last = end
        out.append(normal[last:])
        return "".join(out), True

    def value(self, value: Any) -> tuple[Any, bool]:
        """A JSON-like value with every string in it screened (dict keys are Trygg's own
        vocabulary and stay); True when something was cut."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            cut = False
            out: dict[Any, Any] = {}
            for key, item in value.items():
                out[key], changed = self.value(item)
                cut = cut or changed
            return out, cut
        if isinstance(value, (list, tuple)):
            items = [self.value(v) for v in value]
            screened = [v for v, _ in items]
            return (tuple(screened) if isinstance(value, tuple) else screened), any(cut for _, cut in items)
        return value, False

    def facts(self, facts: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
        """Screened facts, and the names of the top-level facts in which something was cut."""
        out: dict[str, Any] = {}
        changed: set[str] = set()
        for key, item in facts.items():
            out[key], cut = self.value(item)
            if cut:
                changed.add(key)
        return out, frozenset(changed)


def _contact_patterns(contact: str) -> set[str]:
    contact = contact.strip()
    if not contact:
        return set()
    folded = fold(contact)
    if "@" in folded:
        local = folded.split("@", 1)[0]
        patterns = {r"(?<![\w.+-])" + re.escape(folded) + r"(?![\w-]|\.\w)"}
        if len(local) >= MIN_EMAIL_LOCAL:
            patterns.add(r"(?<![\w.+-])" + re.escape(local) + r"(?![\w-]|\.\w)")
        return patterns
    national = _national_number(contact)
    if national is not None:
        return {_phone_pattern(national)}
    return {_word(folded)} if len(folded) >= MIN_NAME_PART else set()
