"""GET /v1/inbox: the signed-in member of staff's open tasks and their role's unassigned
ones, overdue first (the register's near-real-time copy of what the cases hold)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from api.context import ApiContext, acting, context
from api.problems import Problem
from domain.models import Actor
from register.api_reads import my_inbox
from register.queries import InboxItem

router = APIRouter(tags=["inbox"])


@router.get("/inbox", response_model=list[InboxItem], responses={s: {"model": Problem} for s in (401, 403, 422)},
            summary="Your tasks and your role's unassigned ones, overdue first")  # fmt: skip
async def inbox(
    area: str | None = Query(default=None, max_length=128),
    kind: str | None = Query(default=None, pattern=r"^[a-z_]{1,64}$"),
    due_before: AwareDatetime | None = None,
    actor: Actor = Depends(acting),
    ctx: ApiContext = Depends(context),
) -> list[InboxItem]:
    return await my_inbox(ctx.pool, now=datetime.now(UTC), staff_id=actor.id, role=actor.role.value, area=area,
                          kind=kind, due_before=due_before)  # fmt: skip
