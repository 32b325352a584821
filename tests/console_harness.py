"""Runs the real `trygg` CLI as a subprocess against the local dev server, embedded
PostgreSQL and a worker with the real activities (no stand-ins), as a user would."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.worker import Worker

from activities import build_activities
from runtime.settings import load_settings
from tests.helpers import unique
from workflows.registry import WORKFLOWS

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Trygg:
    """The CLI bound to one test's task queue and database."""

    env: dict[str, str]

    async def __call__(self, *args: str, stdin: str | None = None, **overrides: str) -> Result:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "console.main", *args,
            cwd=ROOT, env={**self.env, **overrides},
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(stdin.encode() if stdin else None), 120)
        return Result(process.returncode, out.decode(), err.decode())


def cli_environment(env, database_url: str, queue: str, data_dir: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TEMPORAL_", "TRYGG_", "DATABASE_URL"))},
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": env.client.namespace,
        "TRYGG_TASK_QUEUE": queue,
        "DATABASE_URL": database_url,
        "TRYGG_DATA_DIR": str(data_dir),
    }


@asynccontextmanager
async def trygg_with_worker(env, pg_pool, database_url: str, data_dir: Path):
    """A worker with the real activities on a fresh task queue, and the CLI pointed at it."""
    queue = unique("console")
    settings = load_settings(task_queue=queue)
    activity_set = build_activities(pg_pool, settings)
    try:
        async with Worker(env.client, task_queue=queue, workflows=WORKFLOWS, activities=activity_set.functions):
            yield Trygg(cli_environment(env, database_url, queue, data_dir))
    finally:
        await activity_set.close()


def report_json(tenancy_id: str, ref: str, **changes: Any) -> dict[str, Any]:
    report = {
        "external_ref": ref,
        "source_kind": "neighbour",
        "category": "noise",
        "severity": "normal",
        "occurred_at": "2026-11-20T23:10:00+01:00",
        "place": "stairwell B",
        "tenancy": {"tenancy_id": tenancy_id, "property_id": "P-12", "area": "Ryd"},
        "complainant": {"name": "Secret Neighbour", "contact": "070-0000000"},
    }
    report.update(changes)
    return report
