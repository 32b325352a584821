"""`trygg dev` and `trygg worker`: bring Trygg up, embedded or against real servers."""

from __future__ import annotations

import asyncio
import signal

import typer

from console.dev_identity import api_lines, dev_identity
from console.session import DATABASE_URL_FILE, with_dev_payload_keys
from runtime.connections import ConnectionFailed
from runtime.devstack import DevStack, DevStackError, run_dev_stack
from register.policies import PolicyVersionConflict
from runtime.logging import configure_logging
from runtime.policy_file import PolicyFileError, load_policy
from runtime.settings import LogFormat, SettingsError, load_settings


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"trygg: {message}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("dev")(dev)
    app.command("worker")(worker)


def dev() -> None:
    """Start the embedded stack: Temporal dev server with Web UI, PostgreSQL, migrations, worker.

    Example: trygg dev    (then open http://localhost:8233; Ctrl-C stops everything)
    """
    try:
        settings = with_dev_payload_keys(load_settings(), create=True)
    except SettingsError as error:
        fail(str(error), 2)
    configure_logging(LogFormat.CONSOLE if settings.log_format == LogFormat.JSON else settings.log_format, settings.log_level)
    settings = settings.model_copy(update={"temporal_address": f"127.0.0.1:{settings.temporal_port}"})
    try:
        load_policy(settings.policy_file)  # a bad policy file is refused before anything starts
    except PolicyFileError as error:
        fail(str(error), 2)
    try:
        asyncio.run(_dev(settings))
    except (DevStackError, ConnectionFailed) as error:
        fail(str(error))
    except PolicyVersionConflict as error:
        fail(str(error), 2)


async def _dev(settings) -> None:
    from worker import run_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async def services(stack: DevStack) -> None:
        with dev_identity(settings) as issuer:  # after the data dir is locked: a second run stops first
            (settings.data_dir / DATABASE_URL_FILE).write_text(stack.database_url)
            ready = asyncio.Event()
            worker_task = asyncio.create_task(
                run_worker(settings, database_url=stack.database_url, stop=stop, ready=ready)
            )
            api_task = asyncio.create_task(_serve_api(settings, stack, stop, issuer))
            ready_wait = asyncio.create_task(ready.wait())
            done, _ = await asyncio.wait({worker_task, ready_wait}, return_when=asyncio.FIRST_COMPLETED)
            if worker_task in done:
                ready_wait.cancel()
                stop.set()
                await api_task
                await worker_task  # raises what stopped it
                return
            typer.echo(
                "\n".join(
                    [
                        "Trygg is up.",
                        f"  Temporal:  {stack.temporal_address}   Web UI: {stack.ui_url}",
                        f"  Data:      {settings.data_dir.resolve()}",
                        *api_lines(settings, issuer),
                        "  Next, in another terminal:  .venv/bin/trygg demo   (or trygg report --help)",
                        "  Ctrl-C stops everything.",
                    ]
                )
            )
            await worker_task
            await api_task

    await run_dev_stack(settings, services)
    typer.echo("Trygg stopped.")


async def _serve_api(settings, stack: DevStack, stop: asyncio.Event, issuer: str | None) -> None:
    """The staff and partner listeners beside the worker, stopped with it, on loopback."""
    from api.server import serve_listeners

    if settings.api_port or settings.partner_api_port:
        await serve_listeners(settings, stack.database_url, stop, issuer=issuer, host="127.0.0.1")


def worker() -> None:
    """Run the production worker against TEMPORAL_ADDRESS and DATABASE_URL.

    Example: DATABASE_URL=postgresql://trygg@db/trygg TEMPORAL_ADDRESS=temporal:7233 trygg worker
    """
    import worker as worker_module

    try:
        worker_module.main()
    except SettingsError as error:
        fail(str(error), 2)
    except ConnectionFailed as error:
        fail(str(error))
