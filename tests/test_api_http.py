"""The HTTP API against the real stack and a real local OpenID provider: a case system
files reports over HTTP, signed-in staff take steps as themselves, and every refusal is
a problem document with the right status."""

from __future__ import annotations

import uuid

import pytest_asyncio

from tests.api_stack import api_stack
from tests.helpers import eventually
from tests.standins import report, tenancy

PROBLEM = "application/problem+json"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def api(local_env, pg_pool, identity_provider):
    async with api_stack(local_env, pg_pool, identity_provider) as stack:
        yield stack


def report_body() -> dict:
    return report(tenancy()).model_dump(mode="json")


async def file(api, body: dict, key: str | None = None, headers: dict | None = None):
    headers = {**(headers or api.case_system()), "Idempotency-Key": key or uuid.uuid4().hex}
    return await api.http.post("/v1/reports", json=body, headers=headers)


async def open_case(api) -> tuple[str, str]:
    answer = await file(api, report_body())
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    return receipt["workflow_id"], receipt["report_id"]


async def test_a_report_filed_over_http_opens_a_case_and_returns_its_receipt(api, pg_pool):
    body = report_body()
    answer = await file(api, body)
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    assert receipt["stage"] == "reported" and receipt["duplicate"] is False
    assert answer.headers["location"] == f"/v1/reports/{receipt['report_id']}"
    read = await api.http.get(answer.headers["location"], headers=api.case_system())
    assert read.status_code == 200 and read.json() == receipt
    view = await api.trygg.view(receipt["workflow_id"])
    assert [r.report_id for r in view.reports] == [receipt["report_id"]]


async def test_the_same_key_replayed_returns_the_same_receipt_and_files_nothing(api, pg_pool):
    body, key, token = report_body(), uuid.uuid4().hex, api.case_system()
    first = await file(api, body, key, token)
    again = await file(api, body, key, token)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    count = await pg_pool.fetchval("SELECT count(*) FROM reports WHERE external_ref = $1", body["external_ref"])
    assert count == 1
    other = await file(api, {**body, "place": "gården"}, key, token)
    assert other.status_code == 422 and other.headers["content-type"] == PROBLEM
    assert other.json()["errors"] == [{"field": "header:Idempotency-Key", "reason": "already used with another body"}]


