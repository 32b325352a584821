"""POST /v1/cases/{case}/steps/{step}: a staff step, taken as the signed-in user.

The actor is the signed-in user, never a field of the body (a body naming one is 422).
An `Idempotency-Key` becomes the step's Update id, so a retried request never takes the
step twice: Temporal answers the same Update id with the first one's outcome. The key is
prefixed with a hash of the caller, so one person's key never answers for another. A role
that may never take the step is 403 before anything is sent; a step the case refuses as
it stands is 409 with the ladder's reason; a bad field is 422, naming each.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Header

from api.context import ApiContext, acting, context
from api.problems import ApiProblem, FieldProblem, Problem, invalid
from api.v1.errors import client_errors
from client.cases import ALL_STEPS
from domain.models import Actor
from domain.prevention import PREVENTION_ROLES, PREVENTION_STEP_MODELS
from domain.steps import STEP_ROLES
from domain.view import CaseView

router = APIRouter(tags=["steps"])
ERRORS = {s: {"model": Problem} for s in (401, 403, 404, 409, 422, 503, 504)}
StepName = Literal[tuple(sorted(ALL_STEPS))]  # type: ignore[valid-type]
KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def roles_for(step: str):
    return PREVENTION_ROLES if step in PREVENTION_STEP_MODELS else STEP_ROLES[step]


def update_id(subject: str, key: str) -> str:
    caller = hashlib.sha256(subject.encode()).hexdigest()[:16]
    return f"api-{caller}-{key}"


def step_description() -> str:
    lines = ["The step's fields as JSON (no `actor`: you are the actor). Steps and who may take them:"]
    for name, model in sorted(ALL_STEPS.items()):
        fields = ", ".join(f for f in model.model_fields if f != "actor")
        lines.append(f"- `{name}` ({fields}): {', '.join(sorted(r.value for r in roles_for(name)))}")
    return "\n".join(lines)


@router.post("/cases/{case}/steps/{step}", response_model=CaseView, responses=ERRORS,
             summary="Take a staff step; answers the new case view", description=step_description())  # fmt: skip
async def take_step(
    case: str,
    step: StepName,
    body: dict[str, Any] = Body(default_factory=dict),
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", pattern=KEY.pattern,
                                         description="Becomes the Update id: a retry never takes the step twice."),  # fmt: skip
    actor: Actor = Depends(acting),
    ctx: ApiContext = Depends(context),
) -> CaseView:
    if "actor" in body:
        raise invalid([FieldProblem(field="actor", reason="the actor is the signed-in user, never a field of the body")])
    if actor.role not in roles_for(step):
        raise ApiProblem(403, f"'{step}' needs one of the roles {', '.join(sorted(r.value for r in roles_for(step)))}; "
                              f"you act as {actor.role.value}.")  # fmt: skip
    step_id = update_id(actor.id, idempotency_key) if idempotency_key else None
    with client_errors():
        return await ctx.trygg.act(case, step, actor, body, step_id=step_id)
