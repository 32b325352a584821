"""GET /v1/policy: the escalation policy new cases open under (every rule and deadline,
each default citing its source). A running case keeps the version it opened under."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.context import ApiContext, acting, context
from api.problems import Problem
from domain.models import Actor

router = APIRouter(tags=["policy"])


@router.get("/policy", responses={s: {"model": Problem} for s in (401, 403)}, summary="The policy new cases open under")
async def policy(actor: Actor = Depends(acting), ctx: ApiContext = Depends(context)) -> dict[str, Any]:
    return ctx.trygg.policy.model_dump(mode="json")
