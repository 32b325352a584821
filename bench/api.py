"""The HTTP API's cost: a report filed through POST /v1/reports until its receipt, and a
staff step through POST /v1/cases/{case}/steps/add_note until the new case view, each
against bare Temporal (an Update-with-start of a do-nothing workflow; a do-nothing
Update), with the direct client (TryggClient) beside them.

The API runs on uvicorn on loopback in this process, with real sign-in: the dev OpenID
provider (runtime/identity.py) issues a case system's token and a coordinator's, and
the API verifies every request's token against the provider's keys (cached). The load,
the API and the JWKS cache share this process's one event loop; the worker is its own
process (bench/workerproc.py).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import date

import asyncpg
import httpx
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from bench.baseline import BaselineWorkflow
from bench.measure import latencies, percentile
from bench.sample import baseline_input, note, realistic_report, run_id
from bench.table import Row, judged
from client.cases import TryggClient
from runtime.calendar import default_policy

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from runtime.identity import DEV_AUDIENCE, DEV_CASE_SYSTEM, run_identity_provider


def coordinator_actor():
    from domain.models import Actor, Role

    return Actor(id="anna.coordinator", role=Role.COORDINATOR)


@dataclass
class Figures:
    p50_ms: float
    p99_ms: float
    per_s: float


def _figures(seconds: list[float], wall: float) -> Figures:
    return Figures(percentile(seconds, 50) * 1000, percentile(seconds, 99) * 1000, len(seconds) / wall)


async def _timed(items, work, concurrency: int) -> Figures:
    start = time.perf_counter()
    seconds = await latencies(items, work, concurrency)
    return _figures(seconds, time.perf_counter() - start)


async def api_rows(client: Client, queue: str, database_url: str, server: str, *, count: int, concurrency: int) -> list[Row]:
    from api.server import build_server, loopback_socket, serve
    from api.staff import create_staff_app
    from api.tokens import TokenVerifier
    from client.signin import dev_sign_in

    rows: list[Row] = []
    rng, run = random.Random(11), run_id()
    with run_identity_provider() as provider:
        pool = await asyncpg.create_pool(database_url, min_size=2, max_size=16)
        trygg = TryggClient(client, task_queue=queue, policy=default_policy(date.today().year), pool=pool)
        app = create_staff_app(trygg, pool, TokenVerifier(provider.issuer, DEV_AUDIENCE))
        sock = loopback_socket()
        uvicorn = build_server(app)
        serving = asyncio.create_task(serve(uvicorn, sock))
        while not uvicorn.started:
            await asyncio.sleep(0.02)
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
        try:
            async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
                machine = (await http.post(provider.token_endpoint, data={"grant_type": "client_credentials"},
                                           auth=(DEV_CASE_SYSTEM.client_id, DEV_CASE_SYSTEM.secret))).json()  # fmt: skip
                system = {"Authorization": f"Bearer {machine['access_token']}"}
                coordinator = await asyncio.to_thread(dev_sign_in, provider.issuer, base_url, "anna.coordinator")
                staff = {"Authorization": f"Bearer {coordinator.access_token}"}
                opened: list[str] = []

                async def over_http(n: int) -> None:
                    body = realistic_report(rng, run, n).model_dump(mode="json")
                    answer = await http.post("/v1/reports", json=body, headers={**system, "Idempotency-Key": f"{run}-{n}"})
                    answer.raise_for_status()
                    opened.append(answer.json()["workflow_id"])

                async def direct(n: int) -> None:
                    await trygg.report(realistic_report(rng, run + "d", n))

                bare_ids: list[str] = []

                async def bare(n: int) -> None:
                    report = realistic_report(rng, run + "b", n)
                    workflow_id = f"baseline-{report.tenancy.tenancy_id}"
                    start = WithStartWorkflowOperation(
                        BaselineWorkflow.run, baseline_input(), id=workflow_id,
                        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING, task_queue=queue,
                    )  # fmt: skip
                    await client.execute_update_with_start_workflow(BaselineWorkflow.file, report, start_workflow_operation=start)
                    bare_ids.append(workflow_id)

                for warm in (over_http, direct, bare):
                    await _timed(range(10_000, 10_008), warm, concurrency)
                api = await _timed(range(count), over_http, concurrency)
                via_client = await _timed(range(count), direct, concurrency)
                base = await _timed(range(count), bare, concurrency)
                note_text = (f"{count} reports, {concurrency} in flight; direct TryggClient.report p50 "
                             f"{via_client.p50_ms:.0f} ms, p99 {via_client.p99_ms:.0f} ms, {via_client.per_s:.0f}/s")  # fmt: skip
                rows.append(judged(Row("api: report until receipt, p50", server, "ms", api.p50_ms, base.p50_ms,
                                       note=note_text), "<= 1.5x", lambda r: r.ratio is not None and r.ratio <= 1.5))  # fmt: skip
                rows.append(Row("api: report until receipt, p99", server, "ms", api.p99_ms, base.p99_ms))
                rows.append(judged(Row("api: reports per second", server, "reports/s", api.per_s, base.per_s,
                                       note="bare: Update-with-start of a do-nothing workflow"),
                                   ">= 0.67x", lambda r: r.ratio is not None and r.ratio >= 1 / 1.5))  # fmt: skip

                async def step(n: int) -> None:
                    case = opened[n % len(opened)]
                    answer = await http.post(f"/v1/cases/{case}/steps/add_note", json={"reason": f"round {n}"},
                                             headers={**staff, "Idempotency-Key": f"{run}-note-{n}"})  # fmt: skip
                    answer.raise_for_status()

                async def bare_step(n: int) -> None:
                    await client.get_workflow_handle(bare_ids[n % len(bare_ids)]).execute_update(BaselineWorkflow.noop, note(n))

                async def direct_step(n: int) -> None:
                    actor = coordinator_actor()
                    await trygg.act(opened[n % len(opened)], "add_note", actor, {"reason": f"direct {n}"})

                steps = max(concurrency * 2, count // 2)
                for label, lanes in (("sequential", 1), (f"{concurrency} in flight", concurrency)):
                    # one lane per case at a time: lane k steps through cases k, k+lanes, ...
                    s = await _timed(range(steps), step, lanes)
                    d = await _timed(range(steps), direct_step, lanes)
                    b = await _timed(range(steps), bare_step, lanes)
                    rows.append(judged(Row(f"api: staff step p50, {label}", server, "ms", s.p50_ms, b.p50_ms,
                                           note=f"add_note through the API (token checked, view back) vs a bare do-nothing "
                                           f"Update; direct TryggClient.act p50 {d.p50_ms:.0f} ms, p99 {d.p99_ms:.0f} ms"),
                                       "<= 1.5x", lambda r: r.ratio is not None and r.ratio <= 1.5))  # fmt: skip
                    rows.append(Row(f"api: staff step p99, {label}", server, "ms", s.p99_ms, b.p99_ms))
        finally:
            uvicorn.should_exit = True
            await serving
            sock.close()
            await pool.close()
    return rows


async def main(count: int = 160, concurrency: int = 16) -> None:
    """`python -m bench.api`: these rows alone, on an in-memory dev server."""
    from bench.stack import dev_server, register_database
    from bench.table import render
    from bench.workerproc import WorkerProcess

    async with register_database() as database_url, dev_server("memory") as env:
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        address = env.client.service_client.config.target_host
        async with WorkerProcess(address, env.client.namespace, queue, 4 * count + 100, database_url):
            rows = await api_rows(env.client, queue, database_url, "dev/memory", count=count, concurrency=concurrency)
    print(render(rows))


if __name__ == "__main__":
    import sys

    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*args))
