"""Trygg's payload and failure converters: what every connection (worker, console, API)
uses to read payloads and to write failures.

Two jobs the SDK's defaults do not do:

- **A refused plaintext payload stays refused, without freezing anything.** With keys
  set, the codec (runtime/codec.py) does not raise on a payload that arrives unencrypted:
  raising there would fail the workflow task that carries it, and a case whose history
  holds that signal would fail every task from then on. It hands on a marker payload
  instead (`REFUSED_PLAINTEXT_ENCODING`, the original data dropped), and this converter
  refuses the marker when something asks for its value, with a non-retryable
  `ApplicationError` (`PlaintextPayloadRefused`). The SDK routes that to whoever sent it:
  an Update or a query is refused to its caller, a workflow start fails that run with the
  message, and the case's `report` signal handler reads it as a refused intake.
- **Refusals carry no stack trace and no value.** Every ApplicationError of a refusal
  type (`domain.refusals.REFUSAL_TYPES`) loses its stack trace and cause on the way out,
  so a client of Temporal's HTTP API sees one line, not the worker's file paths. An Update
  argument that fails to deserialize reaches the SDK as `RuntimeError("Failed decoding
  arguments")` caused by pydantic's ValidationError (retryable, with pydantic's dump of
  the input); it is written as a non-retryable `InvalidInput` naming each field.

Kept free of I/O and of the codec's crypto: the workflow sandbox imports this module.
"""

from __future__ import annotations

from typing import Any

import temporalio.api.common.v1
import temporalio.api.failure.v1
from pydantic import ValidationError
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DefaultFailureConverter, EncodingPayloadConverter, PayloadConverter
from temporalio.exceptions import ApplicationError

from domain.refusals import INVALID_INPUT, PLAINTEXT_REFUSED, REFUSAL_TYPES, describe_validation_error

REFUSED_PLAINTEXT_ENCODING = "binary/trygg-plaintext-refused"
"""The encoding of the marker the codec puts where an unencrypted payload was refused."""

PLAINTEXT_REFUSAL_MESSAGE = (
    "payload refused: it was sent unencrypted, and Trygg accepts only payloads encrypted with "
    "its codec (use TryggClient, or the temporal CLI with --codec-endpoint)"
)


def plaintext_refusal() -> ApplicationError:
    return ApplicationError(PLAINTEXT_REFUSAL_MESSAGE, type=PLAINTEXT_REFUSED, non_retryable=True)


class RefusedPlaintextConverter(EncodingPayloadConverter):
    """Reads only the codec's marker, and refuses it; never writes anything."""

    @property
    def encoding(self) -> str:
        return REFUSED_PLAINTEXT_ENCODING

    def to_payload(self, value: Any) -> temporalio.api.common.v1.Payload | None:
        return None

    def from_payload(self, payload: temporalio.api.common.v1.Payload, type_hint: type | None = None) -> Any:
        raise plaintext_refusal()


class TryggPayloadConverter(PydanticPayloadConverter):
    """Pydantic JSON, as before, plus the refused-plaintext marker."""

    def __init__(self) -> None:
        super().__init__()
        self._set_converters(*self.converters.values(), RefusedPlaintextConverter())


def is_refused_plaintext(payload: temporalio.api.common.v1.Payload) -> bool:
    return payload.metadata.get("encoding") == REFUSED_PLAINTEXT_ENCODING.encode()


class TryggFailureConverter(DefaultFailureConverter):
    """Writes refusals as one line: no stack trace, no cause, no input value."""

    def to_failure(
        self,
        exception: BaseException,
        payload_converter: PayloadConverter,
        failure: temporalio.api.failure.v1.Failure,
    ) -> None:
        invalid = _undecodable_argument(exception)
        if invalid is not None:
            exception = invalid
        super().to_failure(exception, payload_converter, failure)
        if isinstance(exception, ApplicationError) and exception.type in REFUSAL_TYPES:
            failure.stack_trace = ""
            failure.ClearField("cause")


def _undecodable_argument(exception: BaseException) -> ApplicationError | None:
    """The SDK's wrapper around an argument pydantic refused, as the refusal it is."""
    cause = exception.__cause__
    if isinstance(exception, RuntimeError) and str(exception) == "Failed decoding arguments":
        if isinstance(cause, ValidationError):
            return ApplicationError(
                "invalid input: " + describe_validation_error(cause), type=INVALID_INPUT, non_retryable=True
            )
        if isinstance(cause, KeyError):  # an encoding no converter reads (e.g. binary/encrypted without keys)
            return ApplicationError(
                "invalid input: the payload's encoding is not one Trygg reads", type=INVALID_INPUT, non_retryable=True
            )
    return None
