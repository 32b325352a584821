"""The inbox: my tasks, my role's unassigned ones, everything open for the team lead;
filters in the URL and saved per person; claim a task, or hand it to a colleague.

Claiming and handing over are the ladder's `assign_task` step, taken as the signed-in
user; the ladder decides who may, and its refusal is shown as it gives it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from client.errors import InvalidInput, StepRefused, TryggError
from domain.models import Role
from web import labels, store
from web.render import Web, guarded


def routes(web: Web) -> list[Route]:
    async def context(request: Request, user) -> dict:
        filters = store.InboxFilter.of(request.query_params)
        box = await store.inbox(web.pool, role=user.role, subject=user.subject, filters=filters, now=datetime.now(timezone.utc))
        colleagues = await store.colleagues(web.pool)
        return {"inbox": box, "filters": filters, "names": {s: n for s, n, _ in colleagues}, "query": urlencode(filters.query()),
                "now": datetime.now(timezone.utc), "due_filters": store.DUE_FILTERS,
                "team": colleagues if user.role is Role.TEAM_LEAD else []}  # fmt: skip

    @guarded
    async def inbox(request: Request) -> Response:
        user = web.user(request)
        ctx = await context(request, user)
        prefs = await store.preferences(web.pool, user.subject)
        return web.page(request, "inbox.html", {"title": "Inkorg", "prefs": prefs, **ctx}, user=user)

    @guarded
    async def fragment(request: Request) -> Response:
        """The task list alone, which htmx fetches every poll_seconds: new and overdue
        tasks appear without reloading the page."""
        user = web.user(request)
        return web.page(request, "inbox_tasks.html", await context(request, user), user=user)

    @guarded
    async def save_filter(request: Request) -> Response:
        user = web.user(request)
        form = await web.form(request)
        filters = store.InboxFilter.of(form)
        name = " ".join((form.get("name") or "").split())[:60]
        if not name:
            name = ", ".join(_filter_words(filters)) or "Alla uppgifter"
        await store.save_filter(web.pool, user.subject, name, filters)
        return web.redirect(request, "/?" + urlencode(filters.query()), f"Filtret ”{name}” är sparat.")

    @guarded
    async def delete_filter(request: Request) -> Response:
        user = web.user(request)
        form = await web.form(request)
        await store.delete_filter(web.pool, user.subject, form.get("name") or "")
        return web.redirect(request, "/", "Filtret är borttaget.")

    @guarded
    async def assign(request: Request) -> Response:
        """Claim (assignee: me) or, for the team lead, hand the task to a colleague."""
        user = web.user(request)
        form = await web.form(request)
        task_id, case = request.path_params["task_id"], form.get("case") or ""
        assignee = form.get("assignee") or user.subject
        back = "/?" + (form.get("query") or "")
        known = {s for s, _, _ in await store.colleagues(web.pool)}
        if assignee not in known:
            return web.redirect(request, back, "Välj en kollega i listan.")
        reason = "Tog uppgiften" if assignee == user.subject else "Tilldelade uppgiften"
        try:
            await web.client.assign_task(case, user.actor, task_id, assignee, reason, step_id=form.get("step_id") or None)
        except InvalidInput as error:
            if any(p.startswith("step:") for p in error.problems):
                return web.redirect(request, back, "Att ta eller tilldela uppgifter är inte möjligt i den här versionen av Trygg ännu.")
            return web.redirect(request, back, "Uppgiften kunde inte tilldelas: " + "; ".join(error.problems))
        except StepRefused as refused:
            return web.redirect(request, back, f"Uppgiften kunde inte tilldelas: {refused}")
        except TryggError as error:
            return web.redirect(request, back, f"Uppgiften kunde inte tilldelas: {error}")
        names = {s: n for s, n, _ in await store.colleagues(web.pool)}
        done = "Du har tagit uppgiften." if assignee == user.subject else f"Uppgiften är tilldelad {names.get(assignee, assignee)}."
        return web.redirect(request, back, done)

    return [
        Route("/", inbox, name="inbox"),
        Route("/inbox/tasks", fragment, name="inbox_tasks"),
        Route("/inbox/filters", save_filter, methods=["POST"], name="save_filter"),
        Route("/inbox/filters/delete", delete_filter, methods=["POST"], name="delete_filter"),
        Route("/tasks/{task_id:str}/assignee", assign, methods=["POST"], name="assign_task"),
    ]


def _filter_words(filters: store.InboxFilter) -> list[str]:
    words = []
    if filters.area:
        words.append(filters.area)
    if filters.kind:
        words.append(labels.label(labels.TASK_KINDS, filters.kind))
    if filters.due:
        words.append(store.DUE_FILTERS[filters.due])
    return words
