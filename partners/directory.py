"""The partner directory: who receives which notices, through which channel, with which fields.

A TOML file (`TRYGG_PARTNERS_FILE`, example in deploy/partners.example.toml), validated in
full at start-up: a file that names an unknown field, allows a complainant field, gives a
kind of partner a field DOMAIN.md forbids it, or lacks a secret, is refused with the
partner's id and the field in the message. Secrets may be given by the name of an
environment variable (`secret_env`), so the file itself can be checked in.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    StrictFloat,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.records import NoticeKind
from domain.text import SHORT_TEXT, AreaName, ShortText, text
from partners.documents import REQUIRED_FIELDS
from partners.fields import (
    AGGREGATE_ONLY_KINDS,
    FORBIDDEN_BY_KIND,
    KNOWN_FIELDS,
    REPLY_FIELDS,
    PartnerKind,
    is_protected,
)

EMAIL_PATTERN = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"

EmailAddress = text(254, pattern=EMAIL_PATTERN)
"""An address for mail headers: the pattern keeps out spaces and separators, the text
hygiene every other control character (a NUL or ESC in a header is an injection)."""


class DirectoryError(Exception):
    """The partner directory is missing or invalid; the message names partner and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class _Secret(_Strict):
    """A signing secret given inline (`secret`) or by environment variable (`secret_env`)."""

    secret: SecretStr | None = Field(default=None, min_length=16)
    secret_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")

    @model_validator(mode="before")
    @classmethod
    def _resolve_env(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and data.get("secret_env") and not data.get("secret"):
            environ: Mapping[str, str] = (info.context or {}).get("environ", os.environ)
            name = data["secret_env"]
            if not environ.get(name):
                raise ValueError(f"secret_env: environment variable {name} is not set")
            data = {**data, "secret": environ[name]}
        return data

    def secret_bytes(self) -> bytes | None:
        return self.secret.get_secret_value().encode() if self.secret else None


class WebhookChannel(_Secret):
    """JSON POST, signed with the partner's secret (required)."""

    type: Literal["webhook"]
    url: HttpUrl
    timeout_seconds: StrictFloat = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _needs_secret(self) -> "WebhookChannel":
        if self.secret is None:
            raise ValueError("secret: a webhook needs `secret` or `secret_env`")
        return self


class EmailChannel(_Secret):
    """E-mail through the configured SMTP server; a secret is only needed for acknowledgements."""

    type: Literal["email"]
    address: EmailAddress


Channel = Annotated[WebhookChannel | EmailChannel, Field(discriminator="type")]


class Partner(_Strict):
    """One recipient. `fields` is the allow-list: nothing else of a case ever reaches it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    kind: PartnerKind
    name: ShortText
    channel: Channel
    notices: tuple[NoticeKind, ...] = Field(min_length=1)
    fields: tuple[str, ...] = ()
    areas: tuple[AreaName, ...] | None = Field(
        default=None,
        description="Only cases whose facts name one of these areas (written as the case's area is); unset = all.",
    )

    @field_validator("fields")
    @classmethod
    def _allowed_fields(cls, fields: tuple[str, ...]) -> tuple[str, ...]:
        for field in fields:
            if is_protected(field):
                raise ValueError(f"{field!r} is the complainant's data and is never sent to a partner")
            if field not in KNOWN_FIELDS:
                raise ValueError(f"{field!r} is not a known fact (see partners/fields.py)")
        if len(set(fields)) != len(fields):
            raise ValueError("a field is listed twice")
        return fields

    @model_validator(mode="after")
    def _limits_of_kind(self) -> "Partner":
        forbidden = sorted(set(self.fields) & FORBIDDEN_BY_KIND.get(self.kind, frozenset()))
        if forbidden:
            raise ValueError(f"fields: a {self.kind.value} partner may not receive {', '.join(forbidden)}")
        aggregate_only = self.kind in AGGREGATE_ONLY_KINDS
        replying = self.kind is PartnerKind.COMPLAINANT
        if replying and (self.notices != (NoticeKind.COMPLAINANT_REPLY,) or not set(self.fields) <= set(REPLY_FIELDS)):
            raise ValueError(f"a complainant receives complainant_reply only, with at most {', '.join(REPLY_FIELDS)}")
        for notice in self.notices:
            if notice is NoticeKind.COMPLAINANT_REPLY and not replying:
                raise ValueError("notices: complainant_reply goes to the report's complainant, never to a partner")
            if aggregate_only and notice is not NoticeKind.AREA_PICTURE:
                raise ValueError(f"notices: a {self.kind.value} partner receives aggregates only, not {notice.value}")
            if notice is NoticeKind.AREA_PICTURE and not aggregate_only:
                raise ValueError("notices: area_picture goes to area_partnership and association partners only")
            missing = sorted(REQUIRED_FIELDS.get(notice, frozenset()) - set(self.fields))
            if missing:
                raise ValueError(f"fields: the {notice.value} document needs {', '.join(missing)}")
        return self

    def takes(self, kind: NoticeKind, area: str | None) -> bool:
        """Whether this partner receives `kind` for a case in `area`."""
        if kind not in self.notices:
            return False
        return self.areas is None or (area is not None and area in self.areas)

    def signing_secret(self) -> bytes | None:
        return self.channel.secret_bytes()


class Sender(_Strict):
    """Who the letters come from (the housing company's safety team)."""

    name: ShortText = "Trygghetsgruppen"
    phone: text(64) | None = None
    email: EmailAddress | None = None
    postal_address: text(SHORT_TEXT, lines=True) | None = Field(
        default=None, description="May run over lines (Box, postcode and town), as the letter prints it."
    )


class PartnerDirectory(_Strict):
    sender: Sender = Sender()
    partners: tuple[Partner, ...] = ()

    @field_validator("partners")
    @classmethod
    def _unique_ids(cls, partners: tuple[Partner, ...]) -> tuple[Partner, ...]:
        seen: set[str] = set()
        for partner in partners:
            if partner.kind is PartnerKind.COMPLAINANT:
                raise ValueError(f"partner {partner.id!r}: a complainant is found in the register, not listed here")
            if partner.id in seen:
                raise ValueError(f"partner id {partner.id!r} appears twice")
            seen.add(partner.id)
        return partners

    def recipients(self, kind: NoticeKind, area: str | None = None) -> list[Partner]:
        return [p for p in self.partners if p.takes(kind, area)]

    def get(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)


def complainant_recipient(address: str) -> Partner:
    """The complainant of one report as a recipient of their reply (never from the file)."""
    return Partner(
        id="complainant",
        kind=PartnerKind.COMPLAINANT,
        name="anmälaren",
        channel=EmailChannel(type="email", address=address),
        notices=(NoticeKind.COMPLAINANT_REPLY,),
        fields=REPLY_FIELDS,
    )


def parse_directory(data: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> PartnerDirectory:
    """Validate a directory already read from TOML; errors name partner and field."""
    try:
        return PartnerDirectory.model_validate(data, context={"environ": os.environ if environ is None else environ})
    except ValidationError as error:
        raise DirectoryError("invalid partner directory: " + "; ".join(_describe(data, e) for e in error.errors())) from None


def load_directory(path: Path, environ: Mapping[str, str] | None = None) -> PartnerDirectory:
    """Read and validate the TOML directory at `path`."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise DirectoryError(f"cannot read partner directory {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise DirectoryError(f"partner directory {path} is not valid TOML: {error}") from None
    return parse_directory(data, environ)


def empty_directory() -> PartnerDirectory:
    return PartnerDirectory()


def _describe(data: Mapping[str, Any], error: Any) -> str:
    loc = list(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if len(loc) >= 2 and loc[0] == "partners" and isinstance(loc[1], int):
        raw = data.get("partners") or []
        index = loc[1]
        partner_id = raw[index].get("id", "?") if index < len(raw) and isinstance(raw[index], dict) else "?"
        rest = [str(part) for part in loc[2:] if not (isinstance(part, str) and part in ("webhook", "email"))]
        field = ".".join(rest) or "-"
        return f"partner {partner_id!r} (partners[{index}]) field {field!r}: {message}"
    return f"{'.'.join(str(p) for p in loc) or 'file'}: {message}"
