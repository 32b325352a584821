"""Whatever a boundary model accepts, the register stores: a property test on the real
embedded PostgreSQL.

Instances are drawn from each model's JSON schema (tests/schema_strategies.py), with
text that includes NUL, ESC, C1 controls, lone surrogates and blanks. Each is validated
the two ways Trygg meets input, Python mode (`model_validate`, the CLI) and JSON
(`model_validate_json`, Temporal's pydantic data converter); the two must agree. What
they accept goes through the real register activity: a report through the ladder's
`open_case` into one batch (case, event, report, complainant, task), a step's reason and
fields into an audit event (and an assignee onto a task). None may be refused. Before
domain.text, a NUL in `place` passed the model and the register refused the batch,
which froze the case.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from temporalio.testing import ActivityEnvironment

from activities.register import RegisterActivities
from domain.ladder import open_case
from domain.models import DisturbanceReport
from domain.prevention import PREVENTION_STEP_MODELS
from domain.records import AssignStaffTask, CaseEventRecord, RegisterBatch, RegisterWrite
from domain.steps import STEP_MODELS, Assign
from runtime.calendar import default_policy
from tests import register_factories as make
from tests.helpers import unique
from tests.schema_strategies import from_schema
from workflows.activities import _REGISTER_ACTIVITIES

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
POLICY = default_policy(2026)
ALL_STEPS: dict[str, type[BaseModel]] = {**STEP_MODELS, **PREVENTION_STEP_MODELS}
HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]
REPORTS = settings(max_examples=150, deadline=None, suppress_health_check=HEALTH)
STEPS = settings(max_examples=40, deadline=None, suppress_health_check=HEALTH)
"""Each example is a transaction on a shared 2-core machine; sixteen step models share a budget."""


def accepted(model: type[BaseModel], data: Any) -> BaseModel | None:
    """The instance both validation modes make of `data`, or None when both refuse."""
    try:
        python = model.model_validate(data)
    except ValidationError:
        python = None
    try:
        decoded = model.model_validate_json(json.dumps(data))
    except ValidationError:
        decoded = None
    assert (python is None) == (decoded is None), "Python-mode and JSON validation disagree"
    if python is not None:
        assert python == decoded
    return decoded


async def write(pool, case_id: str, records: list[tuple[str, BaseModel]]) -> None:
    batch = RegisterBatch(case_id=case_id, writes=tuple(RegisterWrite(name=n, record=r) for n, r in records))
    await ActivityEnvironment().run(RegisterActivities(pool).record_register_batch, batch)


@REPORTS
@given(data=from_schema(DisturbanceReport.model_json_schema()))
async def test_every_report_the_model_accepts_is_stored_by_the_register(data, pg_pool):
    report = accepted(DisturbanceReport, data)
    assume(report is not None)
    case_id = unique("case")
    _, commands = open_case(report, NOW, POLICY, case_id, f"case-{report.tenancy.tenancy_id}")
    register = [(_REGISTER_ACTIVITIES[type(c)], c.record) for c in commands if type(c) in _REGISTER_ACTIVITIES]
    await write(pg_pool, case_id, register)

    stored = await pg_pool.fetchrow(
        """SELECT r.place, r.external_ref, c.area, c.property_id, c.tenant_ids, rc.name, rc.contact, rc.person_id
             FROM reports r JOIN cases c USING (case_id) LEFT JOIN report_complainants rc USING (report_id)
            WHERE r.case_id = $1""",
        case_id,
    )
    assert (stored["place"], stored["external_ref"]) == (report.place, report.external_ref)
    assert (stored["area"], stored["property_id"]) == (report.tenancy.area, report.tenancy.property_id)
    assert tuple(stored["tenant_ids"]) == report.tenancy.tenant_ids
    complainant = report.complainant
    if complainant is not None:
        assert (stored["name"], stored["contact"], stored["person_id"]) == (
            complainant.name, complainant.contact, complainant.person_id,
        )  # fmt: skip


def event_data(step: BaseModel) -> dict[str, Any]:
    """The step's own fields as the ladder puts them into an audit event (`_Turn.record`):
    numbers, booleans and None as they are, everything else as text."""
    values = step.model_dump(exclude={"actor", "reason"})
    return {k: v if isinstance(v, int | bool | float | type(None)) else str(v) for k, v in values.items()}


@pytest.mark.parametrize("name", sorted(ALL_STEPS))
@STEPS
@given(draw=st.data())
async def test_every_step_the_model_accepts_is_stored_by_the_register(name, draw, pg_pool):
    model = ALL_STEPS[name]
    step = accepted(model, draw.draw(from_schema(model.model_json_schema()), label=name))
    assume(step is not None)
    case = make.case()
    event = CaseEventRecord(
        case_id=case.case_id, event_id=unique("ev"), kind=name, at=NOW, actor=step.actor, reason=step.reason,
        data=event_data(step),
    )  # fmt: skip
    records: list[tuple[str, BaseModel]] = [("upsert_case", case), ("record_case_event", event)]
    if isinstance(step, Assign):
        task = make.task(case.case_id)
        assigned = AssignStaffTask(case_id=case.case_id, task_id=task.task_id, assignee=step.assignee, at=NOW)
        records += [("open_staff_task", task), ("assign_staff_task", assigned)]
    await write(pg_pool, case.case_id, records)

    stored = await pg_pool.fetchrow("SELECT reason, data FROM case_events WHERE case_id = $1", case.case_id)
    assert stored["reason"] == step.reason
    assert json.loads(stored["data"]) == json.loads(json.dumps(event.model_dump(mode="json")["data"]))
