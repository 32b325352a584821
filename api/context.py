"""What every route needs, built once per app, and the signed-in caller as a dependency.

The caller is never a field of a body: `caller` reads the bearer token (api/tokens.py),
`staff` refuses a case system with 403, `acting` names the role a step is taken in (the
`X-Trygg-Role` header may pick one of the roles the token holds; it can never add one).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.principal import AccessRefused, CallerKind, Principal
from api.tokens import TokenVerifier
from client.cases import TryggClient
from domain.models import Actor, Role

ROLE_HEADER = "X-Trygg-Role"


@dataclass
class ApiContext:
    trygg: TryggClient
    pool: asyncpg.Pool
    verifier: TokenVerifier


def context(request: Request) -> ApiContext:
    return request.app.state.context


BEARER = HTTPBearer(auto_error=False, description="An access token (JWT) from the OpenID issuer.")


async def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(BEARER)) -> Principal:
    if credentials is None or not credentials.credentials.strip():
        raise AccessRefused(401, "sign in: send Authorization: Bearer <access token>")
    verifier = context(request).verifier
    if verifier is None:
        raise AccessRefused(401, "no OpenID issuer is configured (TRYGG_OIDC_ISSUER), so nobody can sign in")
    return await verifier.verify(credentials.credentials.strip())


async def staff(principal: Principal = Depends(caller)) -> Principal:
    if principal.kind is not CallerKind.STAFF:
        raise AccessRefused(403, "a case system may file reports and read their receipts only")
    if not principal.roles:
        raise AccessRefused(403, "this sign-in holds no Trygg role")
    return principal


async def acting(
    principal: Principal = Depends(staff),
    role: Role | None = Header(default=None, alias=ROLE_HEADER, description="The one of your roles you act in."),
) -> Actor:
    return principal.actor(role)
