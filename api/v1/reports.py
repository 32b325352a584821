"""POST /v1/reports: a case system (or a member of staff) files a report.

The `Idempotency-Key` header is required: the same key with the same body answers the
first answer again and files nothing; with a different body 422; while the first is
still running 409 (api/idempotency.py). The report goes in by Update-with-start, so the
answer is the case's own receipt (case id, report id, stage, duplicate or not).
"""

from __future__ import annotations


from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from api import idempotency
from api.context import ApiContext, caller, context
from api.principal import CallerKind, Principal
from api.problems import ApiProblem, FieldProblem, Problem, invalid
from api.v1.errors import client_errors
from domain.intake import ReportReceipt
from domain.models import DisturbanceReport, Role

router = APIRouter(tags=["reports"])

ERRORS = {401: {"model": Problem}, 403: {"model": Problem}, 409: {"model": Problem}, 422: {"model": Problem}}


def _may_file(principal: Principal) -> None:
    if principal.kind is CallerKind.STAFF and not (set(principal.roles) - {Role.OPERATOR, Role.AREA_MANAGER}):
        raise ApiProblem(403, "Your role does not file reports; a case system or case staff does.")


def location(receipt: ReportReceipt) -> str:
    return f"/v1/reports/{receipt.report_id}"


@router.post("/reports", status_code=201, response_model=ReportReceipt, responses=ERRORS,
             summary="File a report (opens the tenancy's case or joins the open one)")  # fmt: skip
async def file_report(
    request: Request,
    report: DisturbanceReport,
    idempotency_key: str = Header(alias="Idempotency-Key", pattern=idempotency.KEY_PATTERN,
                                  description="Your id of this request: 1-128 of A-Z a-z 0-9 . _ : -"),  # fmt: skip
    principal: Principal = Depends(caller),
    ctx: ApiContext = Depends(context),
) -> Response:
    _may_file(principal)
    digest = idempotency.body_hash(await request.body())
    try:
        stored = await idempotency.claim(ctx.pool, principal.subject, idempotency_key, digest)
    except idempotency.KeyConflict as conflict:
        if conflict.why == "mismatch":
            raise invalid([FieldProblem(field="header:Idempotency-Key",
                                        reason="already used with another body")]) from None  # fmt: skip
        raise ApiProblem(409, "The first request with this Idempotency-Key is still running; ask again shortly.",
                         kind="request-in-progress", headers={"Retry-After": "1"}) from None  # fmt: skip
    if stored is not None:
        receipt = ReportReceipt.model_validate(stored.answer)
        return JSONResponse(stored.answer, status_code=stored.status, headers={"Location": location(receipt)})
    try:
        with client_errors():
            receipt = await ctx.trygg.report(report)
    except BaseException:
        await idempotency.release(ctx.pool, principal.subject, idempotency_key)
        raise
    answer = receipt.model_dump(mode="json")
    await idempotency.finish(ctx.pool, principal.subject, idempotency_key, 201, answer, receipt.report_id)
    return JSONResponse(answer, status_code=201, headers={"Location": location(receipt)})


@router.get("/reports/{report_id}", response_model=ReportReceipt, responses=ERRORS,
            summary="The receipt of a report you filed")  # fmt: skip
async def report_receipt(
    report_id: str, principal: Principal = Depends(caller), ctx: ApiContext = Depends(context)
) -> ReportReceipt:
    answer = await idempotency.receipt(ctx.pool, principal.subject, report_id[:200])
    if answer is None:
        raise ApiProblem(404, "You filed no report under that id.")
    return ReportReceipt.model_validate(answer)
