"""Sign-in and sign-out, filing a report, the accessibility statement, settings."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.principal import AccessRefused
from client.errors import InvalidInput, ReportRefused, TryggError
from web import labels, store
from web.render import Web, guarded
from web.steps import STOCKHOLM


def routes(web: Web) -> list[Route]:
    @guarded
    async def login(request: Request) -> Response:
        next_path = request.query_params.get("next", "")
        if not next_path.startswith(web.base(request) + "/") or next_path.startswith("//"):
            next_path = web.base(request) + "/"
        return await web.sign_in.begin(request, web.public_url + "/auth", next_path)

    @guarded
    async def auth(request: Request) -> Response:
        try:
            principal = await web.sign_in.finish(request)
        except AccessRefused as refused:
            request.session.clear()
            message = ("Ditt konto har ingen roll i Trygg. Kontakta chefen för trygghetsgruppen."
                       if refused.status == 403 else "Inloggningen misslyckades. Försök igen.")  # fmt: skip
            return web.page(request, "error.html", {"title": "Inloggningen misslyckades", "message": message},
                            status=refused.status)  # fmt: skip
        user = web.sign_in.user(request)
        await store.seen(web.pool, user.subject, user.name, principal.roles)
        target = request.session.pop("next", "") or web.base(request) + "/"
        return RedirectResponse(target, status_code=303)

    @guarded
    async def logout(request: Request) -> Response:
        await web.form(request)
        request.session.clear()
        request.session["flash"] = "Du är utloggad."
        return web.redirect(request, "/signed-out")

    async def signed_out(request: Request) -> Response:
        return web.page(request, "signed_out.html", {"title": "Utloggad"})

    async def accessibility(request: Request) -> Response:
        return web.page(request, "accessibility.html", {"title": "Tillgänglighetsredogörelse"})

    @guarded
    async def report_form(request: Request) -> Response:
        user = web.user(request)
        return await _report_page(web, request, user, {}, {})

    @guarded
    async def report_submit(request: Request) -> Response:
        user = web.user(request)
        form = await web.form(request)
        values = {k: form.get(k) or "" for k in form.keys()}
        try:
            data = await _report_data(web, form)
            receipt = await web.client.report(web.client.parse_report(data))
        except _ReportErrors as problem:
            return await _report_page(web, request, user, values, problem.errors, status=400)
        except InvalidInput as error:
            errors = {p.split(":", 1)[0].split(".")[-1]: "Kontrollera uppgiften" for p in error.problems}
            return await _report_page(web, request, user, values, errors or {"_form": "Kontrollera uppgifterna"}, status=400)
        except (ReportRefused, TryggError) as error:
            return await _report_page(web, request, user, values, {"_form": f"Anmälan togs inte emot: {error}"}, status=409)
        flash = "Anmälan är registrerad." + (" Den fanns redan." if receipt.duplicate else "")
        return web.redirect(request, f"/cases/{receipt.workflow_id}", flash)

    @guarded
    async def settings_page(request: Request) -> Response:
        user = web.user(request)
        prefs = await store.preferences(web.pool, user.subject)
        return web.page(request, "settings.html", {"title": "Inställningar", "prefs": prefs, "errors": {}, "values": {}})

    @guarded
    async def settings_submit(request: Request) -> Response:
        user = web.user(request)
        form = await web.form(request)
        digest = form.get("digest") == "yes"
        email = (form.get("digest_email") or "").strip() or None
        errors = {}
        if form.get("digest") not in ("yes", "no"):
            errors["digest"] = "Välj om du vill ha ett dagligt mejl"
        if digest and (email is None or "@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
            errors["digest_email"] = "Ange en e-postadress i rätt format, som namn@example.se"
        if errors:
            prefs = await store.preferences(web.pool, user.subject)
            return web.page(request, "settings.html", {"title": "Inställningar", "prefs": prefs, "errors": errors,
                                                       "values": dict(form)}, status=400)  # fmt: skip
        await store.set_digest(web.pool, user.subject, digest, email)
        return web.redirect(request, "/settings", "Dina inställningar är sparade.")

    return [
        Route("/login", login, name="login"),
        Route("/auth", auth, name="auth"),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route("/signed-out", signed_out, name="signed_out"),
        Route("/accessibility", accessibility, name="accessibility"),
        Route("/reports/new", report_form, name="report_form"),
        Route("/reports", report_submit, methods=["POST"], name="report_submit"),
        Route("/settings", settings_page, name="settings"),
        Route("/settings", settings_submit, methods=["POST"], name="settings_submit"),
    ]


class _ReportErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors


async def _report_page(web: Web, request: Request, user, values, errors, *, status: int = 200) -> Response:
    tenancies = await store.known_tenancies(web.pool)
    now = datetime.now(STOCKHOLM)
    values = {"external_ref": f"web-{uuid.uuid4().hex[:16]}", "occurred-day": str(now.day),
              "occurred-month": str(now.month), "occurred-year": str(now.year), **values}  # fmt: skip
    return web.page(request, "report.html", {"title": "Ny störningsanmälan", "tenancies": tenancies, "values": values,
                                             "errors": errors}, status=status, user=user)  # fmt: skip


async def _report_data(web: Web, form) -> dict:
    """The report from the form: a tenancy chosen from the register or entered from the
    lease, the time in Swedish local time, the complainant apart."""
    errors: dict[str, str] = {}
    choice = form.get("tenancy") or ""
    tenancy: dict = {}
    if choice and choice != "new":
        known = {t["tenancy_id"]: t for t in await store.known_tenancies(web.pool)}
        if choice not in known:
            errors["tenancy"] = "Välj en hyresrätt i listan"
        else:
            t = known[choice]
            tenancy = {"tenancy_id": t["tenancy_id"], "property_id": t["property_id"], "area": t["area"],
                       "housing_form": t["housing_form"]}  # fmt: skip
    elif choice == "new":
        for name, message in (("tenancy_id", "Fyll i kontraktsnumret"), ("property_id", "Fyll i fastighetens id"),
                              ("area", "Fyll i området")):  # fmt: skip
            if not (form.get(name) or "").strip():
                errors[name] = message
        names = tuple(n.strip() for n in (form.get("tenant_names") or "").split(",") if n.strip())
        tenancy = {"tenancy_id": (form.get("tenancy_id") or "").strip(), "property_id": (form.get("property_id") or "").strip(),
                   "area": (form.get("area") or "").strip(), "housing_form": form.get("housing_form") or "ordinary",
                   "address": (form.get("address") or "").strip() or None, "tenant_names": names}  # fmt: skip
    else:
        errors["tenancy"] = "Välj vilken hyresrätt anmälan gäller"
    for name, table, message in (("source_kind", labels.SOURCES, "Välj vem som anmäler"),
                                 ("category", labels.CATEGORIES, "Välj typ av störning"),
                                 ("severity", labels.SEVERITIES, "Välj hur allvarlig störningen är")):  # fmt: skip
        if form.get(name) not in table:
            errors[name] = message
    place = (form.get("place") or "").strip()
    if not place:
        errors["place"] = "Fyll i var störningen hände"
    occurred = None
    try:
        day, month, year = (int(form.get(f"occurred-{p}") or "") for p in ("day", "month", "year"))
        hour, _, minute = (form.get("occurred-time") or "").strip().partition(":")
        occurred = datetime(year, month, day, int(hour), int(minute or 0), tzinfo=STOCKHOLM)
        if occurred > datetime.now(timezone.utc) + timedelta(minutes=5):
            errors["occurred"] = "Tidpunkten kan inte ligga i framtiden"
    except ValueError:
        errors["occurred"] = "Ange datum och klockslag, till exempel 1 12 2026 och 22:30"
    if errors:
        raise _ReportErrors(errors)
    complainant = {k: (form.get(f"complainant_{k}") or "").strip() or None for k in ("name", "contact")}
    return {
        "external_ref": form.get("external_ref") or f"web-{uuid.uuid4().hex[:16]}",
        "source_kind": form.get("source_kind"), "category": form.get("category"), "severity": form.get("severity"),
        "occurred_at": occurred.isoformat(), "place": place, "tenancy": tenancy,
        "complainant": complainant if any(complainant.values()) else None,
    }  # fmt: skip
