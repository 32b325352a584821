"""The staff web app as one Starlette application, to be mounted at `/staff`.

`create_web_app(client, settings, public_url=...)` is all the API process and `trygg dev`
call: the app holds no state of its own beyond the signed session cookie and the rows of
migration 0010; the ladder's decisions come from `client` (TryggClient), the lists from
the register through `client.pool`.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from client.cases import TryggClient
from runtime.settings import Settings
from web import pages_case, pages_inbox, pages_other, pages_simulations, pages_stats
from web.render import Web
from web.session import SessionPolicy, SignIn

HERE = Path(__file__).parent
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def create_web_app(
    client: TryggClient,
    settings: Settings,
    *,
    public_url: str,
    session_secret: str | None = None,
    issuer: str | None = None,
    session_policy: SessionPolicy = SessionPolicy(),
    poll_seconds: int = 20,
) -> Starlette:
    """The app. `public_url` is where browsers reach it (e.g. https://trygg.example/staff):
    the sign-in callback is built from it, and its scheme decides the cookie's Secure flag,
    which may be off only for http://localhost. `session_secret` signs the cookie and CSRF
    tokens; give every replica the same one (default: random, so sessions end at restart).
    `issuer` overrides settings.oidc_issuer (trygg dev passes its local provider's)."""
    url = urlsplit(public_url)
    if url.scheme != "https" and url.hostname not in LOCAL_HOSTS:
        raise ValueError("public_url must be https:// (http only for localhost in development)")
    oidc_issuer = issuer or settings.oidc_issuer
    if not oidc_issuer:
        raise ValueError("an OpenID issuer is needed (TRYGG_OIDC_ISSUER)")
    secret = session_secret or secrets.token_urlsafe(32)
    client_secret = settings.oidc_client_secret
    if client_secret is None and urlsplit(oidc_issuer).hostname in LOCAL_HOSTS:
        client_secret = "trygg-dev"  # the dev provider takes any secret, and no public client for the code grant
    sign_in = SignIn(
        issuer=oidc_issuer, client_id=settings.oidc_client_id, client_secret=client_secret,
        rules=settings.claim_rules(), secret=secret, policy=session_policy,
    )  # fmt: skip
    web = Web(client=client, sign_in=sign_in, public_url=public_url.rstrip("/"), poll_seconds=poll_seconds,
              templates_dir=HERE / "templates", simulations_dir=settings.simulations_path())  # fmt: skip
    routes = [
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        *pages_other.routes(web),
        *pages_inbox.routes(web),
        *pages_case.routes(web),
        *pages_stats.routes(web),
        *pages_simulations.routes(web),
    ]
    middleware = [
        Middleware(
            SessionMiddleware, secret_key=secret, session_cookie="trygg_staff", max_age=session_policy.absolute_seconds,
            same_site="lax", https_only=url.scheme == "https", path=url.path or "/",
        )  # fmt: skip
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.web = web
    return app


__all__ = ["create_web_app", "Route"]
