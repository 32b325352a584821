"""GET /v1/stats: the register's counts over a period (aggregates only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from api.context import ApiContext, acting, context
from api.problems import ApiProblem, FieldProblem, Problem, invalid
from domain.models import Actor
from register.queries import RegisterStatistics, statistics

router = APIRouter(tags=["stats"])


@router.get("/stats", response_model=RegisterStatistics, responses={s: {"model": Problem} for s in (401, 403, 422)},
            summary="Counts by stage, category and outcome over a period")  # fmt: skip
async def stats(
    since: AwareDatetime | None = Query(default=None, description="Default: 30 days ago."),
    until: AwareDatetime | None = Query(default=None, description="Default: now."),
    area: str | None = Query(default=None, max_length=128),
    actor: Actor = Depends(acting),
    ctx: ApiContext = Depends(context),
) -> RegisterStatistics:
    end = until or datetime.now(UTC) + timedelta(seconds=1)
    start = since or end - timedelta(days=30)
    if start >= end:
        raise invalid([FieldProblem(field="query:since", reason="must lie before until")])
    try:
        return await statistics(ctx.pool, start=start, end=end, area=area)
    except OverflowError:
        raise ApiProblem(422, "The period is out of range.") from None
