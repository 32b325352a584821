"""`python -m bench.web` (also in `make bench`): the staff web app's inbox and case page
rendered with 10,000 open tasks in the register; server time p50 and p95 (goal: p95
under 200 ms on this machine).

The app runs in-process and is called through httpx's ASGI transport, so the figure is
the server's time (routing, session, SQL, Temporal queries, templates), not the network.
The register gets 10,000 open tasks over 2,500 cases by SQL; the case page is a real case
on the dev server, filed and stepped through TryggClient with a worker running the real
register activities. A session cookie is signed with the app's own secret, as the
sign-in would leave it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from base64 import b64encode
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from itsdangerous import TimestampSigner
from temporalio.worker import Worker

from activities.notify import NotificationActivities
from activities.opening import OpeningActivities
from activities.policy import PolicyActivities
from activities.register import RegisterActivities
from bench.measure import percentile
from bench.stack import dev_server, register_database
from client.cases import TryggClient
from domain.models import Actor, DisturbanceReport, Role, SourceKind, TenancyRef
from domain.policy import EscalationPolicy
from partners.channels import SmtpSettings
from partners.directory import empty_directory
from runtime.identity import run_identity_provider
from runtime.settings import Settings
from web import store
from web.app import create_web_app
from workflows.registry import WORKFLOWS

SECRET = "bench-session-secret"
KINDS = ("verify_report", "first_contact", "dialogue", "follow_up", "approve_termination", "deliver_by_hand")
ROLES = ("coordinator", "coordinator", "coordinator", "team_lead", "tenancy_lawyer", "prevention_team")
AREAS = ("Skäggetorp", "Ryd", "Berga", "Ekholmen", "Lambohov")


async def fill_register(pool: asyncpg.Pool, tasks: int) -> None:
    now = datetime.now(UTC)
    cases = max(1, tasks // 4)
    await pool.executemany(
        """INSERT INTO cases (case_id, workflow_id, tenancy_id, property_id, area, housing_form, category, stage,
                              opened_at, policy_version, version) VALUES ($1, $2, $3, 'P-1', $4, 'ordinary', 'noise', 'contact', $5, '2026.1', 1)""",
        [(f"bc-{i}", f"case-bt-{i}", f"bt-{i}", AREAS[i % len(AREAS)], now - timedelta(days=i % 90)) for i in range(cases)],
    )  # fmt: skip
    await pool.executemany(
        """INSERT INTO staff_tasks (task_id, case_id, kind, role, assignee, area, due_at, opened_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        [(f"bt-{i}", f"bc-{i % cases}", KINDS[i % len(KINDS)], ROLES[i % len(ROLES)],
          "anna.coordinator" if i % 50 == 0 else None, AREAS[(i % cases) % len(AREAS)],
          now + timedelta(hours=(i % 400) - 100), now - timedelta(days=1)) for i in range(tasks)],
    )  # fmt: skip
    await pool.execute("ANALYZE")


def session_cookie(subject: str, name: str, role: Role) -> str:
    now = int(time.time())
    data = {"sub": subject, "name": name, "roles": [role.value], "started": now, "seen": now, "csrf": "bench"}
    return TimestampSigner(SECRET).sign(b64encode(json.dumps(data).encode())).decode()


async def timed(http: httpx.AsyncClient, path: str, cookie: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = await http.get(path, cookies={"trygg_staff": cookie})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


async def run(tasks: int, samples: int) -> list[dict]:
    async with register_database() as url, dev_server("memory") as env:
        pool = await asyncpg.create_pool(url, min_size=2, max_size=8)
        try:
            await fill_register(pool, tasks)
            policy = EscalationPolicy()
            async with httpx.AsyncClient() as partners_http:
                notify = NotificationActivities(pool, empty_directory(), partners_http, SmtpSettings(host="127.0.0.1", port=25))
                register, policies = RegisterActivities(pool), PolicyActivities(policy)
                activities = [*register.activities(), *notify.activities(), *policies.activities(),
                              *OpeningActivities(register, policies).activities()]  # fmt: skip
                async with Worker(env.client, task_queue="bench-web", workflows=WORKFLOWS, activities=activities):
                    client = TryggClient(env.client, task_queue="bench-web", policy=policy, pool=pool)
                    tenancy = TenancyRef(tenancy_id="T-bench", property_id="P-1", area="Ryd", address="Storgatan 1", tenant_names=("Bo B",))
                    receipt = await client.report(DisturbanceReport(
                        external_ref="bench-1", source_kind=SourceKind.NEIGHBOUR, category="noise",
                        occurred_at=datetime.now(UTC) - timedelta(hours=2), place="trapphus", tenancy=tenancy))  # fmt: skip
                    anna = Actor(id="anna.coordinator", role=Role.COORDINATOR)
                    view = await client.view(receipt.workflow_id, Role.COORDINATOR)
                    await client.act(receipt.workflow_id, "verify_report", anna,
                                     {"report_id": view.reports[0].report_id, "method": "inspection", "reason": "sett"})  # fmt: skip
                    await client.act(receipt.workflow_id, "record_contact", anna, {"method": "visit", "reason": "besök"})
                    await store.seen(pool, "anna.coordinator", "Anna Lind", (Role.COORDINATOR,))
                    await store.seen(pool, "lena.lead", "Lena Berg", (Role.TEAM_LEAD,))
                    with run_identity_provider() as provider:
                        settings = Settings(oidc_issuer=provider.issuer, oidc_client_secret="bench")
                        app = create_web_app(client, settings, public_url="http://localhost/staff", session_secret=SECRET)
                        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as http:
                            coordinator = session_cookie("anna.coordinator", "Anna Lind", Role.COORDINATOR)
                            lead = session_cookie("lena.lead", "Lena Berg", Role.TEAM_LEAD)
                            pages = [
                                ("inbox, coordinator (own + role's unassigned)", "/", coordinator),
                                ("inbox, team lead (all 10,000 open)", "/", lead),
                                ("inbox, team lead, filtered by area and overdue", "/?area=Ryd&due=overdue", lead),
                                ("inbox fragment (htmx poll), team lead", "/inbox/tasks", lead),
                                ("case page, coordinator", f"/cases/{receipt.workflow_id}", coordinator),
                            ]
                            rows = []
                            for label, path, cookie in pages:
                                await timed(http, path, cookie, 3)  # warm caches and the template
                                times = await timed(http, path, cookie, samples)
                                p95 = percentile(times, 95)
                                rows.append({"page": label, "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(p95, 1),
                                             "goal": "p95 < 200 ms", "met": p95 < 200})  # fmt: skip
                            return rows
        finally:
            await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    rows = asyncio.run(run(args.tasks, args.samples))
    print(f"staff web app, {args.tasks} open tasks, {args.samples} requests each (server time, in-process ASGI):")
    for row in rows:
        print(f"  {row['page']:<52} p50 {row['p50_ms']:>7.1f} ms   p95 {row['p95_ms']:>7.1f} ms   {'met' if row['met'] else 'NOT MET'}")


if __name__ == "__main__":
    main()
