"""Every workflow the worker registers, and the sandbox runner the worker runs them in.

Kept out of `workflows/__init__.py` on purpose: the sandbox imports a workflow's module,
and with it its package, afresh for every workflow run, so a package that imported every
workflow would rebuild all their modules and models for each case in the worker's cache.

`workflow_runner()`: the SDK's sandbox with the modules of the two workflows that stay
open for months, the case and its prevention track, passed through. The sandbox would
otherwise import each of them anew for every run it caches: a fresh copy of the module's
code, class and workflow definition per case, 129 KiB of a case's memory and, where no
bytecode is cached (PYTHONDONTWRITEBYTECODE), a compile of the module for every case
opened or replayed (`python -m bench.profile memory`). Everything those modules import is
passed through already (`workflow.unsafe.imports_passed_through`) and they keep no state
outside their instances, so nothing is shared between runs but code. The sandbox's
determinism checks still run on them wherever the default runner does: every test worker
and `tests/test_replay.py` (which replays every recorded history under both runners).
"""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

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

PASSED_THROUGH: tuple[str, ...] = ("workflows.case", "workflows.prevention", "domain")
"""Modules the production runner shares between runs instead of importing per run: the two
workflow modules, and the pure domain package they import under
`imports_passed_through`, named here too so that an import made inside a function at run
time (domain.steps imports the ladder lazily) also reaches the host's module instead of
a fresh copy in the run's sandbox."""


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox the worker runs every workflow in, PASSED_THROUGH shared."""
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH))
