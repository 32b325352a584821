"""Every error the API answers is an RFC 9457 problem document (application/problem+json).

A problem has a `type` per kind of error (a stable URI the README lists), a `title`, the
HTTP `status`, a `detail` in words, and, for bad input, `errors`: one entry per bad field
with the field's location and the reason, never the value that was sent (it may be a
name or an address). Unexpected failures answer 500 with a problem that says only that,
and the log names the exception's type: never a stack trace to the caller.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from runtime.logging import get_logger

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://trygg.example/problems/"

log = get_logger("trygg.api")


class FieldProblem(BaseModel):
    field: str = Field(description="Where: the body's field (dotted), a header, a query or path parameter.")
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)
    step_id: str | None = Field(default=None, description="Of a step whose outcome is unknown: send it again under it.")


TITLES = {
    400: "bad-request",
    401: "not-signed-in",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-requests",
    500: "internal-error",
    503: "unavailable",
    504: "outcome-unknown",
}


class ApiProblem(Exception):
    """Raised by a route to answer a problem; `kind` names its type (defaults by status)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        step_id: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind or TITLES.get(status, "error")
        self.errors, self.headers, self.step_id = errors or [], headers or {}, step_id


def invalid(errors: list[FieldProblem], detail: str = "The request has invalid fields.") -> ApiProblem:
    return ApiProblem(422, detail, kind="invalid-input", errors=errors)


def field_problems(lines: list[str], prefix: str = "") -> list[FieldProblem]:
    """client.errors' "field: reason" lines as field problems."""
    problems = []
    for line in lines:
        field, sep, reason = line.partition(": ")
        problems.append(FieldProblem(field=prefix + field if sep else "(input)", reason=reason if sep else line))
    return problems


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    step_id: str | None = None,
) -> JSONResponse:
    kind = kind or TITLES.get(status, "error")
    body = Problem(
        type=TYPE_BASE + kind, title=kind.replace("-", " "), status=status, detail=detail,
        instance=request.url.path if request is not None else None, errors=errors or [], step_id=step_id,
    )  # fmt: skip
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if where == "body" and rest else f"{where}:{'.'.join(rest)}" if rest else where
    return ".".join(parts) or "(input)"


def install(app: FastAPI) -> None:
    """Exception handlers so that nothing leaves the API but a problem document."""

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, error: ApiProblem) -> JSONResponse:
        return problem_response(request, error.status, error.detail, kind=error.kind, errors=error.errors,
                                headers=error.headers, step_id=error.step_id)  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = []
        for issue in error.errors():
            message = " ".join(str(issue.get("msg", "invalid")).removeprefix("Value error, ").split())
            errors.append(FieldProblem(field=_location(tuple(issue.get("loc", ()))), reason=message))
        return problem_response(request, 422, "The request has invalid fields.", kind="invalid-input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "error")
        return problem_response(request, error.status_code, detail, headers=getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("api request failed", path=request.url.path, error=type(error).__name__)
        return problem_response(request, 500, "Something went wrong on our side; nothing about it is shown here.")
