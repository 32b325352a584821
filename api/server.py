"""Serving the API with uvicorn: in-process (`serve`, for the worker or tests) or as its
own process (`python -m api`, reading the same settings as the worker)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn
from starlette.applications import Starlette

from api.app import create_app
from partners.directory import empty_directory, load_directory
from runtime.connections import connect_postgres, connect_temporal
from runtime.logging import configure_logging, get_logger
from runtime.settings import Settings, load_settings

log = get_logger("trygg.api")


def build_server(app: Starlette, *, host: str = "0.0.0.0", port: int = 8090) -> uvicorn.Server:
    """A uvicorn server that logs through Trygg's logging (log_config=None) and has no lifespan."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
    return uvicorn.Server(config)


async def serve(server: uvicorn.Server, sock: socket.socket | None = None) -> None:
    await server.serve(sockets=[sock] if sock is not None else None)


async def run_api(settings: Settings) -> None:
    """Connect, load the directory, serve until interrupted."""
    if not settings.api_port:
        log.info("api disabled (TRYGG_API_PORT=0)")
        return
    if not settings.database_url:
        raise SystemExit("the API needs DATABASE_URL (the register holds the outbox)")
    directory = load_directory(settings.partners_file) if settings.partners_file else empty_directory()
    pool = await connect_postgres(settings.database_url)
    client = await connect_temporal(settings)
    try:
        app = create_app(
            directory, pool, client, codec=client.data_converter.payload_codec, ui_origins=settings.codec_origins(),
            trust_role_header=settings.codec_trust_role_header,
        )  # fmt: skip
        server = build_server(app, port=settings.api_port)
        log.info("api listening", port=settings.api_port, partners=len(directory.partners))
        await serve(server)
    finally:
        await pool.close()


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    asyncio.run(run_api(settings))
