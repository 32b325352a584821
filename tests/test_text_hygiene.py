"""Text and value hygiene of the boundary models (domain/text.py), in both ways Trygg
validates input: Python mode (`model_validate`, what the CLI and TryggClient do) and JSON
(`model_validate_json`, what Temporal's pydantic data converter does with a payload)."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from client.cases import TryggClient
from client.errors import InvalidInput
from domain.inputs import CaseInput
from domain.models import Actor, DisturbanceReport, Role
from domain.prevention import RecordConsent
from domain.records import NoticeKind
from domain.steps import ApproveTermination, EscalateToPrevention, RecordDialogue
from partners.directory import DirectoryError, load_directory, parse_directory
from runtime.settings import SettingsError, load_settings
from tests.partner_servers import directory, webhook_partner

COORDINATOR = {"id": "anna.s", "role": "coordinator"}
ANNA = Actor(id="anna.s", role=Role.COORDINATOR)
LAWYER = {"id": "lars.j", "role": "tenancy_lawyer"}
EXAMPLE = Path(__file__).resolve().parent.parent / "deploy" / "partners.example.toml"
EXAMPLE_ENV = {
    "TRYGG_PARTNER_SOCIALTJANSTEN_SECRET": "s" * 32,
    "TRYGG_PARTNER_RADDNINGSTJANSTEN_SECRET": "r" * 32,
    "TRYGG_PARTNER_VAKTBOLAGET_SECRET": "v" * 32,
}


def report_data(**changes: Any) -> dict[str, Any]:
    tenancy = {"tenancy_id": "T-1001", "property_id": "P-12", "area": "Ryd"} | changes.pop("tenancy", {})
    return {
        "external_ref": "CS-77",
        "source_kind": "neighbour",
        "category": "noise",
        "occurred_at": "2026-11-27T23:10:00+01:00",
        "place": "stairwell B",
        "tenancy": tenancy,
    } | changes


def refusals(model: type[BaseModel], data: dict[str, Any]) -> list[tuple[str, ...]]:
    """The locations each mode refuses; both modes must refuse the same."""
    located = []
    for validate in (model.model_validate, lambda d: model.model_validate_json(json.dumps(d))):
        try:
            validate(data)
        except ValidationError as error:
            located.append(sorted(tuple(str(p) for p in e["loc"]) for e in error.errors()))
        else:
            located.append([])
    python, decoded = located
    assert python == decoded, f"Python mode refused {python}, JSON {decoded}"
    return python


def both(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """The instance, after checking both modes make the same one."""
    python = model.model_validate(data)
    assert model.model_validate_json(json.dumps(data)) == python
    return python


# -- text ------------------------------------------------------------------------------------


def test_a_nul_in_place_is_refused_naming_place():
    assert refusals(DisturbanceReport, report_data(place="stairwell\x00B")) == [("place",)]
    with pytest.raises(InvalidInput) as refused:
        TryggClient.parse_report(report_data(place="stairwell\x00B"))
    assert refused.value.problems == ["place: must not contain control characters (found U+0000 at position 9)"]


def test_a_nul_in_a_steps_reason_is_refused_naming_reason():
    data = {"actor": COORDINATOR, "reason": "Phoned\x00", "resolved": True}
    assert refusals(RecordDialogue, data) == [("reason",)]
    with pytest.raises(InvalidInput, match=r"^invalid input: reason: must not contain control characters"):
        TryggClient.parse_step("record_dialogue", ANNA, {"reason": "x\x00", "resolved": True})


@pytest.mark.parametrize(
    "bad",
    ["\x1b[31mred", "bell\x07", "csi\x9b2J", "del\x7f", "tab\there", "two\nlines", "nel\x85inside", "rtl\u202eoverride",
     "isolate\u2066x", "line\u2028separator", "\x1c"],
)  # fmt: skip
def test_control_and_escape_characters_are_refused(bad):
    assert refusals(DisturbanceReport, report_data(place=bad)) == [("place",)]
    assert refusals(RecordDialogue, {"actor": COORDINATOR, "reason": bad, "resolved": True}) == [("reason",)]


def test_a_lone_surrogate_is_refused_in_both_modes():
    """PostgreSQL cannot even be sent one (it is no UTF-8); in JSON it does not decode."""
    data = report_data(place="surrogate\ud800")
    with pytest.raises(ValidationError, match="place"):
        DisturbanceReport.model_validate(data)
    with pytest.raises(ValidationError):
        DisturbanceReport.model_validate_json(json.dumps(data))


@pytest.mark.parametrize("blank", ["", " ", "   \t ", "\n", "\u00a0\u3000"])
def test_whitespace_only_place_and_reason_are_refused(blank):
    assert refusals(DisturbanceReport, report_data(place=blank)) == [("place",)]
    assert refusals(RecordDialogue, {"actor": COORDINATOR, "reason": blank, "resolved": True}) == [("reason",)]


def test_surrounding_whitespace_is_trimmed():
    padded = report_data(place="  stairwell B\n", external_ref=" CS-77 ", tenancy={"area": " Ryd "})
    report = both(DisturbanceReport, padded)
    assert (report.place, report.external_ref, report.tenancy.area) == ("stairwell B", "CS-77", "Ryd")
    step = both(RecordDialogue, {"actor": COORDINATOR, "reason": "\tPhoned the tenant  ", "resolved": False})
    assert step.reason == "Phoned the tenant"


def test_the_length_is_counted_after_trimming():
    assert refusals(DisturbanceReport, report_data(place=" " + "x" * 200 + " ")) == []
    assert refusals(DisturbanceReport, report_data(place="x" * 201)) == [("place",)]


def test_a_swedish_area_is_accepted_and_matches_the_example_directory_however_it_is_composed():
    decomposed = unicodedata.normalize("NFD", "Skäggetorp")
    assert decomposed != "Skäggetorp"
    report = both(DisturbanceReport, report_data(tenancy={"area": decomposed}))
    assert report.tenancy.area == "Skäggetorp"
    areas = ("Skäggetorp", "Åbylund", "Gottfridsberg 2", "Söder-Östra", "Hageby.Centrum", "Vallastaden_Norr", "Café Élan")
    for area in areas:
        assert refusals(DisturbanceReport, report_data(tenancy={"area": area})) == [], area
    example = load_directory(EXAMPLE, environ=EXAMPLE_ENV)
    area_partners = example.recipients(NoticeKind.AREA_PICTURE, report.tenancy.area)
    assert area_partners, "the example directory's area partners must match a case in Skäggetorp"


@pytest.mark.parametrize("area", ["Ryd<script>", "Ryd;DROP", "Ryd\u202e", "-Ryd", "Ryd/Ullstämma"])
def test_an_area_outside_letters_digits_and_a_few_separators_is_refused(area):
    assert refusals(DisturbanceReport, report_data(tenancy={"area": area})) == [("tenancy", "area")]


def test_ids_keep_their_strict_patterns():
    assert refusals(DisturbanceReport, report_data(tenancy={"tenancy_id": " T-1001"})) == [("tenancy", "tenancy_id")]
    data = {"actor": {"id": "anna s", "role": "coordinator"}, "reason": "r", "resolved": True}
    assert refusals(RecordDialogue, data) == [("actor", "id")]


# -- booleans, numbers, dates ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["yes", "true", "True", 1, 0, "1", "on", None])
def test_resolved_is_a_boolean_and_nothing_else(value):
    assert refusals(RecordDialogue, {"actor": COORDINATOR, "reason": "Met them", "resolved": value}) == [("resolved",)]


def test_every_boolean_of_a_step_is_strict():
    assert refusals(RecordConsent, {"actor": COORDINATOR, "reason": "Signed", "given": "yes"}) == [("given",)]
    assert refusals(ApproveTermination, {"actor": LAWYER, "reason": "Grounds", "approved": 1}) == [("approved",)]
    assert both(RecordDialogue, {"actor": COORDINATOR, "reason": "Met them", "resolved": True}).resolved is True


@pytest.mark.parametrize("value", [1796212800, 1796212800.0, "1796212800", "2026-12-01", "next tuesday", True])
def test_meeting_at_is_an_iso_date_and_time_and_never_a_unix_number(value):
    data = {"actor": COORDINATOR, "reason": "Plan meeting", "meeting_at": value}
    assert refusals(EscalateToPrevention, data) == [("meeting_at",)]


def test_meeting_at_as_iso_string_or_datetime_is_accepted():
    data = {"actor": COORDINATOR, "reason": "Plan meeting", "meeting_at": "2026-12-01T10:00:00+01:00"}
    assert both(EscalateToPrevention, data).meeting_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert EscalateToPrevention.model_validate({**data, "meeting_at": moment}).meeting_at == moment
    assert refusals(EscalateToPrevention, {**data, "meeting_at": "2026-12-01T10:00:00"}) == [("meeting_at",)]


@pytest.mark.parametrize("value", [0, 1796169600, "1796169600", "2027-3-31", "2027-03-31T00:00:00+00:00"])
def test_termination_date_is_a_plain_iso_date(value):
    assert refusals(ApproveTermination, {"actor": LAWYER, "reason": "Grounds", "termination_date": value}) == [
        ("termination_date",)
    ]
    step = both(ApproveTermination, {"actor": LAWYER, "reason": "r", "termination_date": "2027-03-31"})
    assert step.termination_date == date(2027, 3, 31)


def test_occurred_at_as_a_unix_number_is_refused():
    assert refusals(DisturbanceReport, report_data(occurred_at=1796212800)) == [("occurred_at",)]


def test_enums_are_given_by_their_string_values_in_both_modes():
    report = both(DisturbanceReport, report_data(category="fire_hazard", severity="particularly_serious"))
    assert (report.category.value, report.severity.value) == ("fire_hazard", "particularly_serious")


# -- no value in an error ---------------------------------------------------------------------

NAME = "Anna-Karin Rödbergsdotter " * 10  # over 200 characters: too long for a complainant's name


def test_an_over_long_complainant_name_is_refused_without_the_name_in_any_error_text():
    data = report_data(complainant={"name": NAME})
    with pytest.raises(ValidationError) as python:
        DisturbanceReport.model_validate(data)
    with pytest.raises(ValidationError) as decoded:
        DisturbanceReport.model_validate_json(json.dumps(data))
    with pytest.raises(InvalidInput) as client:
        TryggClient.parse_report(data)
    payload = pydantic_data_converter.payload_converter.to_payloads([data])
    with pytest.raises(Exception) as worker:  # what the worker logs when a signal's payload does not decode
        pydantic_data_converter.payload_converter.from_payloads(payload, [DisturbanceReport])
    for text in (str(python.value), str(decoded.value), str(client.value), str(worker.value), repr(worker.value)):
        assert "complainant.name" in text and "200 characters" in text
        assert "Rödbergsdotter" not in text


def test_a_start_input_hides_a_bad_reports_values_too():
    """pydantic applies `hide_input_in_errors` of the outermost model only, so the
    workflow's start argument must set it as well as the report."""
    from runtime.calendar import default_policy

    start = {
        "policy": default_policy(2026).model_dump(mode="json"),
        "pending_reports": [report_data(place="Rödbergsdotter\x00")],
    }
    with pytest.raises(ValidationError) as refused:
        CaseInput.model_validate_json(json.dumps(start))
    assert "pending_reports.0.place" in str(refused.value) and "Rödbergsdotter" not in str(refused.value)


