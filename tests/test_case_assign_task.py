"""assign_task: one open task handed to a named colleague. The team lead hands any task
to anyone; a member of the task's role claims an unassigned one for themselves; every
other attempt is refused with the ladder's reason and leaves no trace in history."""

from __future__ import annotations

from domain.models import Actor, Role
from domain.records import ActivityName
from domain.steps import HandOverTask
from tests.standins import COORDINATOR, OPERATOR, TEAM_LEAD, CaseDriver, StandIns, case_worker, file_report, report, tenancy


def _hand(actor: Actor, task_id: str, assignee: str) -> HandOverTask:
    return HandOverTask(actor=actor, reason="workload", task_id=task_id, assignee=assignee)


async def test_a_coordinator_claims_an_unassigned_task_and_the_team_lead_hands_it_on(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        (task,) = [t for t in (await case.view()).open_tasks if t.kind == "verify_report"]
        assert task.role is Role.COORDINATOR and task.assignee is None

        message = await case.refused("assign_task", _hand(COORDINATOR, task.task_id, "coord-2"))
        assert message == (
            f"You may claim task '{task.task_id}' for yourself (coord-1); only the team lead hands tasks to others."
        )
        message = await case.refused("assign_task", _hand(OPERATOR, task.task_id, "ops-1"))
        assert "needs one of the roles" in message and "you act as operator" in message

        view = await case.step("assign_task", _hand(COORDINATOR, task.task_id, "coord-1"))
        assert [t.assignee for t in view.open_tasks if t.task_id == task.task_id] == ["coord-1"]

        other = Actor(id="coord-2", role=Role.COORDINATOR)
        message = await case.refused("assign_task", _hand(other, task.task_id, "coord-2"))
        assert message == f"Task '{task.task_id}' is already assigned to coord-1; only the team lead may hand it on."

        view = await case.step("assign_task", _hand(TEAM_LEAD, task.task_id, "coord-2"))
        assert [t.assignee for t in view.open_tasks if t.task_id == task.task_id] == ["coord-2"]
        assert [(a.task_id, a.assignee) for a in standins.of(ActivityName.ASSIGN_STAFF_TASK)] == [
            (task.task_id, "coord-1"),
            (task.task_id, "coord-2"),
        ]
        assert standins.event_kinds().count("task_assigned") == 2


async def test_a_task_of_another_role_or_none_at_all_is_refused(time_env):
    client, standins = time_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy())))
        (task,) = [t for t in (await case.view()).open_tasks if t.kind == "verify_report"]
        lawyer = Actor(id="lawyer-1", role=Role.TENANCY_LAWYER)
        message = await case.refused("assign_task", _hand(lawyer, task.task_id, "lawyer-1"))
        assert message == (
            f"Task '{task.task_id}' (verify_report) is for the role coordinator; only the team lead may hand it on, "
            "you act as tenancy_lawyer."
        )
        message = await case.refused("assign_task", _hand(TEAM_LEAD, "t-nope", "coord-2"))
        assert message == "There is no open task 't-nope' on this case."
