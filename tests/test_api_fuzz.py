"""Property-based fuzzing of every endpoint from the API's own OpenAPI document
(schemathesis): whatever is sent, signed in or not, the answer is never a 5xx, and every
error is an RFC 9457 problem document. The API runs on uvicorn on loopback in the test's
event loop, against the real stack; schemathesis and Hypothesis drive it from a thread
with real HTTP requests. Bounded: a few examples per operation."""

from __future__ import annotations

import asyncio

import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.server import build_server, loopback_socket, serve
from api.staff import create_staff_app
from tests.api_stack import api_stack

EXAMPLES = 25
PROBLEM = "application/problem+json"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def served(local_env, pg_pool, identity_provider):
    async with api_stack(local_env, pg_pool, identity_provider) as api:
        app = create_staff_app(api.trygg, pg_pool, api.http._transport.app.state.context.verifier)  # type: ignore[attr-defined]
        sock = loopback_socket()
        server = build_server(app)
        task = asyncio.create_task(serve(server, sock))
        while not server.started:
            await asyncio.sleep(0.02)
        tokens = {
            "coordinator": api.staff("anna.coordinator")["Authorization"],
            "team_lead": api.staff("lena.lead")["Authorization"],
            "operator": api.staff("olle.operator")["Authorization"],
            "case_system": api.case_system()["Authorization"],
            "forged": "Bearer eyJhbGciOiJub25lIn0.e30.",
        }
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", app.openapi(), tokens
        server.should_exit = True
        await task
        sock.close()


def fuzz(base_url: str, document: dict, tokens: dict[str, str]) -> list[str]:
    """Every operation, EXAMPLES cases each, each sent with one of the tokens; the failures found."""
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy(), who=st.sampled_from(sorted(tokens)))
        def check(case, who):
            headers = {**(case.headers or {}), "Authorization": tokens[who]}
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            label = f"{case.method} {case.formatted_path} as {who}: {response.status_code}"
            if response.status_code >= 500:
                failures.append(f"{label} {response.text[:200]}")
            elif response.status_code >= 400:
                content_type = response.headers.get("content-type") or [""]
                if not content_type[0].startswith(PROBLEM):
                    failures.append(f"{label} is not a problem document")
                elif response.json().get("status") != response.status_code:
                    failures.append(f"{label} problem names another status")

        check()
    return failures


async def test_no_endpoint_answers_5xx_and_every_error_is_a_problem(served):
    base_url, document, tokens = served
    failures = await asyncio.to_thread(fuzz, base_url, document, tokens)
    assert failures == []

