"""How every console command reaches Trygg: settings, one client, and errors turned into
one clear line and an exit code (2 bad input, 1 refused / not found / unreachable)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel

from client import TryggClient, TryggError
from domain.models import Role
from runtime.codec import KeySettingError, ensure_key_file, parse_keys, read_key_file
from runtime.connections import ConnectionFailed, connect_postgres, connect_temporal
from runtime.settings import Settings, SettingsError, load_settings

T = TypeVar("T")
DATABASE_URL_FILE = "database_url"
"""`trygg dev` writes the embedded PostgreSQL's URL here, so the console finds the register."""
PAYLOAD_KEYS_FILE = "payload-keys"
"""`trygg dev` keeps its generated payload key here (mode 0600) when TRYGG_PAYLOAD_KEYS is unset."""


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"trygg: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return with_dev_payload_keys(load_settings())
    except SettingsError as error:
        fail(str(error), 2)
        raise  # unreachable


def with_dev_payload_keys(settings: Settings, *, create: bool = False) -> Settings:
    """TRYGG_PAYLOAD_KEYS wins; else the key `trygg dev` keeps under the data dir (made on
    its first start when `create`), so the console reads what the dev stack encrypted."""
    if settings.payload_keys:
        return settings
    path = Path(settings.data_dir) / PAYLOAD_KEYS_FILE
    try:
        keys = ensure_key_file(path) if create else read_key_file(path)
    except OSError as error:
        raise SettingsError(f"cannot keep the dev payload key in {path}: {error.strerror}") from None
    if keys is None:
        return settings
    try:
        parse_keys(keys)
    except KeySettingError as error:
        raise SettingsError(f"{path}: {error}") from None
    return settings.model_copy(update={"payload_keys": keys})


def parse_role(value: str | None) -> Role | None:
    """`--role`, checked against the closed list of roles (exit 2 naming the option)."""
    if value is None:
        return None
    try:
        return Role(value)
    except ValueError:
        fail(f"--role: unknown role '{value}'; one of {', '.join(r.value for r in Role)}", 2)
        raise


def database_url(settings: Settings) -> str | None:
    if settings.database_url:
        return settings.database_url
    written = Path(settings.data_dir) / DATABASE_URL_FILE
    return written.read_text().strip() if written.exists() else None


@asynccontextmanager
async def connected(settings: Settings, *, register: bool = False):
    """A TryggClient on the configured Temporal (and the register, when asked for)."""
    from runtime.calendar import default_policy

    temporal = await connect_temporal(settings)
    pool = None
    if register:
        url = database_url(settings)
        if url is None:
            raise ConnectionFailed("the case register is not configured: set DATABASE_URL (or run trygg dev)")
        pool = await connect_postgres(url, migrate=False, max_size=2)
    try:
        yield TryggClient(temporal, task_queue=settings.task_queue, policy=default_policy(date.today().year), pool=pool)
    finally:
        if pool is not None:
            await pool.close()


def run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    """Run one command's coroutine, mapping every expected failure to one line."""
    try:
        return asyncio.run(coroutine_factory())
    except TryggError as error:
        fail(str(error), error.exit_code)
    except ConnectionFailed as error:
        fail(str(error), 1)
    except OSError as error:
        fail(f"cannot connect: {error}", 1)
    raise AssertionError("unreachable")


def emit(value: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    if as_json:
        typer.echo(to_json(value))
    else:
        typer.echo(human(value))


def to_json(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=2)
    if isinstance(value, list):
        return json.dumps([json.loads(v.model_dump_json()) if isinstance(v, BaseModel) else v for v in value], indent=2)
    return json.dumps(value, indent=2, default=str)


JSON_OPTION = typer.Option(False, "--json", help="Machine-readable output.")