async def test_a_report_without_an_idempotency_key_or_with_a_bad_field_is_422_naming_it(api):
    missing = await api.http.post("/v1/reports", json=report_body(), headers=api.case_system())
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "header:Idempotency-Key"
    bad = await file(api, {**report_body(), "category": "gossip"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert [e["field"] for e in bad.json()["errors"]] == ["category"]
    assert "gossip" not in bad.text, "the value sent is never echoed"


async def test_a_step_by_a_signed_in_coordinator_succeeds_and_is_attributed_to_that_user(api, pg_pool):
    workflow_id, report_id = await open_case(api)
    answer = await api.http.post(
        f"/v1/cases/{workflow_id}/steps/verify_report", json={"report_id": report_id, "method": "inspection",
                                                               "reason": "seen on site"},
        headers={**api.staff("anna.coordinator"), "Idempotency-Key": "verify-1"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["stage"] == "contact" and "record_contact" in view["allowed_steps"]

    async def recorded():
        row = await pg_pool.fetchrow(
            "SELECT actor_id, actor_role FROM case_events WHERE kind = 'report_verified' AND case_id = $1", view["case_id"]
        )
        assert row is not None
        return row

    row = await eventually(recorded)
    assert (row["actor_id"], row["actor_role"]) == ("anna.coordinator", "coordinator")


async def test_an_idempotency_key_makes_a_retried_step_count_once(api):
    workflow_id, _ = await open_case(api)
    headers = {**api.staff("anna.coordinator"), "Idempotency-Key": "note-1"}
    for _ in range(2):
        answer = await api.http.post(f"/v1/cases/{workflow_id}/steps/add_note", json={"reason": "called"}, headers=headers)
        assert answer.status_code == 200, answer.text
    assert answer.json()["notes"] == 1


async def test_a_step_by_a_role_that_may_not_is_403_a_refused_one_409_a_bad_field_422(api):
    workflow_id, report_id = await open_case(api)
    path = f"/v1/cases/{workflow_id}/steps"
    operator = await api.http.post(f"{path}/verify_report", json={"report_id": report_id, "method": "inspection",
                                                                  "reason": "x"}, headers=api.staff("olle.operator"))  # fmt: skip
    assert operator.status_code == 403 and operator.headers["content-type"] == PROBLEM
    assert "you act as operator" in operator.json()["detail"]

    coordinator = api.staff("anna.coordinator")
    refused = await api.http.post(f"{path}/record_contact", json={"method": "call", "reason": "x"}, headers=coordinator)
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["detail"].startswith("'record_contact' is not possible while the case is in stage 'reported'")

    bad = await api.http.post(f"{path}/verify_report", json={"report_id": report_id, "method": "telepathy"},
                              headers=coordinator)  # fmt: skip
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["method", "reason"]

    forged = await api.http.post(f"{path}/add_note", json={"reason": "x", "actor": {"id": "lena.lead", "role": "team_lead"}},
                                 headers=coordinator)  # fmt: skip
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "actor"


async def test_a_case_system_files_reports_but_is_refused_on_staff_routes(api):
    workflow_id, _ = await open_case(api)
    for method, path in [("GET", f"/v1/cases/{workflow_id}"), ("GET", "/v1/inbox"), ("GET", "/v1/cases"),
                         ("POST", f"/v1/cases/{workflow_id}/steps/add_note"), ("GET", "/v1/policy")]:  # fmt: skip
        answer = await api.http.request(method, path, json={"reason": "x"} if method == "POST" else None,
                                        headers=api.case_system())  # fmt: skip
        assert answer.status_code == 403, (path, answer.text)
        assert answer.headers["content-type"] == PROBLEM


async def test_the_case_view_timeline_and_list_are_cut_for_the_callers_role(api):
    workflow_id, _ = await open_case(api)
    coordinator = (await api.http.get(f"/v1/cases/{workflow_id}", headers=api.staff("anna.coordinator"))).json()
    operator = (await api.http.get(f"/v1/cases/{workflow_id}", headers=api.staff("olle.operator"))).json()
    assert coordinator["reports"][0]["external_ref"] is not None and operator["reports"][0]["external_ref"] is None
    assert "verify_report" in coordinator["allowed_steps"] and operator["allowed_steps"] == []
    timeline = await api.http.get(f"/v1/cases/{workflow_id}/timeline", headers=api.staff("olle.operator"))
    assert timeline.status_code == 200 and timeline.json()["for_role"] == "operator"

    async def listed():
        page = (await api.http.get("/v1/cases", params={"stage": "reported", "limit": 200},
                                   headers=api.staff("lena.lead"))).json()  # fmt: skip
        assert workflow_id in [c["workflow_id"] for c in page["items"]]

    await eventually(listed)
    assert (await api.http.get("/v1/cases/nope-no-case", headers=api.staff("lena.lead"))).status_code == 404


async def test_the_inbox_shows_my_roles_unassigned_task_and_the_team_lead_hands_it_on(api):
    workflow_id, _ = await open_case(api)
    view = await api.trygg.view(workflow_id)
    (task,) = [t.task_id for t in view.open_tasks if t.kind == "verify_report"]
    anna, lena = api.staff("anna.coordinator"), api.staff("lena.lead")

    async def in_inbox(headers):
        items = (await api.http.get("/v1/inbox", params={"kind": "verify_report"}, headers=headers)).json()
        assert task in [i["task_id"] for i in items]
        return items

    await eventually(lambda: in_inbox(anna))
    handed = await api.http.post(f"/v1/tasks/{task}/assignee", json={"assignee": "sven.senior", "reason": "workload"},
                                 headers=lena)  # fmt: skip
    assert handed.status_code == 200, handed.text
    assert [t["assignee"] for t in handed.json()["open_tasks"] if t["task_id"] == task] == ["sven.senior"]
    claimed = await api.http.post(f"/v1/tasks/{task}/assignee", json={"assignee": "anna.coordinator", "reason": "mine"},
                                  headers=anna)  # fmt: skip
    assert claimed.status_code == 409 and "only the team lead may hand it on" in claimed.json()["detail"]
    await eventually(lambda: in_inbox(api.staff("sven.senior")))


async def test_an_access_export_is_recorded_with_who_asked_and_for_whom(api, pg_pool):
    body = report_body()
    answer = await file(api, body)
    tenancy_id = body["tenancy"]["tenancy_id"]

    async def exported():
        got = await api.http.get(f"/v1/exports/tenancy/{tenancy_id}", headers=api.staff("jonas.lawyer"))
        assert got.status_code == 200 and len(got.json()["cases"]) == 1
        return got

    await eventually(exported)
    row = await pg_pool.fetchrow("SELECT requested_by, role FROM api_access_exports WHERE subject_id = $1 LIMIT 1", tenancy_id)
    assert (row["requested_by"], row["role"]) == ("jonas.lawyer", "tenancy_lawyer")
    denied = await api.http.get(f"/v1/exports/tenancy/{tenancy_id}", headers=api.staff("olle.operator"))
    assert denied.status_code == 403 and answer.status_code == 201


async def test_stats_policy_and_the_docs_page_answer(api):
    lead = api.staff("lena.lead")
    assert (await api.http.get("/v1/stats", headers=lead)).status_code == 200
    assert "version" in (await api.http.get("/v1/policy", headers=lead)).json()
    assert (await api.http.get("/v1/openapi.json")).json()["openapi"].startswith("3.1")
    docs = await api.http.get("/v1/docs")
    assert docs.status_code == 200 and "/v1/static/swagger-ui/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    assert (await api.http.get("/v1/static/swagger-ui/swagger-ui-bundle.js")).status_code == 200


async def test_an_oversized_body_is_413_before_it_is_read(api):
    answer = await api.http.post("/v1/reports", content=b"{" + b" " * 70_000 + b"}",
                                 headers={**api.case_system(), "Content-Type": "application/json", "Idempotency-Key": "big"})  # fmt: skip
    assert answer.status_code == 413 and answer.headers["content-type"] == PROBLEM


async def test_a_task_of_the_prevention_track_is_handed_on_through_the_same_route(api):
    workflow_id, report_id = await open_case(api)
    anna, path = api.staff("anna.coordinator"), f"/v1/cases/{workflow_id}/steps"
    for step, body in [("verify_report", {"report_id": report_id, "method": "inspection"}),
                       ("record_contact", {"method": "call"}), ("escalate_to_prevention", {})]:  # fmt: skip
        answer = await api.http.post(f"{path}/{step}", json={**body, "reason": "x"}, headers=anna)
        assert answer.status_code == 200, answer.text
    omar = api.staff("omar.prevention")

    async def plan_task() -> str:
        items = (await api.http.get("/v1/inbox", params={"kind": "agree_action_plan"}, headers=omar)).json()
        mine = [i["task_id"] for i in items if i["case_id"] == answer.json()["case_id"]]
        assert len(mine) == 1
        return mine[0]

    task = await eventually(plan_task)
    claimed = await api.http.post(f"/v1/tasks/{task}/assignee", json={"assignee": "omar.prevention", "reason": "mine"},
                                  headers=omar)  # fmt: skip
    assert claimed.status_code == 200, claimed.text
    again = await api.http.post(f"/v1/tasks/{task}/assignee", json={"assignee": "anna.coordinator", "reason": "x"},
                                headers=anna)  # fmt: skip
    assert again.status_code == 409 and "only the team lead may hand it on" in again.json()["detail"]

    async def held():
        items = (await api.http.get("/v1/inbox", params={"kind": "agree_action_plan"}, headers=omar)).json()
        assert [i["assignee"] for i in items if i["task_id"] == task] == ["omar.prevention"]

    await eventually(held)
