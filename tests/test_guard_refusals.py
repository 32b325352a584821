"""Refusals without values or stack traces, one layer at a time: the field-and-reason text
(domain/refusals.py), the failure converter that writes refusals for every client, and
the payload converter that refuses the codec's plaintext marker (runtime/converters.py)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from client.errors import InvalidInput
from domain.models import DisturbanceReport
from domain.refusals import describe_validation_error, field_problems
from runtime.codec import refused_plaintext_marker
from runtime.converters import TryggFailureConverter, TryggPayloadConverter

SECRET = "Hemlig Granne, Storgatan 1"


def _refused(data: dict) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        DisturbanceReport.model_validate(data)
    return refused.value


def _report(**changes) -> dict:
    data = {
        "external_ref": "CS-1", "source_kind": "neighbour", "category": "noise",
        "occurred_at": "2026-11-27T23:10:00+01:00", "place": "stairwell B",
        "tenancy": {"tenancy_id": "T-1", "property_id": "P-1", "area": "Ryd"},
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_each_bad_field_is_named_with_its_reason_and_never_its_value():
    error = _refused(_report(place=None, category=SECRET, complainant={"name": SECRET * 20}))
    text = describe_validation_error(error)
    assert "place: Field required" in text
    assert "category: Input should be" in text and "'noise'" in text, "the allowed codes are named"
    assert "complainant.name: String should have at most 200 characters" in text
    assert "Hemlig" not in text and "\n" not in text
    assert any("Hemlig" in str(issue.get("input")) for issue in error.errors()), "the control: the error holds it"


def test_an_unknown_key_that_could_be_a_name_is_not_repeated():
    problems = field_problems(_refused(_report(**{SECRET: "x", "extra_field": 1})))
    assert {p.field for p in problems} == {"<key>", "extra_field"}
    assert all("Hemlig" not in p.line() for p in problems)


def test_a_reason_that_would_quote_the_value_has_it_removed():
    class Tagged(BaseModel):
        model_config = ConfigDict(hide_input_in_errors=False)
        kind: str = Field(pattern=r"^[a-z]+$")

    with pytest.raises(ValidationError) as refused:
        Tagged.model_validate({"kind": SECRET})
    [problem] = field_problems(refused.value)
    assert problem.field == "kind" and "Hemlig" not in problem.reason


def test_the_client_names_the_same_fields_in_the_same_words():
    error = _refused(_report(place=None, complainant={"name": SECRET * 20}))
    invalid = InvalidInput.from_validation(error)
    assert invalid.problems == [p.line() for p in field_problems(error)]
    assert "Hemlig" not in str(invalid)


def _failure(exception: BaseException) -> Failure:
    failure = Failure()
    TryggFailureConverter().to_failure(exception, pydantic_data_converter.payload_converter, failure)
    return failure


def _raised(exception: BaseException) -> BaseException:
    try:
        raise exception
    except BaseException as caught:  # noqa: BLE001 - for its traceback
        return caught


def test_a_refusal_is_written_without_stack_trace_or_cause():
    try:
        try:
            raise ValueError(SECRET)
        except ValueError as inner:
            raise ApplicationError("Step refused.", type="StepRefused", non_retryable=True) from inner
    except ApplicationError as refusal:
        failure = _failure(refusal)
    assert failure.message == "Step refused." and failure.stack_trace == "" and not failure.HasField("cause")
    assert failure.application_failure_info.type == "StepRefused" and failure.application_failure_info.non_retryable


def test_a_failure_that_is_no_refusal_keeps_its_stack_trace_for_operators():
    failure = _failure(_raised(ApplicationError("register down", type="Unavailable")))
    assert failure.stack_trace


def test_an_argument_pydantic_refused_is_written_as_a_non_retryable_invalid_input():
    """What the SDK raises when an Update's argument fails to deserialize."""
    try:
        try:
            DisturbanceReport.model_validate(_report(place=None, complainant={"name": SECRET * 20}))
        except ValidationError as error:
            raise RuntimeError("Failed decoding arguments") from error
    except RuntimeError as wrapped:
        failure = _failure(wrapped)
    info = failure.application_failure_info
    assert info.type == "InvalidInput" and info.non_retryable
    assert failure.message.startswith("invalid input: ") and "place: Field required" in failure.message
    assert "Hemlig" not in str(failure) and failure.stack_trace == "" and not failure.HasField("cause")


def test_the_plaintext_marker_is_refused_when_its_value_is_asked_for():
    marker = refused_plaintext_marker(pydantic_data_converter.payload_converter.to_payloads([{"name": SECRET}])[0])
    with pytest.raises(ApplicationError) as refused:
        TryggPayloadConverter().from_payloads([marker], [dict])
    assert refused.value.type == "PlaintextPayloadRefused" and refused.value.non_retryable
    assert "--codec-endpoint" in refused.value.message


def test_the_payload_converter_still_writes_and_reads_models_as_before():
    report = DisturbanceReport.model_validate(_report())
    [payload] = TryggPayloadConverter().to_payloads([report])
    assert payload == pydantic_data_converter.payload_converter.to_payloads([report])[0]
    assert TryggPayloadConverter().from_payloads([payload], [DisturbanceReport]) == [report]


async def test_a_case_from_before_encryption_waits_without_the_setting_and_runs_with_it():
    """A history written in plain text, replayed by a worker with keys: refused, it fails
    the workflow task (the case waits, nothing is lost) rather than the case; with
    TRYGG_ACCEPT_PLAINTEXT_PAYLOADS it replays as it ran."""
    import json
    from pathlib import Path

    from temporalio.client import WorkflowHistory
    from temporalio.worker import Replayer
    from temporalio.workflow import NondeterminismError

    from runtime.codec import new_key_setting
    from runtime.connections import data_converter
    from runtime.settings import load_settings
    from workflows.case import DisturbanceCaseWorkflow

    path = Path(__file__).parent / "histories" / "case_resolved_in_dialogue.json"
    history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
    keys = new_key_setting("k1")
    for accept in (False, True):
        converter = data_converter(load_settings(payload_keys=keys, accept_plaintext_payloads=accept))
        result = await Replayer(workflows=[DisturbanceCaseWorkflow], data_converter=converter).replay_workflow(
            history, raise_on_replay_failure=False
        )
        if accept:
            assert result.replay_failure is None
        else:
            assert isinstance(result.replay_failure, NondeterminismError), "a task failure, not a failed case"
