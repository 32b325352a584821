"""The staff web app on the real stack for the browser tests: the dev server with a
worker running every workflow and the real activities (tests.test_end_to_end.trygg),
embedded PostgreSQL, the dev OpenID provider, and the app on uvicorn on a free port,
mounted at /staff as the API process mounts it."""

from __future__ import annotations

import asyncio
import socket
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount

from api.server import build_server
from client.cases import TryggClient
from runtime.settings import Settings
from tests.standins import case_policy
from tests.test_end_to_end import Trygg, trygg
from web.app import create_web_app



@dataclass
class WebStack:
    url: str
    client: TryggClient
    stack: Trygg


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def web_stack(local_env, pg_pool, identity_provider, *, poll_seconds: int = 2, simulations_dir: Path | None = None):
    async with trygg(local_env, pg_pool) as stack:
        client = TryggClient(local_env.client, task_queue=stack.queue, policy=case_policy(), pool=pg_pool)
        sock = free_socket()
        port = sock.getsockname()[1]
        url = f"http://localhost:{port}/staff"
        settings = Settings(oidc_issuer=identity_provider.issuer, simulations_dir=simulations_dir)
        app = Starlette(routes=[Mount("/staff", app=create_web_app(client, settings, public_url=url, poll_seconds=poll_seconds))])
        server = build_server(app, host="127.0.0.1", port=port)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            yield WebStack(url=url, client=client, stack=stack)
        finally:
            server.should_exit = True
            await task
            sock.close()
