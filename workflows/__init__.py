"""Temporal shells around the domain rules. `WORKFLOWS` is what the worker registers."""

from workflows.area_picture import AreaPictureWorkflow
from workflows.case import DisturbanceCaseWorkflow
from workflows.prevention import PreventionWorkflow
from workflows.retention import RetentionWorkflow

WORKFLOWS: list[type] = [DisturbanceCaseWorkflow, PreventionWorkflow, AreaPictureWorkflow, RetentionWorkflow]
