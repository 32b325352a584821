"""SIGTERM drains the worker: it exits 0, and an in-flight activity either completes
within the grace period or is retried elsewhere: never lost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import eventually, running_worker, unique
from tests.worker_entry import SlowStepWorkflow, slow_step

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def start_worker(
    env, database_url: str, queue: str, markers: Path, grace: float, metrics_port: int = 0
) -> subprocess.Popen:
    environment = {
        **os.environ,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": env.client.namespace,
        "TRYGG_TASK_QUEUE": queue,
        "TRYGG_METRICS_PORT": str(metrics_port),
        "TRYGG_GRACEFUL_SHUTDOWN_SECONDS": str(grace),
        "TRYGG_TEST_MARKERS": str(markers),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker_entry", database_url],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def wait_for_marker(markers: Path, prefix: str) -> None:
    async def check() -> None:
        assert any(p.name.startswith(prefix) for p in markers.iterdir())

    await eventually(check, timeout=60)


async def exit_code(process: subprocess.Popen, timeout: float = 60) -> int:
    return await asyncio.to_thread(process.wait, timeout)


async def test_sigterm_lets_the_running_activity_finish_and_exits_0(local_env, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRYGG_TEST_MARKERS", str(tmp_path))
    queue = unique("shutdown")
    metrics_port = free_port()
    process = start_worker(local_env, database_url, queue, tmp_path, grace=30, metrics_port=metrics_port)
    handle = await local_env.client.start_workflow(SlowStepWorkflow.run, 2.0, id=unique("slow"), task_queue=queue)
    await wait_for_marker(tmp_path, "started-1")
    async with httpx.AsyncClient() as http:
        metrics = (await http.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    assert "temporal_activity_execution_latency" in metrics or "temporal_worker_task_slots_available" in metrics

    process.send_signal(signal.SIGTERM)
    assert await exit_code(process) == 0, process.stdout.read().decode()

    assert any(p.name.startswith("finished-1") for p in tmp_path.iterdir()), "the activity was cut short"
    async with running_worker(local_env.client, workflows=[SlowStepWorkflow], activities=[slow_step], task_queue=queue):
        assert await handle.result() == "done on attempt 1"


async def test_an_activity_outliving_the_grace_period_is_retried_not_lost(local_env, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRYGG_TEST_MARKERS", str(tmp_path))
    queue = unique("shutdown")
    process = start_worker(local_env, database_url, queue, tmp_path, grace=0.5)
    handle = await local_env.client.start_workflow(SlowStepWorkflow.run, 5.0, id=unique("slow"), task_queue=queue)
    await wait_for_marker(tmp_path, "started-1")

    process.send_signal(signal.SIGTERM)
    assert await exit_code(process) == 0, process.stdout.read().decode()
    assert not any(p.name.startswith("finished-1") for p in tmp_path.iterdir())

    async with running_worker(local_env.client, workflows=[SlowStepWorkflow], activities=[slow_step], task_queue=queue):
        result = await handle.result()
    assert result.startswith("done on attempt ") and result != "done on attempt 1"
