"""Who is calling: a verified token's claims turned into a Trygg principal.

The identity provider decides who a person is and which app roles they hold; Trygg maps
those roles to its own, by settings, so the same code reads Microsoft Entra ID (app
roles in `roles`, the user's object id in `oid`), Keycloak or the dev provider. A token
whose roles map to nothing Trygg knows is a valid sign-in with no rights: it is refused
with 403, never treated as some default role.

Both doors use this: the API on a bearer token's claims, the web app on the ID token's
claims at sign-in. Neither ever takes an actor from a request body.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.models import Actor, Role
CASE_SYSTEM = "case_system"
"""The Trygg role of a case system: file reports, read their receipts; nothing else."""

STAFF_ROLES: tuple[Role, ...] = tuple(role for role in Role if role is not Role.SYSTEM)

CASE_SYSTEM_APP_ROLE = "Trygg.CaseSystem"
"""The app role of a case system: it may file reports and read their receipts only."""


def app_role(role: Role) -> str:
    """The app-role value for a Trygg role, as an Entra ID app registration would define
    it (`Trygg.Coordinator`); TRYGG_OIDC_ROLE_MAP maps these back by default."""
    return "Trygg." + "".join(part.capitalize() for part in role.value.split("_"))


class CallerKind(StrEnum):
    STAFF = "staff"
    CASE_SYSTEM = "case_system"


class AccessRefused(Exception):
    """The caller may not do this. `status` is 401 (not signed in, or the token is not
    good) or 403 (signed in, but the role may not); the message names the reason and
    never echoes a token or a claim's value."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Principal(BaseModel):
    """A signed-in caller. `subject` becomes the Actor id Trygg records; `name` is shown to
    the person themselves and never logged."""

    model_config = ConfigDict(frozen=True)

    kind: CallerKind
    subject: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")
    roles: tuple[Role, ...] = ()
    name: str | None = Field(default=None, repr=False)

    def acting_role(self, requested: Role | None = None) -> Role:
        """The one role a step is taken in. A person holding several app roles names the
        one they act in; without that, the first in Trygg's order of roles is taken."""
        if self.kind is not CallerKind.STAFF or not self.roles:
            raise AccessRefused(403, "this sign-in holds no staff role")
        if requested is not None:
            if requested not in self.roles:
                raise AccessRefused(403, f"you do not hold the role {requested.value}")
            return requested
        return min(self.roles, key=STAFF_ROLES.index)

    def actor(self, requested: Role | None = None) -> Actor:
        return Actor(id=self.subject, role=self.acting_role(requested))


def default_role_map() -> dict[str, str]:
    """App-role values as the dev provider and the documented Entra ID app registration
    name them (`Trygg.Coordinator` …, `Trygg.CaseSystem`) to Trygg's roles."""
    mapping = {app_role(role): role.value for role in STAFF_ROLES}
    mapping[CASE_SYSTEM_APP_ROLE] = CASE_SYSTEM
    return mapping


def parse_role_map(text: str) -> dict[str, str]:
    """`claim-value=trygg-role[,…]`, each Trygg role checked; a ValueError names the bad pair."""
    mapping: dict[str, str] = {}
    known = {role.value for role in STAFF_ROLES} | {CASE_SYSTEM}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        claim_value, sep, trygg_role = (piece.strip() for piece in pair.partition("="))
        if not sep or not claim_value or trygg_role not in known:
            raise ValueError(f"'{pair}' must be claim-value=one of {', '.join(sorted(known))}")
        mapping[claim_value] = trygg_role
    if not mapping:
        raise ValueError("maps no role")
    return mapping


class ClaimRules(BaseModel):
    """Which claims name the caller and their roles, and what the roles mean to Trygg."""

    model_config = ConfigDict(frozen=True)

    role_claim: str = "roles"
    actor_claim: str = "oid"
    role_map: dict[str, str] = Field(default_factory=default_role_map)

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        subject = claims.get(self.actor_claim) or claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AccessRefused(401, f"the token names no caller in '{self.actor_claim}'")
        values = claims.get(self.role_claim, [])
        if isinstance(values, str):
            values = values.split()
        mapped = {self.role_map[v] for v in values if isinstance(v, str) and v in self.role_map}
        name = claims.get("name") if isinstance(claims.get("name"), str) else None
        try:
            if CASE_SYSTEM in mapped and len(mapped) == 1:
                return Principal(kind=CallerKind.CASE_SYSTEM, subject=subject)
            staff = tuple(role for role in STAFF_ROLES if role.value in mapped)
            return Principal(kind=CallerKind.STAFF, subject=subject, roles=staff, name=name)
        except ValueError:
            raise AccessRefused(401, f"the caller id in '{self.actor_claim}' is not a valid staff id") from None
