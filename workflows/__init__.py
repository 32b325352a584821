"""Temporal shells around the domain rules. `WORKFLOWS` is what the worker registers."""

from workflows.area_picture import AreaPictureWorkflow
from workflows.retention import RetentionWorkflow

WORKFLOWS: list[type] = [AreaPictureWorkflow, RetentionWorkflow]
