"""What every page shares: templates with the Swedish filters, the signed-in user, CSRF,
and security headers. Pages call `web.page(...)`; none builds a response by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from client.cases import TryggClient
from web import labels, timefmt
from web.session import SignIn, StaffUser

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self' {issuer}; frame-ancestors 'none'; base-uri 'self'"
)


class NotSignedIn(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


@dataclass
class Web:
    client: TryggClient
    sign_in: SignIn
    public_url: str
    poll_seconds: int
    templates_dir: Path
    simulations_dir: Path | None = None
    env: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(self.templates_dir), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)  # fmt: skip
        self.env.filters.update(when=timefmt.when, day=timefmt.day, iso=timefmt.iso)
        self.env.globals.update(labels=labels, label=labels.label, urlencode=urlencode,
                                filter_query=lambda saved: urlencode({k: v for k, v in saved.items() if k != "name"}))

    @property
    def pool(self):
        return self.client.pool

    def base(self, request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def user(self, request: Request) -> StaffUser:
        """The signed-in user; a page without one sends the browser to sign in."""
        user = self.sign_in.user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NotSignedIn(RedirectResponse(f"{self.base(request)}/login?next={quote(target)}", status_code=303))
        return user

    async def form(self, request: Request):
        """The posted form, after its CSRF token is checked."""
        form = await request.form()
        if not self.sign_in.csrf_ok(request, form.get("csrf_token")):
            raise NotSignedIn(self.page(request, "error.html", {"title": "Formuläret har gått ut",
                              "message": "Sidan var för gammal eller kom från en annan webbplats. Ladda om sidan och försök igen."},
                              status=403))  # fmt: skip
        return form

    def page(self, request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
             user: StaffUser | None = None) -> HTMLResponse:  # fmt: skip
        user = user or self.sign_in.user(request)
        ctx = {
            "request": request, "base": self.base(request), "user": user,
            "csrf_token": self.sign_in.csrf_token(request) if user else "", "poll_seconds": self.poll_seconds,
            "flash": request.session.pop("flash", None) if "flash" in request.session else None,
            **(context or {}),
        }  # fmt: skip
        html = self.env.get_template(template).render(ctx)
        return self.secure(HTMLResponse(html, status_code=status))

    def secure(self, response: Response) -> Response:
        issuer = self.sign_in.client.server_metadata.get("issuer", "") if self.sign_in.client.server_metadata else ""
        response.headers["Content-Security-Policy"] = CSP.format(issuer=issuer).replace(" ;", ";")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    def redirect(self, request: Request, path: str, flash: str | None = None) -> Response:
        if flash:
            request.session["flash"] = flash
        return RedirectResponse(self.base(request) + path, status_code=303)


def guarded(handler):
    """A page handler that may raise NotSignedIn (redirect to sign-in, or a refused form)."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except NotSignedIn as stop:
            return stop.response

    run.__name__ = handler.__name__
    return run
