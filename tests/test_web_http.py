"""The web app's doors without a browser: sign-in required, the session cookie's flags,
CSRF on every form, session expiry, a sign-in without a Trygg role, https outside localhost."""

from __future__ import annotations

import json
import re
import time
from contextlib import asynccontextmanager
from base64 import b64encode

import httpx
import pytest
import pytest_asyncio
from itsdangerous import TimestampSigner
from starlette.applications import Starlette
from starlette.routing import Mount

from runtime.settings import Settings
from tests.web_stack import web_stack
from web.app import create_web_app


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def web(local_env, pg_pool, identity_provider):
    async with web_stack(local_env, pg_pool, identity_provider) as stack:
        yield stack


@asynccontextmanager
async def signed_in(web, subject: str):
    async with httpx.AsyncClient(follow_redirects=True) as http:
        page = await http.get(web.url + "/")
        await http.post(str(page.url), data={"sub": subject})
        yield http


async def test_a_page_without_sign_in_goes_to_the_provider(web):
    async with httpx.AsyncClient() as http:
        response = await http.get(web.url + "/cases/case-T-1")
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login?next=")


async def test_the_session_cookie_is_httponly_samesite_lax_and_scoped_to_the_app(web):
    async with httpx.AsyncClient() as http:
        login = await http.get(web.url + "/login")
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/staff" in cookie
        assert "secure" not in cookie  # http://localhost in development only


def test_the_app_refuses_plain_http_outside_localhost(identity_provider):
    settings = Settings(oidc_issuer=identity_provider.issuer)
    with pytest.raises(ValueError, match="https"):
        create_web_app(None, settings, public_url="http://trygg.example/staff")  # type: ignore[arg-type]
    app = create_web_app(None, settings, public_url="https://trygg.example/staff")  # type: ignore[arg-type]
    assert any(m.kwargs.get("https_only") for m in app.user_middleware)


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(web):
    async with signed_in(web, "anna.coordinator") as http:
        response = await http.post(web.url + "/settings", data={"digest": "yes", "digest_email": "x@example.se"})
        assert response.status_code == 403 and "Formuläret har gått ut" in response.text
        forged = await http.post(web.url + "/settings", data={"digest": "yes", "digest_email": "x@example.se", "csrf_token": "forged"})
        assert forged.status_code == 403
        settings = await http.get(web.url + "/settings")
        assert 'value="x@example.se"' not in settings.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', settings.text).group(1)
        saved = await http.post(web.url + "/settings", data={"digest": "yes", "digest_email": "x@example.se", "csrf_token": token})
        assert saved.status_code == 200 and "Dina inställningar är sparade." in saved.text


async def test_sign_out_ends_the_session(web):
    async with signed_in(web, "anna.coordinator") as http:
        page = await http.get(web.url + "/")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        out = await http.post(web.url + "/logout", data={"csrf_token": token})
        assert "Du är utloggad" in out.text
        again = await http.get(web.url + "/", follow_redirects=False)
        assert again.status_code == 303


async def test_a_sign_in_without_a_trygg_role_is_refused(web):
    async with httpx.AsyncClient(follow_redirects=True) as http:
        page = await http.get(web.url + "/")
        refused = await http.post(str(page.url), data={"sub": "visitor"})
        assert refused.status_code == 403 and "ingen roll i Trygg" in refused.text


@pytest.mark.parametrize("age", ["idle", "absolute"])
async def test_an_expired_session_signs_in_again(web, identity_provider, age):
    secret = "test-secret"
    app = create_web_app(web.client, Settings(oidc_issuer=identity_provider.issuer), public_url="http://localhost/staff",
                         session_secret=secret)  # fmt: skip
    now = int(time.time())
    started, seen = (now - 3600, now - 31 * 60) if age == "idle" else (now - 9 * 3600, now - 10)
    data = {"sub": "anna.coordinator", "name": "Anna", "roles": ["coordinator"], "started": started, "seen": seen, "csrf": "x"}
    cookie = TimestampSigner(secret).sign(b64encode(json.dumps(data).encode())).decode()
    mounted = Starlette(routes=[Mount("/staff", app=app)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mounted), base_url="http://localhost/staff") as http:
        response = await http.get("/settings", cookies={"trygg_staff": cookie})
        assert response.status_code == 303 and "/login" in response.headers["location"]
        data.update(started=now, seen=now)
        fresh = TimestampSigner(secret).sign(b64encode(json.dumps(data).encode())).decode()
        assert (await http.get("/accessibility", cookies={"trygg_staff": fresh})).status_code == 200
