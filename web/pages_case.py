"""The case page and the steps taken from it.

Everything shown is read cut to the reader's role (TryggClient.view and .history go
through domain/redaction.py; the complainant only through the register's guarded read,
for the roles the same rule names). The steps offered are the ladder's `allowed_steps`
for that role; a step the ladder refuses comes back with its reason.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.service import RPCError

from client.cases import new_step_id
from client.errors import CaseNotFound, InvalidInput, OutcomeUnknown, StepRefused, TryggError
from domain.prevention import PREVENTION_STEP_MODELS, PreventionView
from domain.redaction import DataKind, cut_model, may_see
from domain.steps import OWNERS, SIDE_TASKS
from register.queries import read_complainant
from web import labels, store
from web.render import Web, guarded
from web.steps import FORMS, FormErrors, field_errors, parse

REPORT_STEPS = ("verify_report", "reject_report")
EVENT_TITLES = {**{name: form.title for name, form in FORMS.items()}, **labels.EVENT_KINDS}


def routes(web: Web) -> list[Route]:
    @guarded
    async def case_page(request: Request) -> Response:
        user = web.user(request)
        return await render_case(web, request, user, request.path_params["case"])

    @guarded
    async def take_step(request: Request) -> Response:
        user = web.user(request)
        form = await web.form(request)
        case, step = request.path_params["case"], request.path_params["step"]
        spec = FORMS.get(step)
        if spec is None:
            return web.page(request, "error.html", {"title": "Sidan finns inte", "message": "Det steget finns inte."}, status=404)
        try:
            data = parse(spec, form)
            await web.client.act(case, step, user.actor, data, step_id=form.get("step_id") or None)
        except FormErrors as bad:
            return await render_case(web, request, user, case, failed=_failed(step, form, bad.errors), status=400)
        except InvalidInput as bad:
            return await render_case(web, request, user, case, failed=_failed(step, form, field_errors(spec, bad.problems)), status=400)
        except StepRefused as refused:
            return await render_case(web, request, user, case, failed=_failed(step, form, {}, refusal=str(refused)), status=409)
        except OutcomeUnknown:
            return web.redirect(request, f"/cases/{case}", "Svaret dröjer. Kontrollera ärendet om en stund innan du försöker igen.")
        except CaseNotFound:
            return web.page(request, "error.html", {"title": "Ärendet finns inte", "message": "Det finns inget sådant ärende."}, status=404)
        return web.redirect(request, f"/cases/{case}", f"Klart: {spec.title.lower()}.")

    return [
        Route("/cases/{case:str}", case_page, name="case"),
        Route("/cases/{case:str}/steps/{step:str}", take_step, methods=["POST"], name="step"),
    ]


def _tenancy(entries) -> dict[str, Any]:
    """Names and address from the case's reports as the reader may see them (already cut
    by role): the latest report that carries each, since a later report (a patrol's) may
    name only the tenancy's ids."""
    found: dict[str, Any] = {}
    for entry in entries:
        tenancy = entry.data.get("tenancy") if entry.kind == "report:file_report" else None
        for key in ("tenant_names", "address"):
            if tenancy and tenancy.get(key):
                found[key] = tenancy[key]
    return found


def _failed(step: str, form, errors: dict[str, str], refusal: str | None = None) -> dict[str, Any]:
    values = {k: form.getlist(k) if len(form.getlist(k)) > 1 else form.get(k) for k in form.keys()}
    return {"step": step, "errors": errors, "answers": values, "refusal": refusal, "report_id": form.get("report_id")}


async def render_case(web: Web, request: Request, user, case: str, *, failed: dict | None = None, status: int = 200) -> Response:
    client, role = web.client, user.role
    try:
        view = await client.view(case, role)
        timeline = await client.history(case, role)
    except CaseNotFound:
        return web.page(request, "error.html", {"title": "Ärendet finns inte", "message": "Det finns inget sådant ärende."}, status=404)
    except TryggError as error:
        return web.page(request, "error.html", {"title": "Ärendet kan inte visas just nu", "message": str(error)}, status=503)
    trail = cut_model(timeline.audit_trail, role) if timeline.audit_trail is not None else None
    tenancy = _tenancy(timeline.entries)
    complainants: dict[str, Any] = {}
    if may_see(role, DataKind.COMPLAINANT) and client.pool is not None:
        for report in view.reports:
            complainants[report.report_id] = await read_complainant(client.pool, report.report_id, user.actor)
    prevention = None
    if view.prevention_workflow_id:
        try:
            prevention = await client.temporal.get_workflow_handle(view.prevention_workflow_id).query("view", role, result_type=PreventionView)
        except RPCError:
            prevention = None
        except Exception:  # noqa: BLE001 - a track that cannot answer shows as such, the case still shows
            prevention = None
    tasks = {t.task_id: t for t in (trail.tasks if trail else [])}
    prevention_tasks = [t for t in tasks.values() if t.status == "open" and t.kind in ("agree_action_plan", "review_action_plan")]
    allowed = [s for s in view.allowed_steps if s not in REPORT_STEPS and s in FORMS]
    if prevention is not None:
        allowed += [s for s in prevention.allowed_steps if s in PREVENTION_STEP_MODELS and s in FORMS]
    colleagues = await store.colleagues(web.pool)
    owners = [(s, n) for s, n, roles in colleagues if set(roles) & {r.value for r in OWNERS}]
    side_tasks = [t for t in view.open_tasks if t.kind in SIDE_TASKS]
    policy = client.policy
    deadlines = {}
    for name in allowed + list(REPORT_STEPS):
        kind = FORMS[name].task_kind
        if kind:
            due = next((t.due_at for t in view.open_tasks if t.kind == kind), None)
            days = policy.first_contact_working_days if kind == "first_contact" else policy.task_working_days.get(kind)
            deadlines[name] = (due, days)
    return web.page(request, "case.html", {
        "title": f"Ärende {view.tenancy_id}", "view": view, "trail": trail, "tenancy": tenancy,
        "complainants": complainants, "show_complainant": may_see(role, DataKind.COMPLAINANT),
        "show_tenant": may_see(role, DataKind.TENANT), "prevention": prevention, "prevention_tasks": prevention_tasks,
        "allowed": allowed, "report_steps": [s for s in REPORT_STEPS if s in view.allowed_steps], "forms": FORMS,
        "owners": owners, "side_tasks": side_tasks, "deadlines": deadlines, "failed": failed or {},
        "step_id": new_step_id(), "case": case, "event_titles": EVENT_TITLES, "names": {s: n for s, n, _ in colleagues},
    }, status=status, user=user)  # fmt: skip