def test_an_unknown_field_named_with_an_escape_reaches_the_console_defused():
    with pytest.raises(InvalidInput) as refused:
        TryggClient.parse_step("record_dialogue", ANNA, {"reason": "r", "resolved": True, "x\x1b[2J": 1})
    assert "\x1b" not in str(refused.value) and "x?[2J: Extra inputs are not permitted" in str(refused.value)


# -- partner directory and settings ------------------------------------------------------------


def test_a_directory_area_or_name_with_a_control_character_is_refused():
    with pytest.raises(DirectoryError, match=r"partner 'soc' .*field 'areas.0': String should match pattern"):
        directory(webhook_partner("soc", "http://x.example/n", areas=["Ryd\x1b[0m"]))
    with pytest.raises(DirectoryError, match=r"field 'name'.*control characters"):
        directory(webhook_partner("soc", "http://x.example/n", name="Social\x00tjänsten"))


def test_a_directory_timeout_must_be_a_number_not_text():
    partner = webhook_partner("soc", "http://x.example/n")
    partner["channel"]["timeout_seconds"] = "10"
    with pytest.raises(DirectoryError, match=r"field 'channel.timeout_seconds'"):
        parse_directory({"partners": [partner]})


def test_the_senders_postal_address_may_hold_lines_and_nothing_else():
    assert parse_directory({"sender": {"postal_address": "Box 1\r\n581 01 Linköping"}}).sender.postal_address == (
        "Box 1\n581 01 Linköping"
    )
    with pytest.raises(DirectoryError, match=r"sender.postal_address: must not contain control characters"):
        parse_directory({"sender": {"postal_address": "Box 1\x1b[2J"}})


def test_a_setting_with_a_control_character_is_refused_and_not_echoed(monkeypatch):
    monkeypatch.setenv("TRYGG_SMTP_USERNAME", "bo.bengtsson\x1b]0;pwned\x07")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "TRYGG_SMTP_USERNAME: must not contain control characters" in str(refused.value)
    assert "bengtsson" not in str(refused.value)


def test_a_text_setting_is_trimmed(monkeypatch):
    monkeypatch.setenv("TRYGG_TASK_QUEUE", " trygg-cases-2\n")
    assert load_settings().task_queue == "trygg-cases-2"
