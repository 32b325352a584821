"""The local OpenID provider of `trygg dev` and the tests: real sign-in, nothing downloaded.

Staff sign in through `oidc-provider-mock` (authorization code, refresh token), a real
OpenID provider built on Authlib, with one predefined staff member per role to choose
from on its sign-in page. Two things the mock lacks are added here, on the same issuer
and the same signing key, so the API validates dev tokens exactly as it validates
Microsoft Entra ID's:

- **JWT access tokens** (RFC 9068) instead of opaque ones: signed RS256 with the
  provider's key (published at its `/jwks`), carrying `iss`, `aud`, `exp`, `nbf`, `iat`,
  `jti`, `sub`, `oid` and the user's `roles`, the shape Entra ID gives an API.
- **The client-credentials grant** for case systems, with Authlib's own
  `ClientCredentialsGrant` on a second Authlib authorization server that answers the
  token endpoint only for `grant_type=client_credentials`. A case system is a registered
  confidential client (id and secret) whose token carries its app roles, as an Entra ID
  app registration's does.

Nothing here is used in production: there `TRYGG_OIDC_ISSUER` names Entra ID or any OIDC
issuer, and case systems get their tokens from it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import authlib.integrations.flask_oauth2 as flask_oauth2
import flask
import werkzeug.serving
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
import oidc_provider_mock
from oidc_provider_mock import User, init_app

from api.principal import CASE_SYSTEM_APP_ROLE, app_role
from domain.models import Role

DEV_AUDIENCE = "api://trygg"
"""The audience the dev provider puts in access tokens and the API expects by default
(an Entra ID app registration's Application ID URI has this form)."""

TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class StaffMember:
    """A dev staff member: the subject is the actor id Trygg records; the name is shown
    on the sign-in page and in the web app, never logged."""

    sub: str
    name: str
    role: Role

    def user(self) -> User:
        return User(sub=self.sub, claims={"name": self.name, "oid": self.sub, "roles": [app_role(self.role)]})


DEV_STAFF: tuple[StaffMember, ...] = (
    StaffMember("anna.coordinator", "Anna Lind (bosocial samordnare)", Role.COORDINATOR),
    StaffMember("sven.senior", "Sven Ek (seniorvärd)", Role.SENIOR_COORDINATOR),
    StaffMember("lena.lead", "Lena Berg (chef trygghetsgruppen)", Role.TEAM_LEAD),
    StaffMember("jonas.lawyer", "Jonas Holm (hyresjuridik)", Role.TENANCY_LAWYER),
    StaffMember("maria.fire", "Maria Sund (brand och säkerhet)", Role.FIRE_SAFETY_OFFICER),
    StaffMember("omar.prevention", "Omar Nilsson (vräkningsförebyggande team)", Role.PREVENTION_TEAM),
    StaffMember("eva.area", "Eva Strand (områdesansvarig)", Role.AREA_MANAGER),
    StaffMember("olle.operator", "Olle Dahl (drift)", Role.OPERATOR),
)


@dataclass(frozen=True)
class MachineClient:
    """A confidential client that signs in with the client-credentials grant."""

    client_id: str
    secret: str
    roles: tuple[str, ...] = (CASE_SYSTEM_APP_ROLE,)


DEV_CASE_SYSTEM = MachineClient("trygg-case-system", "dev-case-system-secret")


@dataclass(frozen=True)
class _RegisteredMachine(ClientMixin):
    machine: MachineClient

    def get_client_id(self) -> str:
        return self.machine.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret.encode(), self.machine.secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _AccessTokens(JWTBearerTokenGenerator):
    """RFC 9068 access tokens signed with the mock provider's own key, so one `/jwks`
    verifies every token the dev issuer gives, staff's and case systems' alike."""

    def __init__(self, issuer: str, audience: str, machines: dict[str, MachineClient], lifetime: timedelta) -> None:
        seconds = int(lifetime.total_seconds())
        super().__init__(issuer=issuer, alg="RS256", expires_generator=lambda client, grant_type: seconds)
        self.audience = audience
        self.machines = machines

    def get_jwks(self):
        key = flask.g.oidc_provider_mock_storage.jwk
        return {"keys": [key.as_dict(is_private=True)]}

    def get_audiences(self, client, user, scope):
        return self.audience

    def get_extra_claims(self, client, grant_type, user, scope):
        if user is not None:  # staff: the user's own claims, as Entra puts app roles in `roles`
            return {"nbf": _now(), "oid": user.claims.get("oid", user.sub), "roles": list(user.claims.get("roles", [])),
                    "name": user.claims.get("name")}  # fmt: skip
        machine = self.machines[client.get_client_id()]
        return {"nbf": _now(), "oid": machine.client_id, "roles": list(machine.roles), "idtyp": "app"}


def _token_function(generator: _AccessTokens):
    """The mock reads OAUTH2_ACCESS_TOKEN_GENERATOR as a plain function of the grant."""

    def access_token(client, grant_type, user=None, scope=None):
        return generator.access_token_generator(client, grant_type, _Subject(user) if user is not None else None, scope)

    return access_token


@dataclass(frozen=True)
class _Subject:
    """The mock's User as Authlib's token generator asks for it (`get_user_id`)."""

    user: User

    @property
    def sub(self) -> str:
        return self.user.sub

    @property
    def claims(self) -> dict:
        return dict(self.user.claims)

    def get_user_id(self) -> str:
        return self.user.sub


def identity_app(
    issuer: str,
    *,
    audience: str = DEV_AUDIENCE,
    staff: Sequence[StaffMember] = DEV_STAFF,
    machines: Sequence[MachineClient] = (DEV_CASE_SYSTEM,),
    token_lifetime: timedelta = TOKEN_LIFETIME,
) -> flask.Flask:
    """The provider as a WSGI app. `issuer` must be the URL clients use (the mock names
    itself after the Host header, so the API and the browser must use the same host)."""
    registered = {m.client_id: m for m in machines}
    tokens = _AccessTokens(issuer.rstrip("/"), audience, registered, token_lifetime)
    app = flask.Flask("trygg-dev-identity", template_folder=str(Path(oidc_provider_mock.__file__).parent / "templates"))
    app.config["OAUTH2_ACCESS_TOKEN_GENERATOR"] = _token_function(tokens)
    init_app(app, user_claims=[member.user() for member in staff], access_token_max_age=token_lifetime)
    app.secret_key = secrets.token_bytes(16)

    machine_server = flask_oauth2.AuthorizationServer()
    machine_server.init_app(app, query_client=lambda client_id: _machine(registered, client_id), save_token=_forget)
    machine_server.register_token_generator("client_credentials", _expiring(tokens, token_lifetime))
    machine_server.register_grant(ClientCredentialsGrant)

    @app.before_request
    def client_credentials():
        request = flask.request
        if request.method == "POST" and request.path == "/oauth2/token" and request.form.get("grant_type") == "client_credentials":
            return machine_server.create_token_response()
        return None

    return app


def _machine(registered: dict[str, MachineClient], client_id: str) -> _RegisteredMachine | None:
    machine = registered.get(client_id)
    return _RegisteredMachine(machine) if machine is not None else None


def _forget(token, request) -> None:
    """JWT access tokens are verified by signature; the provider keeps none."""


def _expiring(tokens: _AccessTokens, lifetime: timedelta):
    seconds = int(lifetime.total_seconds())

    def generate(grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        return {
            "token_type": "Bearer",
            "access_token": tokens.access_token_generator(client, grant_type, user, scope),
            "expires_in": seconds,
        }

    return generate


@dataclass
class IdentityProvider:
    issuer: str
    port: int
    staff: tuple[StaffMember, ...] = field(default=DEV_STAFF)
    case_system: MachineClient = DEV_CASE_SYSTEM

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/oauth2/token"


@contextmanager
def run_identity_provider(
    port: int = 0, *, host: str = "localhost", audience: str = DEV_AUDIENCE, token_lifetime: timedelta = TOKEN_LIFETIME
) -> Iterator[IdentityProvider]:
    """Serve the provider on a background thread of this process until the block ends."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # its access log would name users
    bound = werkzeug.serving.make_server("127.0.0.1" if host == "localhost" else host, port, _Lazy(), threaded=True)
    issuer = f"http://{host}:{bound.server_port}"
    bound.app = identity_app(issuer, audience=audience, token_lifetime=token_lifetime)
    thread = threading.Thread(target=bound.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield IdentityProvider(issuer=issuer, port=bound.server_port)
    finally:
        bound.shutdown()
        thread.join(2)
        bound.server_close()


class _Lazy:
    """A placeholder until the app, which must know its own port, is built."""

    def __call__(self, environ, start_response):  # pragma: no cover - replaced before serving
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"starting"]


def _now() -> int:
    return int(time.time())
