"""The one place Trygg connects to Temporal, and the one place it connects to PostgreSQL."""

from __future__ import annotations

import dataclasses

import asyncpg
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.envconfig import ClientConfigProfile
from temporalio.runtime import Runtime

from register.migrate import apply_migrations
from runtime.codec import EncryptionCodec
from runtime.converters import TryggFailureConverter, TryggPayloadConverter
from runtime.settings import Settings


class ConnectionFailed(Exception):
    """Temporal or PostgreSQL could not be reached; the message says which and where."""


TRYGG_DATA_CONVERTER = dataclasses.replace(
    pydantic_data_converter,
    payload_converter_class=TryggPayloadConverter,
    failure_converter_class=TryggFailureConverter,
)
"""Pydantic payloads that know the refused-plaintext marker; refusals written without
stack traces (runtime/converters.py). Without keys, payloads stay plain text."""


def data_converter(settings: Settings) -> DataConverter:
    """Trygg's converter, encrypted with TRYGG_PAYLOAD_KEYS when keys are configured.

    Worker, console and API all connect through `connect_temporal`, so they all encrypt
    and decrypt alike, and all refuse a payload that arrives unencrypted unless
    TRYGG_ACCEPT_PLAINTEXT_PAYLOADS allows it; without keys, payloads stay plain text."""
    if not settings.payload_keys:
        return TRYGG_DATA_CONVERTER
    codec = EncryptionCodec.from_setting(settings.payload_keys, accept_plaintext=settings.accept_plaintext_payloads)
    return dataclasses.replace(TRYGG_DATA_CONVERTER, payload_codec=codec)


async def connect_temporal(settings: Settings, runtime: Runtime | None = None) -> Client:
    """Connect with Temporal's environment configuration (address, namespace, API key, TLS),
    letting Trygg's settings override address and namespace."""
    profile = ClientConfigProfile.load(profile=settings.temporal_profile)
    config = profile.to_client_connect_config()
    if settings.temporal_address:
        config["target_host"] = settings.temporal_address
    config.setdefault("target_host", "localhost:7233")
    if settings.temporal_namespace:
        config["namespace"] = settings.temporal_namespace
    try:
        return await Client.connect(**config, data_converter=data_converter(settings), runtime=runtime)
    except RuntimeError as error:
        raise ConnectionFailed(f"cannot reach Temporal at {config['target_host']}: {plain_reason(error)}") from error


_REASONS = (
    ("connection refused", "connection refused (is it running? `trygg dev` starts one)"),
    ("dns error", "the host name is not known"),
    ("name or service not known", "the host name is not known"),
    ("timed out", "no answer in time"),
    ("deadline", "no answer in time"),
    ("certificate", "its TLS certificate was not accepted"),
    ("tls", "the TLS handshake failed"),
    ("unauthenticated", "the credentials were refused (TEMPORAL_API_KEY, TLS client certificate)"),
    ("permission denied", "the credentials were refused (TEMPORAL_API_KEY, TLS client certificate)"),
    ("broken pipe", "the connection was cut"),
    ("connection reset", "the connection was cut"),
)


def plain_reason(error: Exception) -> str:
    """The SDK's core is Rust and its connect errors carry Rust's debug formatting
    (`tonic::transport::Error(Transport, ConnectError(...))`): a person learns nothing
    from it, and it would end up in the one line the console prints. Say the reason in
    words; the full error stays on the exception's cause for a debugger."""
    text = str(error).lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return "the connection failed"


async def connect_postgres(database_url: str, *, migrate: bool = True, max_size: int = 10) -> asyncpg.Pool:
    """Open a pool and, by default, bring the schema up to date first."""
    try:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=max_size, timeout=10, reset=keep_session)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise ConnectionFailed(f"cannot reach PostgreSQL at {_redact(database_url)}: {error}") from error
    if migrate:
        async with pool.acquire() as connection:
            try:
                await apply_migrations(connection)
            finally:
                # asyncpg's full reset, here only: the migrations' advisory lock can never
                # stay behind on a pooled connection, which keep_session would not clear.
                await connection.reset()
    return pool


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset of a connection given back: nothing beyond what asyncpg always does
    (roll back a transaction left open, drop listeners). Its default also sends `SELECT
    pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`, one more round trip for
    every acquire: a step's register write makes two instead of one, and each of an
    intake's local activities one more. Trygg leaves no session state on a pooled connection
    (no SET, LISTEN, cursor or advisory lock; the connection that ran the migrations is reset in full),
    so there is nothing for it to reset (tests/test_register_pool.py)."""


def _redact(url: str) -> str:
    """Drop a password from a URL before it reaches a message or a log."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url
