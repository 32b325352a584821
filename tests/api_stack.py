"""The HTTP API on the real stack for tests: the dev server, embedded PostgreSQL, a worker
with every workflow and the real register activities, the dev OpenID provider, and the
staff app driven through httpx.ASGITransport (no port, no proxy)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from activities.notify import NotificationActivities
from activities.opening import OpeningActivities
from activities.policy import PolicyActivities
from activities.register import RegisterActivities
from api.staff import create_staff_app
from api.tokens import TokenVerifier
from client.cases import TryggClient
from partners.channels import SmtpSettings
from partners.directory import empty_directory
from runtime.identity import DEV_AUDIENCE
from tests.helpers import running_worker
from tests.signin import case_system_token, staff_token
from tests.standins import case_policy
from workflows.registry import WORKFLOWS


@dataclass
class Api:
    http: httpx.AsyncClient
    trygg: TryggClient
    provider: object

    def staff(self, sub: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {staff_token(self.provider, sub)}"}

    def case_system(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {case_system_token(self.provider)}"}


def asgi_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://trygg")


@asynccontextmanager
async def api_stack(local_env, pg_pool, identity_provider, *, verifier: TokenVerifier | None = None):
    async with httpx.AsyncClient() as http:
        register = RegisterActivities(pg_pool)
        notify = NotificationActivities(pg_pool, empty_directory(), http, SmtpSettings(host="127.0.0.1", port=1))
        policy = PolicyActivities(case_policy())
        activities = [*register.activities(), *notify.activities(), *policy.activities(),
                      *OpeningActivities(register, policy).activities()]  # fmt: skip
        async with running_worker(local_env.client, workflows=WORKFLOWS, activities=activities) as worker:
            trygg = TryggClient(local_env.client, task_queue=worker.task_queue, policy=case_policy(), pool=pg_pool)
            verifier = verifier or TokenVerifier(identity_provider.issuer, DEV_AUDIENCE)
            async with asgi_client(create_staff_app(trygg, pg_pool, verifier)) as client:
                yield Api(client, trygg, identity_provider)
