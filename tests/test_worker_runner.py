"""The worker's sandbox runner (workflows.registry.workflow_runner) shares the case and
prevention modules and the domain package between runs: a case opened and stepped under it
imports nothing anew inside its run's sandbox, not even what domain code imports lazily
inside a function (domain.steps asks the ladder at run time)."""

from __future__ import annotations

import warnings

from domain.steps import AddNote
from tests.standins import COORDINATOR, CaseDriver, StandIns, case_worker, file_report, report, tenancy
from workflows.registry import PASSED_THROUGH, workflow_runner


async def test_a_case_under_the_workers_runner_imports_nothing_at_run_time(time_env):
    client, standins = time_env.client, StandIns()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with case_worker(client, standins, workflow_runner=workflow_runner()) as queue:
            case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
            await case.verify_pending()
            view = await case.step("add_note", AddNote(actor=COORDINATOR, reason="called the caretaker"))
    assert view.notes == 1
    late = [str(w.message) for w in caught if "imported after initial workflow load" in str(w.message)]
    assert late == [], "a module was imported anew inside a run's sandbox"


def test_the_runner_passes_through_the_long_lived_workflows_and_the_domain():
    restrictions = workflow_runner().restrictions
    assert {"workflows.case", "workflows.prevention", "domain"} <= set(PASSED_THROUGH)
    assert set(PASSED_THROUGH) <= set(restrictions.passthrough_modules)
