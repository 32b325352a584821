"""The access export: every record about a tenancy or a person, no complainant identity."""

from __future__ import annotations

import pytest

from domain.models import Complainant, Role
from register.export import AccessExport, export_person, export_tenancy
from tests import register_factories as make
from tests.helpers import unique


async def write_case_file(env, acts, **case_fields):
    """A case with two events, two reports (each with a complainant), a task and a disclosure."""
    case = make.case(**case_fields)
    await env.run(acts.upsert_case, case)
    records = {
        "events": [make.event(case.case_id), make.event(case.case_id, kind="contacted")],
        "reports": [
            make.report(case.case_id, complainant=Complainant(person_id=unique("nb"), name="Bertil Berg", contact="bertil@example.se")),
            make.report(case.case_id, complainant=Complainant(name="Cecilia Ek", contact="073-555")),
        ],
        "tasks": [make.task(case.case_id)],
        "disclosures": [make.disclosure(case.case_id)],
    }
    for e in records["events"]:
        await env.run(acts.record_case_event, e)
    for r in records["reports"]:
        await env.run(acts.record_report, r)
    await env.run(acts.open_staff_task, records["tasks"][0])
    await env.run(acts.record_disclosure, records["disclosures"][0])
    return case, records


IDENTITIES = ("Bertil Berg", "bertil@example.se", "Cecilia Ek", "073-555", "Doris Dahl", "doris@example.se")


def assert_no_complainant_identity(export: AccessExport) -> None:
    text = export.model_dump_json()
    for identity in IDENTITIES:
        assert identity not in text


def assert_whole_file(export: AccessExport, case, records) -> None:
    [file] = [f for f in export.cases if f.case.case_id == case.case_id]
    assert [e.event_id for e in file.events] == [e.event_id for e in records["events"]]
    assert {r.report_id for r in file.reports} == {r.report_id for r in records["reports"]}
    assert all(r.complainant == "redacted" for r in file.reports)
    assert [t.task_id for t in file.tasks] == [records["tasks"][0].task_id]
    assert [d.disclosure_id for d in file.disclosures] == [records["disclosures"][0].disclosure_id]


async def test_export_of_a_person_has_every_record_about_them_and_no_complainant_identity(env, acts, pg_pool):
    person = unique("person")
    first, first_records = await write_case_file(env, acts, tenant_ids=(person, unique("cotenant")))
    moved, moved_records = await write_case_file(env, acts, tenant_ids=(person,))
    neighbours_case, _ = await write_case_file(env, acts)
    filed = make.report(
        neighbours_case.case_id, complainant=Complainant(person_id=person, name="Doris Dahl", contact="doris@example.se")
    )
    await env.run(acts.record_report, filed)

    export = await export_person(pg_pool, person, role=Role.COORDINATOR)

    assert {f.case.case_id for f in export.cases} == {first.case_id, moved.case_id}
    assert_whole_file(export, first, first_records)
    assert_whole_file(export, moved, moved_records)
    [as_complainant] = export.filed_reports
    assert as_complainant.report.report_id == filed.report_id
    assert as_complainant.report.place == filed.place
    assert as_complainant.identity_fields_held == ("person_id", "name", "contact")
    assert_no_complainant_identity(export)
    assert AccessExport.model_validate_json(export.model_dump_json()) == export


async def test_export_of_a_tenancy_has_its_cases_only(env, acts, pg_pool):
    tenancy = unique("ten")
    old, old_records = await write_case_file(env, acts, tenancy_id=tenancy)
    new, new_records = await write_case_file(env, acts, tenancy_id=tenancy)
    await write_case_file(env, acts)

    export = await export_tenancy(pg_pool, tenancy, role=Role.COORDINATOR)

    assert {f.case.case_id for f in export.cases} == {old.case_id, new.case_id}
    assert_whole_file(export, old, old_records)
    assert_whole_file(export, new, new_records)
    assert export.filed_reports == []
    assert_no_complainant_identity(export)


async def test_export_of_someone_unknown_is_empty(pg_pool):
    export = await export_person(pg_pool, "nobody")
    assert (export.cases, export.filed_reports) == ([], [])
