"""GET /v1/exports/{tenancy|person}/{id}: the access export (registerutdrag, GDPR art. 15),
complainants redacted and cut to the caller's role (register/export.py). Each export is
written down in the register first: who asked, in which role, when, for whom."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path

from api.context import ApiContext, acting, context
from api.problems import ApiProblem, Problem
from domain.models import Actor, Role
from register.api_reads import record_export
from register.export import AccessExport, export_person, export_tenancy

router = APIRouter(tags=["exports"])
EXPORT_ROLES = frozenset({Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD, Role.TENANCY_LAWYER})
"""Who answers access requests: the case-owning roles and the tenancy lawyer."""


@router.get("/exports/{subject_kind}/{subject_id}", response_model=AccessExport,
            responses={s: {"model": Problem} for s in (401, 403, 422)},
            summary="Everything the register holds on a tenancy or a person, redacted")  # fmt: skip
async def export(
    subject_kind: Literal["tenancy", "person"],
    subject_id: str = Path(pattern=r"^[A-Za-z0-9._:@-]{1,128}$"),
    actor: Actor = Depends(acting),
    ctx: ApiContext = Depends(context),
) -> AccessExport:
    if actor.role not in EXPORT_ROLES:
        raise ApiProblem(403, f"Access exports are made by {', '.join(sorted(r.value for r in EXPORT_ROLES))}.")
    now = datetime.now(UTC)
    make = export_tenancy if subject_kind == "tenancy" else export_person
    result = await make(ctx.pool, subject_id, role=actor.role, now=now)
    await record_export(ctx.pool, subject_kind=subject_kind, subject_id=subject_id, requested_by=actor.id,
                        role=actor.role.value, at=now, cases=len(result.cases))  # fmt: skip
    return result
