"""Every `trygg` command against the real dev server, embedded PostgreSQL and a worker
with the real activities: normal output, --json output, and the error exits."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType

from tests.console_harness import report_json, trygg_with_worker
from tests.helpers import eventually, unique

pytestmark = pytest.mark.slow

COORDINATOR = "coordinator:anna.s"


@pytest_asyncio.fixture(loop_scope="session")
async def trygg(local_env, pg_pool, database_url, tmp_path):
    async with trygg_with_worker(local_env, pg_pool, database_url, tmp_path) as cli:
        yield cli


async def open_case(trygg, tmp_path, area: str = "Ryd") -> tuple[str, dict]:
    tenancy = unique("T")
    path = tmp_path / f"{tenancy}.json"
    report = report_json(tenancy, f"{tenancy}-1")
    report["tenancy"]["area"] = area
    path.write_text(json.dumps(report))
    result = await trygg("report", str(path), "--json")
    assert result.code == 0, result.err
    return tenancy, result.json()


async def test_report_from_a_file_opens_a_case_and_prints_its_id(trygg, tmp_path):
    tenancy = unique("T")
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report_json(tenancy, "CS-1")))
    result = await trygg("report", str(path))
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].startswith(f"{tenancy}.")
    assert "stage: reported" in result.out


async def test_report_from_flags_and_from_stdin(trygg):
    tenancy = unique("T")
    flags = await trygg(
        "report", "--tenancy", tenancy, "--property", "P-1", "--area", "Berga", "--category", "noise",
        "--source", "security_company", "--occurred-at", "2026-11-27T01:10+01:00", "--place", "yard",
        "--ref", "patrol-1", "--address", "Storgatan 1 B", "--tenant-name", "Bo B", "--tenant-name", "Lena B", "--json",
    )  # fmt: skip
    assert flags.code == 0, flags.err
    receipt = flags.json()
    assert receipt["duplicate"] is False and receipt["case_id"].startswith(tenancy)

    piped = await trygg("report", "-", "--json", stdin=json.dumps(report_json(tenancy, "CS-2")))
    assert piped.code == 0, piped.err
    assert piped.json()["case_id"] == receipt["case_id"], "a second report joins the open case"


async def test_a_repeated_report_is_a_no_op(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    again = await trygg("report", "-", "--json", stdin=json.dumps(report_json(tenancy, f"{tenancy}-1")))
    assert again.json()["report_id"] == receipt["report_id"]
    shown = (await trygg("show", tenancy, "--json")).json()
    assert len(shown["reports"]) == 1


async def test_an_invalid_report_names_every_bad_field_and_starts_nothing(trygg, local_env):
    tenancy = unique("T")
    bad = report_json(tenancy, "CS-9", category="shouting", occurred_at="yesterday")
    result = await trygg("report", "-", stdin=json.dumps(bad))
    assert result.code == 2
    assert "category: Input should be 'noise'" in result.err
    assert "occurred_at: Input should be a valid datetime" in result.err
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    missing = await trygg("show", tenancy)
    assert missing.code == 1 and "no case" in missing.err


async def test_act_takes_a_step_and_prints_the_new_stage(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    data = json.dumps({"report_id": receipt["report_id"], "method": "own_observation"})
    result = await trygg("act", tenancy, "verify_report", "--as", COORDINATOR, "--reason", "heard it", "--data", data)
    assert result.code == 0, result.err
    assert "stage: contact" in result.out
    assert "first_contact for coordinator" in result.out

    as_json = await trygg("act", tenancy, "record_contact", "--as", COORDINATOR, "--reason", "called", "--data", '{"method": "call"}', "--json")
    assert as_json.json()["stage"] == "dialogue"


async def test_a_refused_step_exits_1_with_the_validators_message_and_leaves_no_trace(trygg, tmp_path, local_env):
    tenancy, _ = await open_case(trygg, tmp_path)
    result = await trygg("act", tenancy, "approve_termination", "--as", COORDINATOR, "--reason", "enough")
    assert result.code == 1
    assert result.err.strip() == "trygg: 'approve_termination' needs one of the roles tenancy_lawyer; you act as coordinator."
    history = await local_env.client.get_workflow_handle(f"case-{tenancy}").fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert "approve_termination" not in accepted


async def test_act_with_bad_input_exits_2_naming_the_fields(trygg, tmp_path):
    tenancy, _ = await open_case(trygg, tmp_path)
    result = await trygg("act", tenancy, "record_follow_up", "--as", COORDINATOR)
    assert result.code == 2
    assert "reason: Field required" in result.err and "calm: Field required" in result.err
    bad_actor = await trygg("act", tenancy, "add_note", "--as", "janitor:bo", "--reason", "x")
    assert bad_actor.code == 2 and "--as" in bad_actor.err
    unknown = await trygg("act", tenancy, "fly_away", "--as", COORDINATOR, "--reason", "x")
    assert unknown.code == 2 and "step: unknown step 'fly_away'" in unknown.err


async def test_act_and_show_on_an_unknown_case_exit_1(trygg):
    result = await trygg("act", "NO-SUCH", "add_note", "--as", COORDINATOR, "--reason", "x")
    assert result.code == 1 and result.err.strip() == "trygg: no case case-NO-SUCH"
    shown = await trygg("show", "NO-SUCH", "--json")
    assert shown.code == 1 and shown.out == ""


async def test_show_prints_stage_tasks_clocks_and_reports_without_the_complainant(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    human = await trygg("show", tenancy, "--role", "coordinator")
    assert human.code == 0, human.err
    assert "stage: reported" in human.out
    assert "verify_report for coordinator" in human.out
    assert "noise (normal) from neighbour" in human.out
    assert "Secret Neighbour" not in human.out
    view = (await trygg("show", f"case-{tenancy}", "--json")).json()
    assert view["case_id"] == receipt["case_id"]
    assert [t["kind"] for t in view["open_tasks"]] == ["verify_report"]
    assert "verify_report" in view["allowed_steps"]
    assert "Secret Neighbour" not in json.dumps(view)


async def test_history_shows_reports_and_steps_with_actor_and_reason(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    await trygg("act", tenancy, "reject_report", "--as", COORDINATOR, "--reason", "nobody else heard it",
                "--data", json.dumps({"report_id": receipt["report_id"]}))  # fmt: skip
    human = await trygg("history", tenancy, "--role", "coordinator")
    assert human.code == 0, human.err
    assert f"report {tenancy}-1: noise (normal) from neighbour" in human.out
    assert "[coordinator:anna.s]" in human.out and "nobody else heard it" in human.out
    codes_only = await trygg("history", tenancy)  # no role: the most restrictive cut
    assert codes_only.code == 0, codes_only.err
    assert "[coordinator]" in codes_only.out and "report: noise (normal) from neighbour" in codes_only.out
    assert "nobody else heard it" not in codes_only.out and "anna.s" not in codes_only.out
    assert f"{tenancy}-1" not in codes_only.out, "the case system's ref is the owners' only"
    timeline = (await trygg("history", tenancy, "--role", "coordinator", "--json")).json()
    kinds = [e["kind"] for e in timeline["entries"]]
    assert kinds[0] == "run_started"
    assert kinds.index("report:file_report") < kinds.index("step:reject_report") < kinds.index("case_closed")
    assert timeline["audit_trail"]["case"]["case_id"] == receipt["case_id"]
    assert timeline["audit_trail"]["events"], "the register holds the case's events"
    assert "Secret Neighbour" not in human.out + json.dumps(timeline)


async def test_cases_filters_by_area_and_stage(trygg, tmp_path):
    area = unique("Area")
    tenancy, _ = await open_case(trygg, tmp_path, area=area)

    async def listed():
        found = (await trygg("cases", "--area", area, "--json")).json()
        assert [c["workflow_id"] for c in found] == [f"case-{tenancy}"]
        assert found[0]["stage"] == "reported" and found[0]["overdue"] is False

    await eventually(listed, timeout=20)
    assert (await trygg("cases", "--area", area, "--stage", "follow_up", "--json")).json() == []
    assert (await trygg("cases", "--area", area, "--overdue", "--json")).json() == []
    human = await trygg("cases", "--area", area)
    assert f"case-{tenancy}" in human.out and "reported" in human.out


async def test_inbox_lists_open_tasks_for_a_role(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)

    async def listed():
        items = (await trygg("inbox", "--role", "coordinator", "--area", "Ryd", "--json")).json()
        mine = [i for i in items if i["case_id"] == receipt["case_id"]]
        assert [i["kind"] for i in mine] == ["verify_report"]
        return items

    items = await eventually(listed, timeout=20)
    assert all(i["role"] == "coordinator" and i["area"] == "Ryd" for i in items)
    human = await trygg("inbox", "--role", "coordinator")
    assert "verify_report" in human.out and receipt["case_id"] in human.out


async def test_stats_answer_from_the_register(trygg, tmp_path):
    await open_case(trygg, tmp_path)
    stats = (await trygg("stats", "--since", "2020-01-01", "--area", "Ryd", "--json")).json()
    assert stats["active_cases"] >= 1
    assert set(stats["active_by_area"]) == {"Ryd"}
    human = await trygg("stats", "--since", "2020-01-01")
    assert "active cases:" in human.out
    bad = await trygg("stats", "--since", "last spring")
    assert bad.code == 2 and "--since" in bad.err


async def test_commands_exit_1_with_one_line_when_temporal_is_down(trygg):
    for args in (("show", "T-1"), ("cases",), ("act", "T-1", "add_note", "--as", COORDINATOR, "--reason", "x")):
        result = await trygg(*args, TEMPORAL_ADDRESS="127.0.0.1:1")
        assert result.code == 1, args
        assert result.err.strip() == "trygg: cannot reach Temporal at 127.0.0.1:1: connection refused (is it running? `trygg dev` starts one)"
        assert "::" not in result.err and "Error(" not in result.err, "no Rust debug text"


async def test_inbox_and_stats_read_only_postgresql_and_work_with_temporal_down(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    inbox = await trygg("inbox", "--json", TEMPORAL_ADDRESS="127.0.0.1:1")
    assert inbox.code == 0, inbox.err
    assert receipt["case_id"] in [i["case_id"] for i in inbox.json()]
    stats = await trygg("stats", "--since", "2020-01-01", TEMPORAL_ADDRESS="127.0.0.1:1")
    assert stats.code == 0 and "active cases:" in stats.out, stats.err


async def test_every_id_one_command_prints_the_others_accept(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    items = (await trygg("inbox", "--role", "coordinator", "--json")).json()
    task = next(i for i in items if i["case_id"] == receipt["case_id"])
    for printed in (receipt["case_id"], receipt["report_id"], receipt["workflow_id"], task["task_id"], tenancy):
        shown = await trygg("show", printed, "--json")
        assert shown.code == 0, (printed, shown.err)
        assert shown.json()["case_id"] == receipt["case_id"]
    other = await trygg("show", f"{tenancy}.0123456789ab", "--json")
    assert other.code == 1 and "is not the one open under" in other.err, "an old case id never reaches the new case"


async def test_a_step_names_its_report_by_the_case_systems_ref_or_as_latest(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    filed = await trygg("report", "-", stdin=json.dumps(report_json(tenancy, f"{tenancy}-2")))
    assert filed.code == 0 and f"{tenancy}." in filed.out and "--report latest" in filed.out
    by_ref = await trygg("act", tenancy, "verify_report", "--as", COORDINATOR, "--reason", "heard it",
                         "--report", f"{tenancy}-1", "--data", '{"method": "own_observation"}', "--json")  # fmt: skip
    assert by_ref.code == 0, by_ref.err
    verified = {r["report_id"]: r["verified"] for r in by_ref.json()["reports"]}
    assert verified[receipt["report_id"]] is True
    latest = await trygg("act", tenancy, "reject_report", "--as", COORDINATOR, "--reason", "nobody else", "--report", "latest", "--json")
    assert latest.code == 0, latest.err
    assert [r["verified"] for r in latest.json()["reports"]] == [True, False]


async def test_human_output_prints_times_in_swedish_time_with_the_zone_and_json_keeps_the_offset(trygg, tmp_path):
    tenancy, _ = await open_case(trygg, tmp_path)
    human = await trygg("show", tenancy, "--role", "coordinator")
    assert "at 2026-11-20 23:10 CET" in human.out, human.out  # the report's occurred_at, given as +01:00
    assert re.search(r"due \d{4}-\d{2}-\d{2} \d{2}:\d{2} CES?T", human.out), human.out
    view = (await trygg("show", tenancy, "--json")).json()
    assert datetime.fromisoformat(view["reports"][0]["occurred_at"]).utcoffset() is not None, "JSON keeps ISO with offset"
    inbox = await trygg("inbox", "--role", "coordinator")
    assert re.search(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} CES?T", inbox.out.splitlines()[1]), inbox.out


async def test_register_commands_exit_1_with_one_line_when_postgresql_is_down(trygg, tmp_path):
    down = f"postgresql://postgres@/nothing?host={tmp_path}"
    for args in (("inbox",), ("stats",)):
        result = await trygg(*args, DATABASE_URL=down)
        assert result.code == 1, args
        assert result.err.startswith("trygg: cannot reach PostgreSQL"), result.err
        assert "Traceback" not in result.err


async def test_demo_walks_a_case_through_dialogue_warning_follow_up_and_prevention(trygg):
    result = await trygg("demo")
    assert result.code == 0, result.err
    for line in ("verify_report", "record_dialogue", "issue_warning", "eviction-prevention track started", "plan fulfilled"):
        assert line in result.out


async def test_demo_takes_json_like_every_command(trygg):
    result = await trygg("demo", "--json")
    assert result.code == 0, result.err
    walked = result.json()
    assert walked["case_id"].startswith(walked["tenancy_id"] + ".")
    assert any("plan fulfilled" in step["what"] for step in walked["steps"])
    assert walked["view"]["stage"] == "follow_up"


async def test_show_lists_the_prevention_tracks_tasks_and_history_tells_its_end_once(trygg, tmp_path):
    tenancy, receipt = await open_case(trygg, tmp_path)
    for step, data in (
        ("verify_report", {"report_id": receipt["report_id"], "method": "own_observation"}),
        ("record_contact", {"method": "call"}),
        ("record_dialogue", {"resolved": False}),
        ("escalate_to_prevention", {}),
    ):
        taken = await trygg("act", tenancy, step, "--as", COORDINATOR, "--reason", "r", "--data", json.dumps(data))
        assert taken.code == 0, (step, taken.err)

    async def track_tasks():
        view = (await trygg("show", tenancy, "--json")).json()
        assert view["prevention_tasks"], "the track's tasks show beside the case's"
        return view

    view = await eventually(track_tasks, timeout=20)
    human = await trygg("show", tenancy, "--role", "prevention_team")
    assert "[prevention track]" in human.out and view["prevention_tasks"][0]["task_id"] in human.out
    track_task = view["prevention_tasks"][0]["task_id"]
    assert (await trygg("show", track_task, "--json")).code == 0, "a track's task id names the case too"

    prevention = "prevention_team:omar.k"
    for step, data in (("record_consent", {"given": True}), ("agree_action_plan", {"measures": ["quiet_hours"]}),
                       ("record_review", {"verdict": "fulfilled"})):  # fmt: skip
        taken = await trygg("act", tenancy, step, "--as", prevention, "--reason", "r", "--data", json.dumps(data))
        assert taken.code == 0, (step, taken.err)

    async def ended():
        timeline = (await trygg("history", tenancy, "--role", "coordinator", "--json")).json()
        kinds = [e["kind"] for e in timeline["entries"]]
        assert "signal:prevention_finished" in kinds
        return timeline

    timeline = await eventually(ended, timeout=20)
    kinds = [e["kind"] for e in timeline["entries"]]
    assert kinds.count("signal:prevention_finished") + kinds.count("prevention_finished") == 1, kinds
    assert "task_opened" in kinds and "task_closed" in kinds, "the register's task events are in the timeline"
    human = await trygg("history", tenancy, "--role", "coordinator")
    assert human.out.count("prevention track ended") == 1 and "prevention track finished" not in human.out
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} CES?T  task .*:pt\d+ opened", human.out), human.out
