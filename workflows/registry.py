"""Every workflow the worker registers.

Kept out of `workflows/__init__.py` on purpose: the sandbox imports a workflow's module,
and with it its package, afresh for every workflow run, so a package that imported every
workflow would rebuild all their modules and models for each case in the worker's cache.
"""

from workflows.area_picture import AreaPictureWorkflow
from workflows.case import DisturbanceCaseWorkflow
from workflows.digest import DailyDigestWorkflow
from workflows.incidents import CaseIncidentSweepWorkflow
from workflows.prevention import PreventionWorkflow
from workflows.retention import RetentionWorkflow

WORKFLOWS: list[type] = [
    DisturbanceCaseWorkflow, PreventionWorkflow, AreaPictureWorkflow, RetentionWorkflow, CaseIncidentSweepWorkflow,
    DailyDigestWorkflow,
]  # fmt: skip
