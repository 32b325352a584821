"""A worker in a process of its own, so its resident memory can be read and it can be
restarted like a real deployment.

Child side: `python -m bench.workerproc ADDRESS NAMESPACE TASK_QUEUE MAX_CACHED DATABASE_URL [unsandboxed]`
runs Trygg's workflows, the baseline workflow and the real activities (register in
PostgreSQL; no partner directory, so notices are recorded as skipped), prints `ready`,
and drains on SIGTERM like worker.py. Parent side: `WorkerProcess`.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import subprocess
import sys
import tempfile
from datetime import timedelta
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
READY = "ready"


async def _serve(
    address: str, namespace: str, task_queue: str, max_cached: int, database_url: str, sandboxed: bool
) -> None:
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from activities import build_activities
    from bench.baseline import BaselineWorkflow, RowWriter, noop_activity
    from runtime.connections import connect_postgres
    from runtime.settings import load_settings
    from workflows.case import DisturbanceCaseWorkflow
    from workflows.prevention import PreventionWorkflow
    from workflows.registry import workflow_runner

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    client = await Client.connect(address, namespace=namespace, data_converter=pydantic_data_converter)
    pool = await connect_postgres(database_url, migrate=False)
    activity_set = build_activities(pool, load_settings(task_queue=task_queue, partners_file=None))
    await pool.execute(RowWriter.TABLE)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[DisturbanceCaseWorkflow, PreventionWorkflow, BaselineWorkflow],
        activities=[*activity_set.functions, noop_activity, RowWriter(pool).write],
        max_cached_workflows=max_cached,
        graceful_shutdown_timeout=timedelta(seconds=5),
        workflow_runner=workflow_runner() if sandboxed else UnsandboxedWorkflowRunner(),
    )
    try:
        async with worker:
            gc.collect()
            print(READY, flush=True)
            await stop.wait()
    finally:
        await activity_set.close()
        await pool.close()


def main() -> None:
    address, namespace, task_queue, max_cached, database_url = sys.argv[1:6]
    sandboxed = sys.argv[6:7] != ["unsandboxed"]
    import logging

    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_serve(address, namespace, task_queue, int(max_cached), database_url, sandboxed))
    from runtime.process import exit_now

    exit_now(0)


@dataclass
class WorkerProcess:
    """Starts the child worker and reads its resident memory (RSS) with psutil."""

    address: str
    namespace: str
    task_queue: str
    max_cached: int
    database_url: str
    sandboxed: bool = True
    process: subprocess.Popen | None = field(default=None, init=False)
    _log: object = field(default=None, init=False)

    async def start(self, timeout: float = 60.0) -> None:
        self._log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty worker never blocks
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.workerproc", self.address, self.namespace, self.task_queue,
             str(self.max_cached), self.database_url, *([] if self.sandboxed else ["unsandboxed"])],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )  # fmt: skip
        line = await asyncio.wait_for(asyncio.to_thread(self.process.stdout.readline), timeout)
        if line.strip() != READY:
            self.process.kill()
            raise RuntimeError(f"bench worker did not start: {line!r} {self.log_tail()}")

    def log_tail(self, chars: int = 2000) -> str:
        self._log.seek(0)
        return self._log.read()[-chars:]

    def rss(self) -> int:
        return psutil.Process(self.process.pid).memory_info().rss

    async def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)
        finally:
            self._log.close()

    async def __aenter__(self) -> "WorkerProcess":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()


if __name__ == "__main__":
    main()
