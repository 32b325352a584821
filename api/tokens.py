"""Bearer tokens: JWTs verified against the issuer's published keys, then read as a Principal.

The issuer's keys are found the OpenID way ({issuer}/.well-known/openid-configuration,
its `jwks_uri`), fetched with httpx and cached. A token signed by a key id the cache
does not know makes one refetch (a provider rotated its keys), at most once per
`refetch_interval`, so a flood of tokens with invented key ids cannot make Trygg hammer
the provider. Checked on every token: the algorithm is on the allow-list (never `none`,
never a symmetric one: settings refuse those), the signature, `iss`, `aud`, `exp` and
`nbf` (with a small leeway for clocks), then the claim rules (api.principal) name the
caller and their roles. Every refusal is an AccessRefused(401) whose reason names what
failed, never the token or a claim's value.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Sequence

import httpx
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from api.principal import AccessRefused, ClaimRules, Principal
from runtime.logging import get_logger

LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 16 * 1024

log = get_logger("trygg.api.tokens")


def _header(token: str) -> dict:
    """The JOSE header, read before anything is trusted, to pick the key and refuse an
    algorithm off the allow-list early."""
    try:
        part = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, IndexError):
        raise AccessRefused(401, "the bearer token is not a JWT") from None
    if not isinstance(header, dict):
        raise AccessRefused(401, "the bearer token is not a JWT")
    return header


class TokenVerifier:
    """Verifies bearer tokens for one issuer and audience."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        algorithms: Sequence[str] = ("RS256",),
        rules: ClaimRules | None = None,
        http: httpx.AsyncClient | None = None,
        refetch_interval: float = 30.0,
        keys: KeySet | None = None,
    ) -> None:
        """`keys` preloads the cache (a test's own issuer); the issuer is still asked on an unknown key id."""
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.algorithms = [a for a in algorithms if a.lower() != "none" and not a.upper().startswith("HS")]
        self.rules = rules or ClaimRules()
        self.http = http or httpx.AsyncClient(timeout=10.0)
        self.refetch_interval = refetch_interval
        self._keys: KeySet | None = keys
        self._fetched_at = time.monotonic() if keys is not None else float("-inf")
        self._lock = asyncio.Lock()

    async def _fetch_keys(self) -> KeySet:
        config = (await self.http.get(f"{self.issuer}/.well-known/openid-configuration")).raise_for_status().json()
        if config.get("issuer", "").rstrip("/") != self.issuer:
            raise AccessRefused(401, "the identity provider names another issuer")
        jwks = (await self.http.get(config["jwks_uri"])).raise_for_status().json()
        return KeySet.import_key_set(jwks)

    async def keys(self, kid: str | None) -> KeySet:
        """The cached keys; refetched when none are cached yet, or when `kid` is unknown
        and the last fetch is older than the refetch interval."""
        async with self._lock:
            known = self._keys is not None and (kid is None or any(k.kid == kid for k in self._keys.keys))
            stale = time.monotonic() - self._fetched_at >= self.refetch_interval
            if self._keys is None or (not known and stale):
                try:
                    self._keys = await self._fetch_keys()
                except (httpx.HTTPError, ValueError, KeyError, JoseError):
                    log.warning("identity provider keys not fetched", issuer=self.issuer)
                    if self._keys is None:
                        raise AccessRefused(401, "the identity provider's keys cannot be fetched now") from None
                self._fetched_at = time.monotonic()
            return self._keys

    async def verify(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise AccessRefused(401, "the bearer token is missing or too long")
        header = _header(token)
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise AccessRefused(401, f"tokens must be signed with one of {', '.join(self.algorithms)}")
        kid = header.get("kid")
        keys = await self.keys(kid if isinstance(kid, str) else None)
        if isinstance(kid, str) and not any(k.kid == kid for k in keys.keys):
            raise AccessRefused(401, "the token is signed by a key the issuer does not publish")
        try:
            claims = jwt.decode(token, keys, algorithms=self.algorithms).claims
        except JoseError:
            raise AccessRefused(401, "the token's signature does not verify") from None
        except (ValueError, TypeError):
            raise AccessRefused(401, "the bearer token is not a JWT") from None
        registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise AccessRefused(401, "the token has expired") from None
        except JoseError as error:
            claim = getattr(error, "claim", None) or "a claim"
            raise AccessRefused(401, f"the token's '{claim}' is not accepted") from None
        return self.rules.principal(claims)
