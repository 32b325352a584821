"""The partners' listener: the acknowledgement endpoint (and /healthz), nothing else.

It runs on its own address and port (TRYGG_PARTNER_API_PORT), apart from the staff API,
the codec and the web app (api/staff.py on TRYGG_API_PORT), so a proxy is not the only
thing keeping partners off staff routes.

A partner POSTs `{"notice_id": "..."}` to /partners/{partner_id}/acknowledgements, signed
with its own secret exactly as Trygg signs the notices it sends (partners/signing.py:
X-Trygg-Timestamp and X-Trygg-Signature = v1=HMAC-SHA256(secret, f"{timestamp}.{body}")).
A verified acknowledgement of a notice that partner was sent is recorded in the outbox
(first time kept) and signalled to the case workflow as `acknowledge_notice` with a
NoticeAcknowledgement. Repeats are answered 202 again and signalled again: the case
workflow's handler must treat a second acknowledgement of a notice as a no-op.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.records import NoticeAcknowledgement
from domain.text import Ref
from partners import outbox
from partners.directory import PartnerDirectory
from partners.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from runtime.logging import get_logger

ACKNOWLEDGE_SIGNAL = "acknowledge_notice"
"""The case workflow's signal name; its argument is a domain.records.NoticeAcknowledgement."""

MAX_BODY = 16 * 1024

log = get_logger("trygg.api")


class AcknowledgementBody(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    notice_id: Ref


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(directory: PartnerDirectory, pool: asyncpg.Pool, temporal: Client) -> Starlette:
    """The partners' ASGI app; dependencies are passed in so tests run it against real servers."""

    async def acknowledge(request: Request) -> JSONResponse:
        partner_id = request.path_params["partner_id"]
        partner = directory.get(partner_id)
        if partner is None:
            return _error(404, "unknown partner")
        secret = partner.signing_secret()
        if secret is None:
            return _error(403, "this partner has no secret for acknowledgements")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error(413, "body too large")
        if not verify(secret, request.headers.get(TIMESTAMP_HEADER), body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("acknowledgement with a bad signature", partner_id=partner_id)
            return _error(401, "invalid or stale signature")
        try:
            ack = AcknowledgementBody.model_validate(json.loads(body))
        except (ValueError, ValidationError):
            return _error(400, 'body must be JSON {"notice_id": "..."}')
        route = await outbox.find_route(pool, ack.notice_id, partner_id)
        if route is None:
            return _error(404, "no such notice was sent to this partner")
        at = datetime.now(UTC)
        case_notified = False
        if route.workflow_id:
            signal = NoticeAcknowledgement(notice_id=ack.notice_id, partner_id=partner_id, at=at)
            try:
                await temporal.get_workflow_handle(route.workflow_id).signal(ACKNOWLEDGE_SIGNAL, signal)
                case_notified = True
            except RPCError as error:
                if error.status is not RPCStatusCode.NOT_FOUND:
                    log.warning("acknowledgement not signalled", partner_id=partner_id, notice_id=ack.notice_id)
                    return _error(503, "try again later")
        await outbox.mark_acknowledged(pool, ack.notice_id, partner_id, at)
        log.info("notice acknowledged", partner_id=partner_id, notice_id=ack.notice_id, case_notified=case_notified)
        return JSONResponse(
            {"notice_id": ack.notice_id, "partner_id": partner_id, "acknowledged_at": at.isoformat(),
             "case_notified": case_notified},
            status_code=202,
        )  # fmt: skip

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/partners/{partner_id}/acknowledgements", acknowledge, methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
