"""How every console command reaches Trygg: settings, one client, and errors turned into
one clear line and an exit code (2 bad input, 1 refused / not found / unreachable)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from pydantic import BaseModel

from client import TryggClient, TryggError
from domain.models import Role
from runtime.connections import ConnectionFailed
from runtime.dev_files import DATABASE_URL_FILE, PAYLOAD_KEYS_FILE, database_url, with_dev_payload_keys  # noqa: F401
from runtime.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"trygg: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return with_dev_payload_keys(load_settings())
    except SettingsError as error:
        fail(str(error), 2)
        raise  # unreachable


def parse_role(value: str | None) -> Role | None:
    """`--role`, checked against the closed list of roles (exit 2 naming the option)."""
    if value is None:
        return None
    try:
        return Role(value)
    except ValueError:
        fail(f"--role: unknown role '{value}'; one of {', '.join(r.value for r in Role)}", 2)
        raise


def connected(settings: Settings, *, register: bool = False, temporal: bool = True):
    """A TryggClient built as every script builds it (TryggClient.connect): the register
    when asked for, Temporal unless the command reads only the register."""
    return TryggClient.connect(settings, register=register, temporal=temporal)


def signed_in(settings: Settings, role: Role | None = None):
    """The API as the person `trygg login` signed in (client/http.py HttpTrygg), or None
    when nobody has: the staff commands then take the direct path as before."""
    from console.login_commands import http_session

    return http_session(settings, role)


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

