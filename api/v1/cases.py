"""The cases: a filtered, paged list from the register; one case as the caller's role may
read it, with the steps that role may take next; its timeline, cut by role."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.context import ApiContext, acting, context
from api.problems import FieldProblem, Problem, invalid
from api.v1.errors import client_errors
from client.timeline import Timeline
from domain.models import Actor
from domain.view import CaseView
from register.api_reads import CaseListItem, list_cases

router = APIRouter(tags=["cases"])
ERRORS = {401: {"model": Problem}, 403: {"model": Problem}, 404: {"model": Problem}, 422: {"model": Problem}}
NAME = r"^[A-Za-z0-9._:@-]{1,128}$"


class CasePage(BaseModel):
    items: list[CaseListItem]
    next_offset: int | None


@router.get("/cases", response_model=CasePage, responses=ERRORS, summary="Cases, filtered and paged (from the register)")
async def cases(
    stage: str | None = Query(default=None, pattern=NAME),
    area: str | None = Query(default=None, max_length=128),
    category: str | None = Query(default=None, pattern=NAME),
    overdue: bool | None = None,
    escalated: bool | None = None,
    assignee: str | None = Query(default=None, pattern=NAME),
    include_closed: bool = False,
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=100_000),
    actor: Actor = Depends(acting),
    ctx: ApiContext = Depends(context),
) -> CasePage:
    found = await list_cases(
        ctx.pool, now=datetime.now(UTC), stage=stage, area=area, category=category, overdue=overdue,
        escalated=escalated, assignee=assignee, include_closed=include_closed, limit=limit, offset=offset,
    )  # fmt: skip
    more = len(found) > limit
    return CasePage(items=found[:limit], next_offset=offset + limit if more else None)


@router.get("/cases/{case}", response_model=CaseView, responses=ERRORS,
            summary="One case as your role may read it; allowed_steps are the steps you may take next")  # fmt: skip
async def case(case: str, actor: Actor = Depends(acting), ctx: ApiContext = Depends(context)) -> CaseView:
    with client_errors():
        return await ctx.trygg.view(_case_ref(case), actor.role)


@router.get("/cases/{case}/timeline", response_model=Timeline, responses=ERRORS,
            summary="The case's timeline and audit trail, cut by your role")  # fmt: skip
async def timeline(case: str, actor: Actor = Depends(acting), ctx: ApiContext = Depends(context)) -> Timeline:
    with client_errors():
        return await ctx.trygg.history(_case_ref(case), actor.role)


def _case_ref(case: str) -> str:
    """A case is named by its workflow id (`case-…`) or its tenancy id, as everywhere."""
    if not re.fullmatch(NAME, case):
        raise invalid([FieldProblem(field="path:case", reason="1 to 128 of A-Z a-z 0-9 . _ : @ -")])
    return case
