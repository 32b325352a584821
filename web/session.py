"""Sign-in with OpenID Connect and the signed session that follows it.

Authorization code with PKCE (S256) through Authlib's Starlette client; the ID token's
claims become a Principal by the same ClaimRules the API uses, so a person holds the
same role in both doors. The session lives in a signed cookie (Starlette's
SessionMiddleware: HttpOnly always, SameSite=Lax, Secure unless the app is served on
http://localhost) and carries two clocks: an idle limit and an absolute limit, checked
on every request, so a browser left open at a shared desk signs itself out.

CSRF: every form carries a token signed with itsdangerous (already a dependency:
Starlette's sessions use it) over a random id kept in the session. A forged form from
another site cannot read that id, and a token from another session or older than the
session's absolute limit fails. One small module, no further library to pin.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from authlib.integrations.starlette_client import OAuth, OAuthError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request

from api.principal import AccessRefused, ClaimRules, Principal
from domain.models import Actor, Role


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int = 30 * 60
    absolute_seconds: int = 8 * 60 * 60


@dataclass(frozen=True)
class StaffUser:
    """The signed-in person as a page sees them: the actor they act as, and the name
    from the ID token (shown to them, never logged)."""

    subject: str
    name: str
    role: Role
    roles: tuple[Role, ...]

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject, role=self.role)


class SignIn:
    """The OIDC client and the session's rules, for one web app."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str | None, rules: ClaimRules,
                 secret: str, policy: SessionPolicy) -> None:  # fmt: skip
        self.oauth = OAuth()
        self.oauth.register(
            "trygg",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid profile",
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic" if client_secret else "none",
            },
        )
        self.rules = rules
        self.policy = policy
        self.csrf = URLSafeTimedSerializer(secret, salt="trygg-web-csrf")

    @property
    def client(self):
        return self.oauth.trygg

    async def begin(self, request: Request, redirect_uri: str, next_path: str):
        request.session.clear()
        request.session["next"] = next_path
        return await self.client.authorize_redirect(request, redirect_uri)

    async def finish(self, request: Request) -> Principal:
        """Exchange the code (state and PKCE verifier checked by Authlib) and start the session."""
        try:
            token = await self.client.authorize_access_token(request)
        except OAuthError as error:
            raise AccessRefused(401, f"sign-in failed: {error.error}") from None
        claims = token.get("userinfo") or {}
        principal = self.rules.principal(claims)
        principal.acting_role()  # 403 for a sign-in that holds no staff role
        next_path = request.session.get("next") or ""
        request.session.clear()
        now = int(time.time())
        request.session.update(
            sub=principal.subject, name=principal.name or principal.subject,
            roles=[r.value for r in principal.roles], started=now, seen=now,
            csrf=secrets.token_urlsafe(16), next=next_path,
        )  # fmt: skip
        return principal

    def user(self, request: Request) -> StaffUser | None:
        """The signed-in user, or None when there is none or the session has expired."""
        session = request.session
        if "sub" not in session:
            return None
        now = int(time.time())
        if now - session.get("started", 0) > self.policy.absolute_seconds or now - session.get("seen", 0) > self.policy.idle_seconds:
            session.clear()
            return None
        if now - session.get("seen", 0) > 60:
            session["seen"] = now  # refresh the idle clock at most once a minute (fewer cookie writes)
        roles = tuple(Role(r) for r in session.get("roles", []))
        principal = Principal(kind="staff", subject=session["sub"], roles=roles)
        return StaffUser(subject=session["sub"], name=session.get("name", session["sub"]),
                         role=principal.acting_role(), roles=roles)  # fmt: skip

    def csrf_token(self, request: Request) -> str:
        return self.csrf.dumps(request.session.get("csrf", ""))

    def csrf_ok(self, request: Request, token: str | None) -> bool:
        expected = request.session.get("csrf")
        if not expected or not token:
            return False
        try:
            value = self.csrf.loads(token, max_age=self.policy.absolute_seconds)
        except BadSignature:
            return False
        return secrets.compare_digest(str(value), expected)
