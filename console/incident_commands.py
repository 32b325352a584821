"""`trygg incidents`: cases terminated or reset outside the ladder, for the team lead.

The incident sweep records them in the register (register/incidents.py); these commands
read and close them there, with Temporal down too, since a terminated case has no
workflow left to take a step."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import typer

from console.session import JSON_OPTION, connected, emit, fail, run, settings_or_exit
from console.times import local_time
from domain.models import Role
from register.incidents import CaseIncident, IncidentNotFound, case_incidents, review_case_incident

incidents_app = typer.Typer(help="Cases terminated or reset outside the ladder (Temporal's Terminate and Reset).", no_args_is_help=False)


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")


@incidents_app.callback(invoke_without_command=True)
def incidents(
    context: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Also the incidents already reviewed."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List case incidents, newest first: not yet reviewed unless --all.

    Example: trygg incidents
    """
    if context.invoked_subcommand is not None:
        return
    settings = settings_or_exit()

    async def go() -> list[CaseIncident]:
        async with connected(settings, register=True, temporal=False) as client:
            return await case_incidents(client.pool, open_only=not all_)

    emit(run(go), as_json, _text)


@incidents_app.command("review")
def review(
    incident: str = typer.Argument(..., help="The incident id or its task id (as `trygg incidents` or `trygg inbox` print it)."),
    as_: str = typer.Option(..., "--as", help="team_lead:ID of the team lead who looked into it."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Mark an incident reviewed and its inbox task done (team lead only).

    Example: trygg incidents review T-1001.3f9c2a1b7d04:incident-terminated-1a2b3c4d5e6f --as team_lead:lena.t
    """
    role, _, staff_id = as_.partition(":")
    if role != Role.TEAM_LEAD.value or not staff_id:
        fail("--as: a case incident is reviewed by the team lead: team_lead:ID", 2)
    settings = settings_or_exit()

    async def go() -> CaseIncident:
        async with connected(settings, register=True, temporal=False) as client:
            try:
                return await review_case_incident(client.pool, incident, reviewer=staff_id, at=datetime.now(timezone.utc))
            except IncidentNotFound as error:
                fail(str(error), 1)
                raise

    emit(run(go), as_json, lambda i: _text([i]))


def _text(found: list[CaseIncident]) -> str:
    if not found:
        return "no case incidents"
    lines = []
    for i in found:
        state = f"reviewed {local_time(i.reviewed_at)} by {i.reviewed_by}" if i.reviewed_at else f"task {i.task_id}"
        lines.append(f"{local_time(i.at)}  {i.kind:<10} {i.case_id}  ({i.workflow_id}, run {i.run_id})  {state}")
    return "\n".join(lines)
