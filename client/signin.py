"""Signing a person in for the CLI: OpenID Connect's authorization code with PKCE and a
loopback redirect (RFC 8252), with Authlib's client; or, against the dev stack's own
provider only, as a named dev staff member by submitting its sign-in form.

Both end in a StoredToken (client/token_store.py). `fresh_access_token` refreshes it with
the refresh token when it is about to expire, so `trygg act` keeps working for a day of
work without a new sign-in.
"""

from __future__ import annotations

import base64
import http.server
import json
import secrets
import threading
import time
import warnings
import webbrowser
from urllib.parse import parse_qs, urlparse

import httpx

import authlib.deprecate  # noqa: E402,F401 - its filters first, so ours below win

with warnings.catch_warnings():  # Authlib warns about its own httpx integration's future
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import OAuth2Client

from client.token_store import StoredToken

SCOPE = "openid profile offline_access"


class SignInFailed(Exception):
    """Sign-in did not give a token; the message says why, never a token."""


def discover(issuer: str) -> dict:
    try:
        config = httpx.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=10).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as error:
        raise SignInFailed(f"the identity provider at {issuer} does not answer ({type(error).__name__})") from None
    return config


def _unverified_claims(access_token: str) -> dict:
    """Only to print who signed in and when the token expires; the API verifies it."""
    part = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _stored(issuer: str, api_url: str, tokens: dict, *, dev: bool = False) -> StoredToken:
    claims = _unverified_claims(tokens["access_token"])
    expires = int(tokens.get("expires_at") or time.time() + int(tokens.get("expires_in", 3600)))
    return StoredToken(issuer=issuer, api_url=api_url, access_token=tokens["access_token"],
                       refresh_token=tokens.get("refresh_token"), expires_at=expires,
                       subject=str(claims.get("oid") or claims.get("sub")),
                       roles=tuple(claims.get("roles", ())), dev=dev)  # fmt: skip


def dev_sign_in(issuer: str, api_url: str, staff_id: str, client_id: str = "trygg-web") -> StoredToken:
    """As the dev provider's staff member `staff_id`: its sign-in page, then the code
    exchanged at its token endpoint, exactly as a browser and the web app would."""
    config = discover(issuer)
    redirect = "http://127.0.0.1:9/callback"  # never called: the code is read from the redirect itself
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect, "scope": SCOPE,
              "state": secrets.token_urlsafe(8)}  # fmt: skip
    with httpx.Client(timeout=10) as browser:
        answer = browser.post(config["authorization_endpoint"], params=params, data={"sub": staff_id})
        location = answer.headers.get("location", "")
        code = parse_qs(urlparse(location).query).get("code", [None])[0]
        if code is None:
            raise SignInFailed(f"the dev provider did not sign in '{staff_id}'")
        tokens = browser.post(config["token_endpoint"], auth=(client_id, "dev"),
                              data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect})  # fmt: skip
    if tokens.status_code != 200:
        raise SignInFailed(f"the dev provider refused the code ({tokens.status_code})")
    return _stored(issuer, api_url, tokens.json(), dev=True)


class _Callback(http.server.BaseHTTPRequestHandler):
    result: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        query = parse_qs(urlparse(self.path).query)
        type(self).result.update({k: v[0] for k, v in query.items()})
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write("Inloggad. Du kan stänga fliken. / Signed in; you may close this tab.\n".encode())

    def log_message(self, *args):  # no access log: the query holds the code
        pass


def browser_sign_in(issuer: str, api_url: str, client_id: str, *, timeout: float = 300.0, open_browser=webbrowser.open,
                    announce=print) -> StoredToken:  # fmt: skip
    """Authorization code with PKCE (S256) and a loopback redirect on a free port."""
    config = discover(issuer)
    handler = type("Callback", (_Callback,), {"result": {}})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    redirect = f"http://127.0.0.1:{server.server_port}/callback"
    verifier = secrets.token_urlsafe(48)
    with OAuth2Client(client_id=client_id, scope=SCOPE, redirect_uri=redirect, code_challenge_method="S256",
                      token_endpoint_auth_method="none") as oauth:  # fmt: skip
        url, state = oauth.create_authorization_url(config["authorization_endpoint"], code_verifier=verifier)
        announce(f"Sign in in your browser: {url}")
        open_browser(url)
        thread = threading.Thread(target=server.handle_request, daemon=True)
        server.timeout = timeout
        thread.start()
        thread.join(timeout)
        server.server_close()
        got = handler.result
        if got.get("state") != state or "code" not in got:
            raise SignInFailed("no sign-in came back to this terminal" if not got else "the sign-in answer did not match")
        tokens = oauth.fetch_token(config["token_endpoint"], code=got["code"], code_verifier=verifier)
    return _stored(issuer, api_url, dict(tokens))


def fresh_access_token(token: StoredToken, client_id: str, save) -> str:
    """The access token, refreshed first when it is about to expire (and saved again)."""
    if not token.expiring():
        return token.access_token
    if token.refresh_token is None:
        raise SignInFailed("your sign-in has expired; run trygg login again")
    config = discover(token.issuer)
    form = {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
    if token.dev:  # the dev provider takes any secret for its client; a real public client sends only its id
        answer = httpx.post(config["token_endpoint"], auth=(client_id, "dev"), data=form, timeout=10)
    else:
        answer = httpx.post(config["token_endpoint"], data={**form, "client_id": client_id}, timeout=10)
    if answer.status_code != 200:
        raise SignInFailed("your sign-in has expired and could not be renewed; run trygg login again")
    fresh = _stored(token.issuer, token.api_url, {"refresh_token": token.refresh_token, **answer.json()}, dev=token.dev)
    save(fresh)
    return fresh.access_token


__all__ = ["SignInFailed", "browser_sign_in", "dev_sign_in", "fresh_access_token"]
