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

**Behind sign-in.** Every encode and decode needs a bearer token of a signed-in member of
staff (api/tokens.py; the Web UI sends the user's own with its codec setting
`passAccessToken`, deploy/README.md); without one it is 401, a case system's or an area
manager's is 403. Decoded is not whole: every decoded JSON payload is cut by the one
redaction rule (domain/redaction.py) for the reader's role: the complainant only for a
case owner, the tenants and free text only for roles that work cases, codes for the
operator. Encoding needs a signed-in member of staff too: it would otherwise let anyone
write ciphertext under the active key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from api.principal import AccessRefused, CallerKind
from api.problems import problem_response
from api.tokens import TokenVerifier
from domain.models import Role
from domain.redaction import cut
from runtime.codec import PayloadDecryptionError
from runtime.logging import get_logger

MAX_CODEC_BODY = 16 * 1024 * 1024
"""A batch of payloads from one history page; Temporal caps a single payload at 2 MB."""

ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"

CODEC_ROLES = frozenset(Role) - {Role.SYSTEM, Role.AREA_MANAGER}
"""Who may use the codec: the operator (who inspects workflows) and the roles that work
cases. The area manager sees area pictures, never a case's payloads."""

JSON_ENCODING = b"json/plain"

log = get_logger("trygg.api.codec")


async def reader_role(request: Request, verifier: TokenVerifier | None) -> Role:
    """The signed-in reader's role, the one decoded payloads are cut for; AccessRefused if none."""
    if verifier is None:
        raise AccessRefused(401, "the codec needs sign-in, and no OpenID issuer is configured")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AccessRefused(401, "sign in: send Authorization: Bearer <access token>")
    principal = await verifier.verify(token.strip())
    if principal.kind is not CallerKind.STAFF or not principal.roles:
        raise AccessRefused(403, "the codec is for signed-in staff")
    allowed = [role for role in principal.roles if role in CODEC_ROLES]
    if not allowed:
        raise AccessRefused(403, "your role does not read workflow payloads")
    return principal.acting_role(allowed[0])


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
    codec: PayloadCodec, origins: Sequence[str], prefix: str = "/codec", *, verifier: TokenVerifier | None = None
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
            return problem_response(request, 403, "origin not allowed")
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
        try:
            role = await reader_role(request, verifier)
        except AccessRefused as refused:
            auth = {"WWW-Authenticate": "Bearer"} if refused.status == 401 else {}
            return problem_response(request, refused.status, refused.reason, headers={**headers, **auth})
        body = await request.body()
        if len(body) > MAX_CODEC_BODY:
            return problem_response(request, 413, "body too large", headers=headers)
        try:
            payloads = json_format.Parse(body, Payloads())
        except (json_format.ParseError, ValueError, UnicodeDecodeError):
            return problem_response(request, 400, 'body must be {"payloads": [...]} in proto JSON', headers=headers)
        encoding = request.url.path.rstrip("/").endswith("/encode")
        try:
            if encoding:
                result = Payloads(payloads=await codec.encode(payloads.payloads))
            else:
                decoded = await codec.decode(payloads.payloads)
                result = Payloads(payloads=[cut_payload(p, role) for p in decoded])
        except PayloadDecryptionError as error:  # unknown key id or tampering: its message names the key id only
            log.warning("codec call failed", path=request.url.path, error=type(error).__name__)
            return problem_response(request, 422, str(error), headers=headers)
        return Response(json_format.MessageToJson(result), media_type="application/json", headers=headers)

    methods = ["POST", "OPTIONS"]
    return [
        Route(f"{prefix}/{operation}", handle, methods=methods)
        for operation in ("encode", "decode")
    ] + [
        Route(f"{prefix}/{{namespace}}/{operation}", handle, methods=methods)
        for operation in ("encode", "decode")
    ]  # fmt: skip
