"""Getting real tokens from the dev OpenID provider (runtime/identity.py) without a
browser, and minting tokens of a test issuer's own with joserfc for the cases the
provider would never sign (expired, wrong audience, alg none, another key)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import parse_qs, urlparse

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from runtime.identity import DEV_AUDIENCE, DEV_CASE_SYSTEM

REDIRECT = "http://localhost:9/callback"


def staff_token(provider, sub: str) -> str:
    """Sign in as `sub` on the provider's page, as a browser would, and take the code."""
    params = {"response_type": "code", "client_id": "trygg-web", "redirect_uri": REDIRECT, "scope": "openid profile", "state": "s"}
    with httpx.Client() as browser:
        page = browser.get(f"{provider.issuer}/oauth2/authorize", params=params)
        assert page.status_code == 200 and sub in page.text
        answer = browser.post(f"{provider.issuer}/oauth2/authorize", params=params, data={"sub": sub})
        code = parse_qs(urlparse(answer.headers["location"]).query)["code"][0]
        tokens = browser.post(provider.token_endpoint, auth=("trygg-web", "any"),
                              data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})  # fmt: skip
    return tokens.json()["access_token"]


def case_system_token(provider) -> str:
    answer = httpx.post(provider.token_endpoint, data={"grant_type": "client_credentials"},
                        auth=(DEV_CASE_SYSTEM.client_id, DEV_CASE_SYSTEM.secret))  # fmt: skip
    return answer.json()["access_token"]


class TestIssuer:
    """An issuer of the test's own: one published key, and a stray one it never publishes."""

    __test__ = False
    issuer = "http://127.0.0.1:9/test-issuer"  # nothing listens: a refetch fails and the cache stays

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "published"})
        self.stray = RSAKey.generate_key(2048, parameters={"kid": "stray"})

    def keys(self) -> KeySet:
        return KeySet.import_key_set({"keys": [self.key.as_dict(private=False)]})

    def claims(self, **changes) -> dict:
        now = int(time.time())
        base = {"iss": self.issuer, "aud": DEV_AUDIENCE, "sub": "anna.coordinator", "oid": "anna.coordinator",
                "roles": ["Trygg.Coordinator"], "iat": now, "nbf": now, "exp": now + 600, "jti": uuid.uuid4().hex}  # fmt: skip
        base.update(changes)
        return {k: v for k, v in base.items() if v is not None}

    def token(self, *, key: RSAKey | None = None, kid: str | None = None, **changes) -> str:
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": kid or key.kid}, self.claims(**changes), key)

    def unsigned(self, **changes) -> str:
        """`alg: none`, no signature: what a forger sends."""

        def part(data: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

        return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(self.claims(**changes))}."
