"""Serving Trygg's two listeners with uvicorn: in-process (`serve_listeners`, for `trygg
dev` and tests) or as its own process (`python -m api`, reading the worker's settings).

- the staff listener (TRYGG_API_HOST:TRYGG_API_PORT): the HTTP API under /v1, the codec
  server for Temporal's Web UI, and the web app once mounted (api/staff.py);
- the partners' listener (TRYGG_PARTNER_API_HOST:TRYGG_PARTNER_API_PORT): signed
  acknowledgements only (api/app.py).

Two sockets, so partners can be kept off staff routes by address and port, not only by
a proxy's rules. Port 0 turns a listener off.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from datetime import date

import uvicorn
from starlette.applications import Starlette

from api.app import create_app
from api.staff import create_staff_app
from api.tokens import TokenVerifier
from client.cases import TryggClient
from partners.directory import empty_directory, load_directory
from runtime.calendar import default_policy
from runtime.connections import connect_postgres, connect_temporal
from runtime.logging import configure_logging, get_logger
from runtime.settings import Settings, load_settings

log = get_logger("trygg.api")


def build_server(app: Starlette, *, host: str = "0.0.0.0", port: int = 8090) -> uvicorn.Server:
    """A uvicorn server that logs through Trygg's logging (log_config=None) and has no lifespan."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
    return uvicorn.Server(config)


def loopback_socket() -> socket.socket:
    """A socket bound to a free loopback port, for `serve`. Made with IPPROTO_TCP named:
    asyncio sets TCP_NODELAY only on connections of a socket whose proto says TCP, and
    without it every answer waits ~40 ms for the client's delayed ACK (Nagle)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


async def serve(server: uvicorn.Server, sock: socket.socket | None = None) -> None:
    await server.serve(sockets=[sock] if sock is not None else None)


def token_verifier(settings: Settings, issuer: str | None = None) -> TokenVerifier | None:
    """The verifier of bearer tokens for the configured issuer; None when none is set
    (then every signed-in route answers 401)."""
    issuer = issuer or settings.oidc_issuer
    if not issuer:
        return None
    return TokenVerifier(issuer, settings.oidc_audience, algorithms=settings.accepted_algorithms(),
                         rules=settings.claim_rules())  # fmt: skip


def web_app(trygg: TryggClient, settings: Settings, issuer: str | None):
    """The staff web app for the staff listener, or None without an issuer to sign in at."""
    issuer = issuer or settings.oidc_issuer
    if not issuer:
        log.info("staff web app off: no OpenID issuer (TRYGG_OIDC_ISSUER)")
        return None
    from web.app import create_web_app

    return create_web_app(trygg, settings, public_url=settings.web_url(), session_secret=settings.web_session_secret,
                          issuer=issuer)  # fmt: skip


async def serve_listeners(
    settings: Settings, database_url: str, stop: asyncio.Event, *, issuer: str | None = None, host: str | None = None
) -> None:
    """Both listeners until `stop` is set. `issuer` overrides TRYGG_OIDC_ISSUER (trygg dev's own provider)."""
    directory = load_directory(settings.partners_file) if settings.partners_file else empty_directory()
    pool = await connect_postgres(database_url, migrate=False, max_size=8)
    client = await connect_temporal(settings)
    trygg = TryggClient(client, task_queue=settings.task_queue, policy=default_policy(date.today().year), pool=pool)
    servers = []
    if settings.api_port:
        staff = create_staff_app(trygg, pool, token_verifier(settings, issuer), codec=client.data_converter.payload_codec,
                                 ui_origins=settings.codec_origins(), web=web_app(trygg, settings, issuer))  # fmt: skip
        servers.append(build_server(staff, host=host or settings.api_host, port=settings.api_port))
    if settings.partner_api_port:
        partners = create_app(directory, pool, client)
        servers.append(build_server(partners, host=host or settings.partner_api_host, port=settings.partner_api_port))
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    log.info("api listening", staff_port=settings.api_port, partner_port=settings.partner_api_port,
             partners=len(directory.partners))  # fmt: skip
    try:
        await stop.wait()
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.close()


async def run_api(settings: Settings) -> None:
    """Connect, serve until interrupted."""
    if not settings.api_port and not settings.partner_api_port:
        log.info("api disabled (TRYGG_API_PORT=0 and TRYGG_PARTNER_API_PORT=0)")
        return
    if not settings.database_url:
        raise SystemExit("the API needs DATABASE_URL (the register holds the outbox and the API's keys)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve_listeners(settings, settings.database_url, stop)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run_api(settings))
