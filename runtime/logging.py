"""Structured logs through structlog, for Trygg's code and the Temporal SDK's alike.

The SDK's `workflow.logger` and `activity.logger` are stdlib loggers that add the
workflow and activity context (ids, run id, attempt) to each record; the stdlib bridge
renders them through the same processors, so one JSON line shape comes out of everything.
Nothing personal is ever bound: ids and categories only.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from temporalio import activity, workflow

from runtime.settings import LogFormat


def configure_logging(log_format: LogFormat = LogFormat.JSON, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route structlog and the stdlib (the SDK's loggers included) through one renderer."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _lift_temporal_context,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if log_format == LogFormat.JSON
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.format_exc_info, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    # The ids go into keys of their own (see _lift_temporal_context), not into the message.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _lift_temporal_context(logger: object, method: str, event: dict) -> dict:
    """The SDK puts workflow/activity details under `temporal_workflow` / `temporal_activity`
    on the stdlib record; lift the ids into top-level keys operators can filter on."""
    record = event.get("_record")
    if record is None:
        return event
    for attribute in ("temporal_workflow", "temporal_activity"):
        details = getattr(record, attribute, None)
        if isinstance(details, dict):
            for key in ("workflow_id", "run_id", "workflow_type", "activity_type", "attempt", "activity_id"):
                if key in details:
                    event.setdefault(key, details[key])
    extra_case = getattr(record, "case_id", None)
    if extra_case:
        event.setdefault("case_id", extra_case)
    return event


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
