"""`trygg login` and `trygg logout`: sign in once, and the staff commands go through the
HTTP API as that person (client/http.py), with the token kept 0600 under the data dir.

Against the dev stack (no TRYGG_OIDC_ISSUER) `--as ROLE:ID` signs in as the dev
provider's staff member ID, who must hold ROLE. Against a real issuer the browser signs
in (authorization code + PKCE, loopback redirect) and `--as` is refused: nobody names
themselves there.
"""

from __future__ import annotations

from typing import Optional

import typer

from client.signin import SignInFailed, browser_sign_in, dev_sign_in, fresh_access_token
from client.token_store import StoredToken, forget_token, load_token, save_token, token_path
from domain.models import Role
from console.session import fail, settings_or_exit


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)


def issuer_of(settings) -> str:
    return settings.oidc_issuer or f"http://localhost:{settings.identity_port}"


def api_url_of(settings) -> str:
    return f"http://localhost:{settings.api_port}"


def login(
    as_: Optional[str] = typer.Option(None, "--as", help="Dev stack only: ROLE:ID of a dev staff member."),
    api: Optional[str] = typer.Option(None, help="The Trygg API's URL; default http://localhost:<TRYGG_API_PORT>."),
) -> None:
    """Sign in; `trygg act/show/history/inbox` then use the API as you.

    Example: trygg login --as coordinator:anna.coordinator   (against trygg dev)
    """
    settings = settings_or_exit()
    issuer, api_url = issuer_of(settings), api or api_url_of(settings)
    try:
        if as_ is not None:
            token = _dev_login(settings, issuer, api_url, as_)
        else:
            token = browser_sign_in(issuer, api_url, settings.oidc_client_id, announce=typer.echo)
    except SignInFailed as error:
        fail(str(error))
        raise
    path = token_path(settings.data_dir)
    save_token(path, token)
    typer.echo(f"Signed in as {token.subject} ({', '.join(token.roles) or 'no roles'}) at {issuer}; token in {path}")


def _dev_login(settings, issuer: str, api_url: str, as_: str) -> StoredToken:
    if settings.oidc_issuer:
        fail("--as works only against trygg dev's own provider; sign in without it", 2)
    from console.dev_identity import DEV_STAFF

    role, _, staff_id = as_.partition(":")
    members = {m.sub: m for m in DEV_STAFF}
    member = members.get(staff_id)
    if member is None or member.role.value != role:
        known = ", ".join(f"{m.role.value}:{m.sub}" for m in DEV_STAFF)
        fail(f"--as: the dev provider has no '{as_}'; one of {known}", 2)
    return dev_sign_in(issuer, api_url, staff_id, settings.oidc_client_id)


def logout() -> None:
    """Forget the kept token."""
    settings = settings_or_exit()
    typer.echo("Signed out." if forget_token(token_path(settings.data_dir)) else "Not signed in.")


def http_session(settings, role: Role | None = None):
    """An HttpTrygg for the signed-in user, or None when nobody signed in: the console's
    staff commands use it when given (the lead wires it into console/case_commands.py)."""
    from client.http import HttpTrygg

    path = token_path(settings.data_dir)
    token = load_token(path)
    if token is None:
        return None

    def access_token() -> str:
        nonlocal token
        current = load_token(path) or token
        return fresh_access_token(current, settings.oidc_client_id, lambda fresh: save_token(path, fresh))

    return HttpTrygg(token.api_url, access_token, role=role)
