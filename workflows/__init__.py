"""Temporal shells around the domain rules. `WORKFLOWS` is what the worker registers."""

from workflows.retention import RetentionWorkflow

WORKFLOWS: list[type] = [RetentionWorkflow]
