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
"""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

from runtime.codec import PayloadDecryptionError
from runtime.logging import get_logger

MAX_CODEC_BODY = 16 * 1024 * 1024
"""A batch of payloads from one history page; Temporal caps a single payload at 2 MB."""

ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"

log = get_logger("trygg.api.codec")


def codec_routes(codec: PayloadCodec, origins: Sequence[str], prefix: str = "/codec") -> list[Route]:
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
        operation = codec.encode if request.url.path.rstrip("/").endswith("/encode") else codec.decode
        try:
            result = Payloads(payloads=await operation(payloads.payloads))
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
