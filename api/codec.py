"""The codec server: Temporal's remote codec protocol, so the Web UI (and `temporal
workflow show --codec-endpoint …`) shows decrypted payloads.

POST …/encode and …/decode take `{"payloads": [Payload as proto JSON]}` and answer the
same shape. Only the last path segment counts, so /codec/decode and
/codec/{namespace}/decode both work. The Web UI calls from the browser, hence CORS:
a preflight from an allowed origin is answered with the origin, the headers the UI sends
(Content-Type, X-Namespace, Authorization) and credentials allowed; any other origin is
refused. Requests without an Origin (the CLI, curl) are not browser requests and pass.

This endpoint decrypts: it must be reachable by staff only (behind the same sign-in as
the Web UI), never from the internet or by partners.

**Decoded is not whole.** Every decoded JSON payload is cut by the one redaction rule
(domain/redaction.py) for the reader's role: the complainant only for a case owner, the
tenants and free text only for roles that work cases, codes for the rest. Trygg has no
sign-in of its own yet (the API issue adds it), so the reader's role is taken from the
`X-Trygg-Role` header only when `trust_role_header` is set (TRYGG_CODEC_TRUST_ROLE_HEADER),
which an operator may do only where a sign-in proxy in front of the API sets that header
from the signed-in staff member and drops any a client sent. Without it, or without the
header, every payload is decoded cut to codes, dates, stages and counts: nothing personal
reaches the Web UI. Encoding needs no role: it reveals nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from domain.models import Role
from domain.redaction import cut
from runtime.codec import PayloadDecryptionError
from runtime.logging import get_logger

MAX_CODEC_BODY = 16 * 1024 * 1024
"""A batch of payloads from one history page; Temporal caps a single payload at 2 MB."""

ROLE_HEADER = "X-Trygg-Role"
"""The signed-in reader's role, set by the sign-in proxy (trusted only when configured)."""

ALLOWED_HEADERS = f"Content-Type, X-Namespace, Authorization, {ROLE_HEADER}"

JSON_ENCODING = b"json/plain"

log = get_logger("trygg.api.codec")


def reader_role(headers, *, trusted: bool) -> Role | None:
    """The role decoded payloads are cut for: the header's, when it is trusted and names a
    staff role; otherwise None, which the rule reads as codes only."""
    if not trusted:
        return None
    try:
        role = Role(headers.get(ROLE_HEADER, ""))
    except ValueError:
        return None
    return None if role is Role.SYSTEM else role


def cut_payload(payload: Payload, role: Role | None) -> Payload:
    """A decoded payload with what `role` may not read set to null. A payload that is not
    JSON (binary, null) carries no case data and passes as it is."""
    if payload.metadata.get("encoding") != JSON_ENCODING:
        return payload
    try:
        value = json.loads(payload.data)
    except (ValueError, UnicodeDecodeError):
        return payload
    data = json.dumps(cut(value, role), ensure_ascii=False, separators=(",", ":")).encode()
    return Payload(metadata=dict(payload.metadata), data=data)


def codec_routes(
    codec: PayloadCodec, origins: Sequence[str], prefix: str = "/codec", *, trust_role_header: bool = False
) -> list[Route]:
    allowed = frozenset(origin.rstrip("/") for origin in origins)

    def cors(request: Request) -> dict[str, str] | None:
        """CORS headers for this request, {} when it is no browser request, None when refused."""
        origin = request.headers.get("origin")
        if origin is None:
            return {}
        if origin.rstrip("/") not in allowed:
            return None
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    async def handle(request: Request) -> Response:
        headers = cors(request)
        if headers is None:
            log.warning("codec call from an origin not allowed", path=request.url.path)
            return JSONResponse({"error": "origin not allowed"}, status_code=403)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        body = await request.body()
        if len(body) > MAX_CODEC_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413, headers=headers)
        try:
            payloads = json_format.Parse(body, Payloads())
        except (json_format.ParseError, ValueError, UnicodeDecodeError):
            return JSONResponse({"error": 'body must be {"payloads": [...]} in proto JSON'}, status_code=400, headers=headers)
        encoding = request.url.path.rstrip("/").endswith("/encode")
        try:
            if encoding:
                result = Payloads(payloads=await codec.encode(payloads.payloads))
            else:
                role = reader_role(request.headers, trusted=trust_role_header)
                decoded = await codec.decode(payloads.payloads)
                result = Payloads(payloads=[cut_payload(p, role) for p in decoded])
        except PayloadDecryptionError as error:  # unknown key id or tampering: its message names the key id only
            log.warning("codec call failed", path=request.url.path, error=type(error).__name__)
            return JSONResponse({"error": str(error)}, status_code=422, headers=headers)
        return Response(json_format.MessageToJson(result), media_type="application/json", headers=headers)

    methods = ["POST", "OPTIONS"]
    return [
        Route(f"{prefix}/{operation}", handle, methods=methods)
        for operation in ("encode", "decode")
    ] + [
        Route(f"{prefix}/{{namespace}}/{operation}", handle, methods=methods)
        for operation in ("encode", "decode")
    ]  # fmt: skip
