"""Logs are JSON lines with the workflow's ids bound, from structlog and the SDK alike."""

import io
import json
import logging

from temporalio import workflow

from runtime.logging import configure_logging, get_logger
from runtime.settings import LogFormat
from tests.helpers import running_worker, unique


@workflow.defn(sandboxed=False)
class LoggingWorkflow:
    @workflow.run
    async def run(self) -> None:
        workflow.logger.warning("stage changed", extra={"case_id": "case-42"})


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


async def test_workflow_logs_carry_workflow_id_run_id_and_case_id(time_env):
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "WARNING", stream=stream)
    try:
        workflow_id = unique("log")
        async with running_worker(time_env.client, workflows=[LoggingWorkflow]) as worker:
            handle = await time_env.client.start_workflow(LoggingWorkflow.run, id=workflow_id, task_queue=worker.task_queue)
            await handle.result()
        lines = [line for line in json_lines(stream) if line["event"] == "stage changed"]
        assert lines, stream.getvalue()
        assert lines[0]["workflow_id"] == workflow_id
        assert lines[0]["run_id"] == handle.result_run_id
        assert lines[0]["case_id"] == "case-42"
        assert lines[0]["level"] == "warning"
    finally:
        configure_logging(LogFormat.CONSOLE, "WARNING")


def test_structlog_lines_are_json_with_bound_context():
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "INFO", stream=stream)
    try:
        get_logger("trygg.test").bind(case_id="case-7").info("notice sent", partner_id="soc-1")
        line = json_lines(stream)[-1]
        assert line == {**line, "event": "notice sent", "case_id": "case-7", "partner_id": "soc-1", "level": "info"}
        assert "timestamp" in line
    finally:
        configure_logging(LogFormat.CONSOLE, "WARNING")
        logging.getLogger().setLevel("WARNING")
