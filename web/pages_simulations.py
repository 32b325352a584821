"""Saved policy simulations for the team lead: what a proposed rule would do, side by side.

`trygg simulate --out DIR` writes `report.json` beside its charts; a team lead who saves
such a folder under the simulations directory (TRYGG_SIMULATIONS_DIR, default
`<data dir>/simulations`) finds it here, with the figures a policy decision turns on. Only
the team lead decides policy, so only the team lead sees the page. The figures are
synthetic: no case, tenant or complainant is in them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import Role
from web.charts import bar_svg
from web.render import Web, guarded

NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
"""A saved report's folder name: nothing that could climb out of the directory."""

ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Ärenden som öppnades", ("cases", "opened"), "antal"),
    ("Nådde tillsägelse", ("cases", "reached", "warning"), "antal"),
    ("Nådde vräkningsförebyggande spår", ("cases", "reached", "prevention"), "antal"),
    ("Nådde prövning av uppsägning", ("cases", "reached", "termination_review"), "antal"),
    ("Uppsagda", ("cases", "reached", "termination"), "antal"),
    ("Andel som behåller sitt hem", ("cases", "share_keeping_home"), "andel"),
    ("Median antal dagar till rättelse", ("cases", "median_days_to_correction"), "dagar"),
    ("Första kontakter efter tidsfristen", ("deadlines", "first_contacts_past_due"), "antal"),
    ("Uppgifter sena för att personal saknades", ("deadlines", "tasks_late_for_lack_of_staff"), "antal"),
    ("Uppsägningsfönster som stängdes oanvända", ("deadlines", "termination_windows_closed_unused"), "antal"),
)


def saved_reports(directory: Path | None) -> list[dict]:
    """Every readable report under `directory`, newest first; a broken file is skipped."""
    if directory is None or not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*/report.json"), key=lambda p: p.stat().st_mtime, reverse=True):
        report = _load(path)
        if report is not None and NAME.fullmatch(path.parent.name):
            found.append({"name": path.parent.name, **report})
    return found


def _load(path: Path) -> dict | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) and isinstance(report.get("policies"), list) else None


def _figure(figures: dict, path: tuple[str, ...]):
    value = figures
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def comparison(report: dict) -> list[dict]:
    """One row per figure, one column per policy, as the page's table shows it."""
    policies = report["policies"]
    rows = []
    for title, path, unit in ROWS:
        values = [_figure(p.get("figures", {}), path) for p in policies]
        if unit == "andel":
            values = [None if v is None else f"{100 * v:.1f} %" for v in values]
        rows.append({"title": title, "unit": unit, "values": values})
    return rows


def routes(web: Web) -> list[Route]:
    def team_lead_only(request: Request):
        user = web.user(request)
        if user.role is not Role.TEAM_LEAD:
            return user, web.page(request, "error.html", {"title": "Ingen behörighet",
                                  "message": "Sparade simuleringar visas för chefen för trygghetsgruppen."},
                                  status=403, user=user)  # fmt: skip
        return user, None

    @guarded
    async def listing(request: Request) -> Response:
        user, refused = team_lead_only(request)
        if refused is not None:
            return refused
        return web.page(request, "simulations.html", {"title": "Simuleringar",
                        "reports": saved_reports(web.simulations_dir)}, user=user)  # fmt: skip

    @guarded
    async def one(request: Request) -> Response:
        user, refused = team_lead_only(request)
        if refused is not None:
            return refused
        name = request.path_params["name"]
        report = next((r for r in saved_reports(web.simulations_dir) if r["name"] == name), None) if NAME.fullmatch(name) else None
        if report is None:
            return web.page(request, "error.html", {"title": "Simuleringen finns inte",
                            "message": "Det finns ingen sparad simulering med det namnet."}, status=404, user=user)  # fmt: skip
        labels = [p.get("label") or p.get("file") or f"Policy {i + 1}" for i, p in enumerate(report["policies"])]
        reached = [(label, _figure(p.get("figures", {}), ("cases", "reached", "termination_review")) or 0)
                   for label, p in zip(labels, report["policies"])]  # fmt: skip
        chart = Markup(bar_svg("Nådde prövning av uppsägning", reached, unit="Ärenden"))
        return web.page(request, "simulation.html", {"title": f"Simulering {name}", "report": report, "policy_labels": labels,
                        "rows": comparison(report), "chart": chart, "reached": reached}, user=user)  # fmt: skip

    return [Route("/simulations", listing, name="simulations"), Route("/simulations/{name:str}", one, name="simulation")]
