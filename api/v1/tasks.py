"""POST /v1/tasks/{task}/assignee: hand one open task to a named colleague (the team
lead hands any task to anyone; a member of the task's role claims an unassigned one for
themselves).

The register says which case the task belongs to. A task of the case goes to the case's
`assign_task` step; a task of its prevention track (not among the case's own tasks) to
the track's `assign_task` Update (domain.prevention.ASSIGN_TASK). Either way the answer
is the case view for the caller's role.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, ConfigDict, Field

from api.context import ApiContext, acting, context
from api.problems import ApiProblem, Problem
from api.v1.errors import client_errors
from api.v1.steps import KEY, update_id
from client.cases import new_step_id
from domain.models import Actor
from domain.steps import STAFF_ID
from domain.text import ShortText
from domain.view import CaseView
from register.api_reads import task_workflow

router = APIRouter(tags=["tasks"])
ERRORS = {s: {"model": Problem} for s in (401, 403, 404, 409, 422)}


class NewAssignee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: str = STAFF_ID
    reason: ShortText = Field(description="Why, for the audit trail.")


@router.post("/tasks/{task}/assignee", response_model=CaseView, responses=ERRORS,
             summary="Hand an open task to a named colleague; answers the case view")  # fmt: skip
async def assign(
    task: str,
    body: NewAssignee,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key", pattern=KEY.pattern,
                                         description="Becomes the Update id: a retry never hands it twice."),  # fmt: skip
    actor: Actor = Depends(acting),
    ctx: ApiContext = Depends(context),
) -> CaseView:
    workflow_id = await task_workflow(ctx.pool, task[:128])
    if workflow_id is None:
        raise ApiProblem(404, "There is no open task under that id.")
    step_id = update_id(actor.id, idempotency_key) if idempotency_key else new_step_id()
    with client_errors():
        return await ctx.trygg.assign_task(workflow_id, actor, task, body.assignee, body.reason, step_id=step_id)
