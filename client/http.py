"""The CLI's staff commands over the HTTP API, as the signed-in user (`trygg login`).

The same answers as TryggClient's (CaseView, Timeline, inbox items) and the same errors
(client/errors.py), so the console prints either the same way: the API's problem
documents become InvalidInput naming each field (422), StepRefused (409, 403),
CaseNotFound (404), OutcomeUnknown (504, with the step id), Unreachable (503 or no
answer), and NotSignedIn (401: run trygg login again). Every step goes under an
Idempotency-Key chosen before its first attempt, so a retry never takes it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from client.cases import new_step_id
from client.errors import CaseNotFound, InvalidInput, OutcomeUnknown, StepRefused, TryggError, Unreachable
from client.timeline import Timeline
from domain.models import Role
from domain.view import CaseView
from register.queries import InboxItem


class NotSignedIn(TryggError):
    """The API did not accept the sign-in: run `trygg login` again."""


class HttpTrygg:
    """Staff commands through the API; `access_token` gives a fresh token for each call."""

    def __init__(self, api_url: str, access_token: Callable[[], str], *, role: Role | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0) -> None:  # fmt: skip
        self.api_url = api_url.rstrip("/")
        self.access_token = access_token
        self.role = role
        self.http = httpx.AsyncClient(base_url=self.api_url, transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> "HttpTrygg":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.access_token()}", **extra}
        if self.role is not None:
            headers["X-Trygg-Role"] = self.role.value
        return headers

    async def _call(self, method: str, path: str, *, step: tuple[str, str, str] | None = None, **kwargs) -> Any:
        try:
            answer = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            if step is not None:
                raise OutcomeUnknown(*step) from None
            raise Unreachable(f"cannot reach the Trygg API at {self.api_url} ({type(error).__name__})") from None
        if answer.status_code < 400:
            return answer.json()
        raise _error(answer, step)

    async def act(self, case: str, step: str, data: dict[str, Any], *, step_id: str | None = None) -> CaseView:
        key = step_id or new_step_id()
        body = await self._call("POST", f"/v1/cases/{quote(case, safe='')}/steps/{quote(step, safe='')}", json=data,
                                headers=self._headers(**{"Idempotency-Key": key}), step=(case, step, key))  # fmt: skip
        return CaseView.model_validate(body)

    async def view(self, case: str) -> CaseView:
        return CaseView.model_validate(await self._call("GET", f"/v1/cases/{quote(case, safe='')}", headers=self._headers()))

    async def history(self, case: str) -> Timeline:
        path = f"/v1/cases/{quote(case, safe='')}/timeline"
        return Timeline.model_validate(await self._call("GET", path, headers=self._headers()))

    async def inbox(self, *, area: str | None = None, kind: str | None = None) -> list[InboxItem]:
        params = {k: v for k, v in {"area": area, "kind": kind}.items() if v is not None}
        return [InboxItem.model_validate(i) for i in await self._call("GET", "/v1/inbox", params=params,
                                                                       headers=self._headers())]  # fmt: skip


def _error(answer: httpx.Response, step: tuple[str, str, str] | None) -> TryggError:
    try:
        problem = answer.json()
    except ValueError:
        problem = {}
    detail = str(problem.get("detail") or answer.reason_phrase)
    match answer.status_code:
        case 401:
            return NotSignedIn(f"not signed in: {detail}; run trygg login")
        case 403 | 409:
            return StepRefused(detail)
        case 404:
            return CaseNotFound(detail)
        case 422:
            errors = [f"{e.get('field')}: {e.get('reason')}" for e in problem.get("errors", [])]
            return InvalidInput(errors or [detail])
        case 504 if step is not None:
            return OutcomeUnknown(step[0], step[1], problem.get("step_id") or step[2])
    return Unreachable(f"the Trygg API answered {answer.status_code}: {detail}")
