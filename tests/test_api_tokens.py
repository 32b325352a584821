"""Bearer tokens that must not get in: each refused with 401 or 403, never 500, and as a
problem document. Tokens the dev provider would never sign are minted here with joserfc
by a test issuer whose one published key the verifier holds."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
import pytest_asyncio

from api.staff import create_staff_app
from api.tokens import TokenVerifier
from runtime.identity import DEV_AUDIENCE
from tests.api_stack import asgi_client
from tests.signin import TestIssuer, case_system_token, staff_token
from tests.standins import case_policy

ISSUER = TestIssuer()
NOW = int(time.time())
POLICY_ONLY = SimpleNamespace(policy=case_policy())
"""Sign-in is the layer under test: /v1/policy needs nothing of the client but its policy."""
ROUTES = [("GET", "/v1/inbox"), ("GET", "/v1/cases"), ("POST", "/v1/reports"), ("GET", "/v1/policy")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def http():
    verifier = TokenVerifier(ISSUER.issuer, DEV_AUDIENCE, keys=ISSUER.keys(), refetch_interval=0)
    async with asgi_client(create_staff_app(POLICY_ONLY, None, verifier)) as client:
        yield client


BAD = {
    "expired": lambda: ISSUER.token(exp=NOW - 3600, iat=NOW - 7200, nbf=NOW - 7200),
    "not yet valid": lambda: ISSUER.token(nbf=NOW + 3600),
    "wrong audience": lambda: ISSUER.token(aud="api://someone-else"),
    "wrong issuer": lambda: ISSUER.token(iss="https://login.example/other"),
    "no expiry": lambda: ISSUER.token(exp=None),
    "unknown key id": lambda: ISSUER.token(key=ISSUER.stray),
    "another key's signature": lambda: ISSUER.token(key=ISSUER.stray, kid="published"),
    "alg none": lambda: ISSUER.unsigned(),
    "not a JWT": lambda: "not-a-token",
    "garbage segments": lambda: "e30.e30.e30",
}


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_a_bad_token_is_401_as_a_problem(http, kind, method, path):
    answer = await http.request(method, path, headers={"Authorization": f"Bearer {BAD[kind]()}"})
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_no_token_or_another_scheme_is_401(http):
    assert (await http.get("/v1/inbox")).status_code == 401
    assert (await http.get("/v1/inbox", headers={"Authorization": "Basic YTpi"})).status_code == 401


async def test_a_good_token_of_the_test_issuer_gets_past_sign_in(http):
    answer = await http.get("/v1/policy", headers={"Authorization": f"Bearer {ISSUER.token()}"})
    assert answer.status_code == 200


async def test_a_token_with_roles_trygg_does_not_know_is_403(http):
    answer = await http.get("/v1/policy", headers={"Authorization": f"Bearer {ISSUER.token(roles=['Other.App'])}"})
    assert answer.status_code == 403


async def test_real_provider_tokens_case_system_on_a_staff_route_is_403_staff_of_another_issuer_401(identity_provider):
    """Against the dev provider: its case-system token on a staff route is 403; its staff
    token shown to an API that trusts another issuer is 401."""
    real = TokenVerifier(identity_provider.issuer, DEV_AUDIENCE)
    async with asgi_client(create_staff_app(POLICY_ONLY, None, real)) as api:
        refused = await api.get("/v1/policy", headers={"Authorization": f"Bearer {case_system_token(identity_provider)}"})
        assert refused.status_code == 403
        ok = await api.get("/v1/policy", headers={"Authorization": f"Bearer {staff_token(identity_provider, 'olle.operator')}"})
        assert ok.status_code != 401
    other = TokenVerifier(ISSUER.issuer, DEV_AUDIENCE, keys=ISSUER.keys(), refetch_interval=0)
    async with asgi_client(create_staff_app(POLICY_ONLY, None, other)) as api:
        foreign = await api.get("/v1/inbox", headers={"Authorization": f"Bearer {staff_token(identity_provider, 'anna.coordinator')}"})
        assert foreign.status_code == 401


async def test_an_unknown_key_id_refetches_the_keys_at_most_once_per_interval(identity_provider):
    verifier = TokenVerifier(identity_provider.issuer, DEV_AUDIENCE, refetch_interval=3600)
    fetches = 0
    original = verifier._fetch_keys

    async def counted():
        nonlocal fetches
        fetches += 1
        return await original()

    verifier._fetch_keys = counted  # type: ignore[method-assign]
    await verifier.verify(staff_token(identity_provider, "anna.coordinator"))
    for _ in range(5):
        with pytest.raises(Exception) as refused:
            await verifier.verify(ISSUER.token(key=ISSUER.stray, iss=identity_provider.issuer))
        assert getattr(refused.value, "status", None) == 401
    assert fetches == 1, "five tokens with an unknown key id made no new fetch inside the interval"
