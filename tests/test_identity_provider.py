"""The dev identity provider gives real, verifiable tokens: a case system's by the
client-credentials grant, a staff member's by the authorization-code grant, both JWTs
signed with the key the issuer publishes, and both read by the same claim rules."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from api.principal import AccessRefused, CallerKind, ClaimRules
from domain.models import Role
from runtime.identity import DEV_AUDIENCE, DEV_CASE_SYSTEM, DEV_STAFF
from tests.signin import staff_token



def _verified(provider, token: str) -> dict:
    config = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    keys = KeySet.import_key_set(httpx.get(config["jwks_uri"]).json())
    claims = jwt.decode(token, keys, algorithms=["RS256"]).claims
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": provider.issuer},
                          aud={"essential": True, "value": DEV_AUDIENCE}).validate(claims)  # fmt: skip
    return claims


def test_a_case_system_gets_a_verifiable_token_by_client_credentials(identity_provider):
    answer = httpx.post(identity_provider.token_endpoint, data={"grant_type": "client_credentials"},
                        auth=(DEV_CASE_SYSTEM.client_id, DEV_CASE_SYSTEM.secret))  # fmt: skip
    assert answer.status_code == 200
    claims = _verified(identity_provider, answer.json()["access_token"])
    assert claims["sub"] == DEV_CASE_SYSTEM.client_id and claims["exp"] - claims["iat"] == 3600
    principal = ClaimRules().principal(claims)
    assert principal.kind is CallerKind.CASE_SYSTEM
    with pytest.raises(AccessRefused) as refused:
        principal.actor()
    assert refused.value.status == 403


def test_a_wrong_client_secret_gets_no_token(identity_provider):
    answer = httpx.post(identity_provider.token_endpoint, data={"grant_type": "client_credentials"},
                        auth=(DEV_CASE_SYSTEM.client_id, "not-the-secret"))  # fmt: skip
    assert answer.status_code == 401 and "access_token" not in answer.text


@pytest.mark.parametrize("member", DEV_STAFF, ids=lambda m: m.role.value)
def test_each_dev_staff_member_signs_in_with_their_role(identity_provider, member):
    claims = _verified(identity_provider, staff_token(identity_provider, member.sub))
    actor = ClaimRules().principal(claims).actor()
    assert (actor.id, actor.role) == (member.sub, member.role)


def test_roles_that_map_to_nothing_give_a_sign_in_with_no_rights():
    principal = ClaimRules().principal({"oid": "someone", "roles": ["Other.App"]})
    with pytest.raises(AccessRefused) as refused:
        principal.actor()
    assert refused.value.status == 403


def test_a_person_with_several_roles_acts_in_the_one_they_name():
    principal = ClaimRules().principal({"oid": "lena", "roles": ["Trygg.Coordinator", "Trygg.TeamLead"]})
    assert principal.actor().role is Role.COORDINATOR
    assert principal.actor(Role.TEAM_LEAD).role is Role.TEAM_LEAD
    with pytest.raises(AccessRefused):
        principal.actor(Role.OPERATOR)
