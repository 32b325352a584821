"""The staff listener: the HTTP API under /v1, its OpenAPI document and docs page, and
the codec server for Temporal's Web UI; the web app (web/) mounts here too.

Every route but /healthz, the OpenAPI document and the docs page needs a signed-in
caller (api/context.py). Errors are problem documents (api/problems.py), bodies are
limited in size (api/limits.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import asyncpg
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp
from temporalio.converter import PayloadCodec

from api import problems
from api.codec import MAX_CODEC_BODY, codec_routes
from api.context import ApiContext
from api.limits import BodyLimit
from api.principal import AccessRefused
from api.tokens import TokenVerifier
from api.v1 import cases, exports, inbox, policy, reports, stats, steps, tasks
from client.cases import TryggClient

STATIC = Path(__file__).parent / "static"
DESCRIPTION = """Trygg's one door for case systems and staff.

Sign in with an access token from the OpenID issuer (`Authorization: Bearer …`). A case
system (app role `Trygg.CaseSystem`, client-credentials grant) files reports and reads
their receipts; staff act as themselves in the role their token holds (pick one of
several with `X-Trygg-Role`). Every error is an RFC 9457 problem document
(`application/problem+json`) naming each bad field and the reason. Lists read the
register, which follows the cases in near real time; a case view and a step's answer come
from the case itself."""


WEB_PREFIX = "/staff"
"""Where the staff web app is mounted on the staff listener."""


def create_staff_app(
    trygg: TryggClient | None,
    pool: asyncpg.Pool | None,
    verifier: TokenVerifier | None,
    *,
    codec: PayloadCodec | None = None,
    ui_origins: Sequence[str] = (),
    web: ASGIApp | None = None,
) -> FastAPI:
    """The staff listener: the API under /v1, the codec under /codec and, when given, the
    staff web app (web/app.py) under /staff, all behind the same issuer's sign-in."""
    app = FastAPI(
        title="Trygg API", version="1", description=DESCRIPTION, openapi_url="/v1/openapi.json",
        docs_url=None, redoc_url=None,
    )  # fmt: skip
    app.state.context = ApiContext(trygg=trygg, pool=pool, verifier=verifier)  # type: ignore[arg-type]
    problems.install(app)

    @app.exception_handler(AccessRefused)
    async def _refused(request: Request, error: AccessRefused) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if error.status == 401 else None
        kind = "not-signed-in" if error.status == 401 else "forbidden"
        return problems.problem_response(request, error.status, error.reason, kind=kind, headers=headers)

    for module in (reports, cases, steps, inbox, tasks, stats, exports, policy):
        app.include_router(module.router, prefix="/v1")

    app.mount("/v1/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/v1/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/v1/openapi.json", title="Trygg API",
            swagger_js_url="/v1/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/v1/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/v1/static/swagger-ui/favicon-32x32.png",
        )  # fmt: skip

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    if codec is not None:
        for route in codec_routes(codec, ui_origins, verifier=verifier):
            app.router.routes.append(route)
    if web is not None:
        app.mount(WEB_PREFIX, web, name="web")

        @app.get("/", include_in_schema=False)
        async def front_door() -> RedirectResponse:
            return RedirectResponse(f"{WEB_PREFIX}/", status_code=307)

    app.add_middleware(BodyLimit, wider={"/codec/": MAX_CODEC_BODY})
    return app
