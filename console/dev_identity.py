"""`trygg dev`'s sign-in: without TRYGG_OIDC_ISSUER it runs the local OpenID provider
(runtime/identity.py) on TRYGG_IDENTITY_PORT and points the API at it, and prints how a
case system gets a token (client credentials) and how a member of staff signs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import warnings

from runtime.devstack import ensure_port_free

import authlib.deprecate  # noqa: E402,F401 - its filters first, so ours below win

with warnings.catch_warnings():  # the mock imports Authlib's deprecated modules; nothing for a user to act on
    warnings.simplefilter("ignore")
    from runtime.identity import DEV_CASE_SYSTEM, DEV_STAFF, run_identity_provider


@contextmanager
def dev_identity(settings) -> Iterator[str | None]:
    """The issuer the API trusts: the configured one, or the local provider's while the block runs."""
    if settings.oidc_issuer:
        yield settings.oidc_issuer
        return
    if not settings.identity_port:
        yield None
        return
    ensure_port_free(settings.identity_port, "the dev OpenID provider", "TRYGG_IDENTITY_PORT")
    with run_identity_provider(settings.identity_port, audience=settings.oidc_audience) as provider:
        yield provider.issuer


def api_lines(settings, issuer: str | None) -> list[str]:
    api = f"http://localhost:{settings.api_port}"
    lines = [
        f"  API:       {api}/v1 (docs {api}/v1/docs)" if settings.api_port else "  API:       off",
        f"  Staff app: {settings.web_url()}/ (sign in as a dev staff member)" if settings.api_port and issuer else "  Staff app: off",
        f"  Partners:  http://localhost:{settings.partner_api_port}/partners (signed acknowledgements)"
        if settings.partner_api_port
        else "  Partners:  off",
    ]
    if issuer is None:
        return [*lines, "  Sign-in:   off (no TRYGG_OIDC_ISSUER, TRYGG_IDENTITY_PORT=0): the API answers 401"]
    lines.append(f"  Sign-in:   {issuer}" + ("" if settings.oidc_issuer else " (the local dev provider)"))
    if not settings.oidc_issuer:
        roles = ", ".join(f"{m.role.value}:{m.sub}" for m in DEV_STAFF)
        lines += [
            "  A case system's token (client credentials):",
            f"    curl -s -u {DEV_CASE_SYSTEM.client_id}:{DEV_CASE_SYSTEM.secret} -d grant_type=client_credentials "
            f"{issuer}/oauth2/token",
            "  Staff sign in:  .venv/bin/trygg login --as coordinator:anna.coordinator",
            f"    (one member per role: {roles})",
        ]
    return lines
