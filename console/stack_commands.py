"""`trygg dev` and `trygg worker`: bring Trygg up, embedded or against real servers."""

from __future__ import annotations

import asyncio
import json
import signal

import typer

from console.dev_identity import api_lines, dev_identity
from console.session import DATABASE_URL_FILE, JSON_OPTION, with_dev_payload_keys
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


def dev(as_json: bool = JSON_OPTION) -> None:
    """Start the embedded stack: Temporal dev server with Web UI, PostgreSQL, migrations, worker.

    When everything is up it prints every address it serves; with --json as one JSON
    object on one line (a script waits for that line), and nothing else on standard output.

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
        asyncio.run(_dev(settings, as_json))
    except (DevStackError, ConnectionFailed) as error:
        fail(str(error))
    except PolicyVersionConflict as error:
        fail(str(error), 2)


async def _dev(settings, as_json: bool = False) -> None:
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
            typer.echo(json.dumps(endpoints(settings, stack, issuer)) if as_json else ready_text(settings, stack, issuer))
            await worker_task
            await api_task

    await run_dev_stack(settings, services)
    typer.echo(json.dumps({"stopped": True}) if as_json else "Trygg stopped.")


def endpoints(settings, stack: DevStack, issuer: str | None = None) -> dict:
    """Every address `trygg dev` serves, as `--json` prints it once the stack is ready."""
    api = f"http://localhost:{settings.api_port}" if settings.api_port else None
    return {
        "ready": True,
        "temporal": stack.temporal_address,
        "namespace": settings.temporal_namespace or "default",
        "task_queue": settings.task_queue,
        "web_ui": stack.ui_url,
        "temporal_http_api": stack.http_api_url,
        "temporal_metrics": stack.metrics_url,
        "api": f"{api}/v1" if api else None,
        "api_docs": f"{api}/v1/docs" if api else None,
        "web_app": f"{settings.web_url()}/" if api else None,
        "partner_api": f"http://localhost:{settings.partner_api_port}/partners" if settings.partner_api_port else None,
        "identity_provider": issuer,
        "codec": f"{api}/codec" if api and settings.payload_keys else None,
        "worker_metrics": f"http://127.0.0.1:{settings.metrics_port}/metrics" if settings.metrics_port else None,
        "data_dir": str(settings.data_dir.resolve()),
    }


def ready_text(settings, stack: DevStack, issuer: str | None = None) -> str:
    found = endpoints(settings, stack, issuer)
    return "\n".join(
        [
            "Trygg is up.",
            f"  Temporal:  {found['temporal']}   Web UI: {found['web_ui']}",
            f"  Temporal HTTP API: {found['temporal_http_api']}   metrics: {found['temporal_metrics']}",
            *api_lines(settings, issuer),
            f"  Codec:     {found['codec']} (signed-in staff only)" if found["codec"] else "  Codec:     off",
            f"  Worker metrics: {found['worker_metrics'] or 'off'}",
            f"  Data:      {found['data_dir']}",
            "  Next, in another terminal:  .venv/bin/trygg demo   (or trygg report --help)",
            "  Ctrl-C stops everything.",
        ]
    )


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
