"""The README's TryggClient script, run as a user would run it, against the dev server
and a worker that encrypt every payload: the report goes in encrypted, the encrypted
answers come back readable, and nothing of it is plain text in Temporal's history."""

from __future__ import annotations

import asyncio
import sys

import pytest

from activities import build_activities
from runtime.codec import new_key_setting
from runtime.settings import load_settings
from tests.console_harness import ROOT, cli_environment
from tests.helpers import unique
from tests.test_codec import with_codec
from workflows.registry import WORKFLOWS

pytestmark = pytest.mark.slow
SCRIPT = ROOT / "examples" / "file_and_verify.py"


def test_the_readme_shows_the_script_as_it_is():
    readme = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    body = SCRIPT.read_text(encoding="utf-8")
    code = body[body.index("import asyncio") :]
    assert code in readme, "docs/cli.md's TryggClient script differs from examples/file_and_verify.py"


async def test_the_readme_script_files_encrypted_and_reads_the_encrypted_answers(local_env, pg_pool, database_url, tmp_path):
    from temporalio.worker import Worker

    keys = new_key_setting("k-script")
    client = with_codec(local_env.client, keys)
    queue, tenancy, ref = unique("script"), unique("T"), unique("CS")
    activity_set = build_activities(pg_pool, load_settings(task_queue=queue))
    env = {**cli_environment(local_env, database_url, queue, tmp_path), "TRYGG_PAYLOAD_KEYS": keys}
    try:
        async with Worker(client, task_queue=queue, workflows=WORKFLOWS, activities=activity_set.functions):
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(SCRIPT), tenancy, ref, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(process.communicate(), 120)
    finally:
        await activity_set.close()
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0].startswith(f"filed {tenancy}.") and f"on case {tenancy}." in lines[0]
    assert lines[1].startswith("stage now contact"), lines
    assert any(line.startswith("task ") and "first_contact" in line for line in lines), lines

    history = await local_env.client.get_workflow_handle(f"case-{tenancy}").fetch_history()
    stored = history.to_json()
    assert "kept in the register only" not in stored and "stairwell B" not in stored, "every payload went in encrypted"
