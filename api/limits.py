"""Request size limits, enforced before a route reads a byte it does not need.

A declared Content-Length over the limit is refused at once; a body sent without one
(chunked) is counted as it arrives and refused when it passes the limit. Either way the
answer is a 413 problem document.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException

from api.problems import PROBLEM_JSON, TYPE_BASE

API_BODY_LIMIT = 64 * 1024
"""A report or a step is a few kilobytes."""


class _TooLarge(HTTPException):
    """An HTTP error, so the app's own handler answers it as a problem (api/problems.py)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The body may be at most {limit} bytes.")


class BodyLimit:
    """ASGI middleware: `limit` bytes for every path, `wider` for path prefixes that need more (the codec)."""

    def __init__(self, app, limit: int = API_BODY_LIMIT, wider: dict[str, int] | None = None) -> None:
        self.app, self.limit, self.wider = app, limit, wider or {}

    def _limit(self, path: str) -> int:
        return next((n for prefix, n in self.wider.items() if path.startswith(prefix)), self.limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _refuse(scope, send, limit)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracked(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await _refuse(scope, send, limit)


async def _refuse(scope, send, limit: int) -> None:
    body = json.dumps({"type": TYPE_BASE + "too-large", "title": "too large", "status": 413,
                       "detail": f"The body may be at most {limit} bytes.", "instance": scope.get("path")}).encode()  # fmt: skip
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
