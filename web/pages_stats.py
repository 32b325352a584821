"""Statistics per area and period, and the week's area picture as partners receive it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.models import Role
from partners.area import area_summaries
from web import labels, store
from web.charts import bar_svg
from web.render import Web, guarded
from web.timefmt import STOCKHOLM

PERIODS = {"30": "Senaste 30 dagarna", "90": "Senaste 90 dagarna", "365": "Senaste året"}


def routes(web: Web) -> list[Route]:
    @guarded
    async def stats(request: Request) -> Response:
        user = web.user(request)
        period = request.query_params.get("period") or "90"
        period = period if period in PERIODS else "90"
        areas = await store.areas(web.pool)
        area = request.query_params.get("area") or None
        area = area if area in areas else None
        since = datetime.now(timezone.utc) - timedelta(days=int(period))
        figures = await web.client.stats(since=since, area=area)
        sections = [
            _section("Pågående ärenden per skede", "Antal", [(labels.label(labels.STAGES, k), v) for k, v in figures.active_by_stage.items()]),
            _section("Avslutade ärenden per utfall", "Antal", [(labels.label(labels.OUTCOMES, k), v) for k, v in figures.closed_by_outcome.items()]),
            _section("Median antal dagar per skede", "Dagar", [(labels.label(labels.STAGES, k), round(v, 1)) for k, v in figures.median_days_per_stage.items()]),
            _section("Pågående ärenden per område", "Antal", sorted(figures.active_by_area.items())),
        ]
        keeps = None if figures.keeps_home_share is None else round(100 * figures.keeps_home_share)
        return web.page(request, "stats.html", {
            "title": "Statistik", "figures": figures, "sections": sections, "keeps": keeps, "areas": areas,
            "area": area, "period": period, "periods": PERIODS,
        }, user=user)  # fmt: skip

    @guarded
    async def area_picture(request: Request) -> Response:
        """The last full week (Monday to Monday, Swedish time), as the weekly Schedule
        sends it: counts by category and place, small cells folded, places screened."""
        user = web.user(request)
        today = datetime.now(STOCKHOLM).date()
        monday = today - timedelta(days=today.weekday())
        week = request.query_params.get("week")
        start_day = monday - timedelta(days=7) if week != "current" else monday
        start = datetime.combine(start_day, time(0), tzinfo=STOCKHOLM)
        end = start + timedelta(days=7)
        summaries, _ = await area_summaries(web.pool, start, end)
        return web.page(request, "area.html", {"title": "Områdesbild", "summaries": sorted(summaries.items()),
                                               "start": start, "end": end - timedelta(seconds=1), "week": week}, user=user)  # fmt: skip

    return [Route("/stats", stats, name="stats"), Route("/area", area_picture, name="area")]


def _section(title: str, unit: str, rows: list[tuple[str, float]]) -> dict:
    return {"title": title, "unit": unit, "rows": rows, "svg": Markup(bar_svg(title, rows, unit=unit))}


__all__ = ["routes", "Role", "date"]
