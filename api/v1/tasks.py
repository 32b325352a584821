"""POST /v1/tasks/{task}/assignee: hand one open task to a named colleague (the case's
`assign_task` step: the team lead hands any task to anyone; a member of the task's role
claims an unassigned one for themselves)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.context import ApiContext, acting, context
from api.problems import ApiProblem, Problem
from api.v1.errors import client_errors
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
async def assign(task: str, body: NewAssignee, actor: Actor = Depends(acting), ctx: ApiContext = Depends(context)) -> CaseView:
    workflow_id = await task_workflow(ctx.pool, task[:128])
    if workflow_id is None:
        raise ApiProblem(404, "There is no open task under that id.")
    with client_errors():
        return await ctx.trygg.act(workflow_id, "assign_task", actor, {"task_id": task, **body.model_dump()})
