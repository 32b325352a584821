"""`trygg demo`: one case walked through dialogue, warning, follow-up and prevention
against a running `trygg dev`, printing each step, so a newcomer sees the engine work."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import typer

from client import TryggClient
from console.session import JSON_OPTION, connected, run, settings_or_exit
from domain.models import Actor, DisturbanceReport, Role
from domain.view import CaseView

COORDINATOR = Actor(id="anna.s", role=Role.COORDINATOR)
PREVENTION = Actor(id="omar.k", role=Role.PREVENTION_TEAM)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(as_json: bool = JSON_OPTION) -> None:
    """Walk one demo case up the ladder and back down, printing each step (needs `trygg dev`).

    With --json: one object at the end, the tenancy, its case, each step with the stage and
    open tasks after it, and the final case view.

    Example: trygg demo
    """
    settings = settings_or_exit()
    tenancy_id = f"DEMO-{uuid.uuid4().hex[:6].upper()}"
    walked: list[dict[str, Any]] = []

    async def go() -> CaseView:
        async with connected(settings) as client:
            return await walk(client, tenancy_id, (lambda _line: None) if as_json else typer.echo, walked.append)

    view = run(go)
    if as_json:
        final = json.loads(view.model_dump_json())
        typer.echo(json.dumps({"tenancy_id": tenancy_id, "case_id": view.case_id, "steps": walked, "view": final}, indent=2))


def demo_report(tenancy_id: str, ref: str, source: str, minutes_ago: int) -> DisturbanceReport:
    return DisturbanceReport.model_validate(
        {
            "external_ref": ref,
            "source_kind": source,
            "category": "noise",
            "severity": "normal",
            "occurred_at": datetime.now(timezone.utc) - timedelta(minutes=minutes_ago),
            "place": "stairwell B",
            "tenancy": {"tenancy_id": tenancy_id, "property_id": "P-DEMO", "area": "Demo"},
            "complainant": {"name": "A. Neighbour"},
        }
    )


async def walk(client: TryggClient, tenancy_id: str, say, record=None) -> CaseView:
    """The demo path; `say` prints a line, `record` (if given) takes each step as a dict.
    Returns the final view."""

    def show(title: str, view: CaseView) -> None:
        tasks = ", ".join(f"{t.kind}→{t.role}" for t in view.open_tasks) or "none"
        say(f"{title:<58} stage={view.stage:<12} open tasks: {tasks}")
        if record is not None:
            record({"what": title.strip(), "stage": str(view.stage), "open_tasks": [t.kind for t in view.open_tasks]})

    async def step(name: str, actor: Actor, reason: str, **fields: Any) -> CaseView:
        view = await client.act(tenancy_id, name, actor, {"reason": reason, **fields})
        show(f"  {actor.role}:{actor.id} {name}", view)
        return view

    say(f"Demo case for tenancy {tenancy_id}")
    receipt = await client.report(demo_report(tenancy_id, f"{tenancy_id}-1", "neighbour", 30))
    view = await client.view(tenancy_id)
    show(f"  neighbour reports noise → case {receipt.case_id}", view)
    first = view.reports[0].report_id
    await step("verify_report", COORDINATOR, "Heard it myself on the evening round", report_id=first, method="own_observation")
    await step("record_contact", COORDINATOR, "Phoned the tenant", method="call")
    await step("record_dialogue", COORDINATOR, "Agreed on quiet hours; tenant disputes some of it", resolved=False)
    await step("issue_warning", COORDINATOR, "Disturbances went on after the dialogue")

    receipt = await client.report(demo_report(tenancy_id, f"{tenancy_id}-2", "security_company", 5))
    view = await client.view(tenancy_id)
    show("  night patrol reports noise again", view)
    await step("verify_report", COORDINATOR, "Patrol confirmed on site", report_id=receipt.report_id, method="security_company_on_site")
    view = await _wait_for(client, tenancy_id, lambda v: v.prevention_workflow_id is not None)
    show("  → eviction-prevention track started", view)
    await step("record_consent", PREVENTION, "Tenant signed consent at the meeting", given=True)
    await step("agree_action_plan", PREVENTION, "Plan agreed with social services", measures=["quiet_hours", "social_services_contact"])
    await step("record_review", PREVENTION, "No disturbances since the plan", verdict="fulfilled")
    view = await _wait_for(client, tenancy_id, lambda v: v.prevention_outcome is not None)
    show("  → plan fulfilled, back to follow-up", view)
    say(f"Done. Try: trygg show {tenancy_id}   trygg history {tenancy_id}   (Web UI: workflow case-{tenancy_id})")
    return view


async def _wait_for(client: TryggClient, tenancy_id: str, condition, timeout: float = 15.0) -> CaseView:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        view = await client.view(tenancy_id)
        if condition(view) or asyncio.get_running_loop().time() > deadline:
            return view
        await asyncio.sleep(0.2)
