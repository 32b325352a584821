"""Reading the case's `report` signal without trusting its sender.

The SDK decodes a signal's argument before the handler runs and, when that fails, drops
the signal with a line in the worker's log: the sender was told "signalled", the case
never heard of it. So the case takes the signal's payloads raw (a dynamic handler, which
the SDK gives `RawValue`s whatever arrives: no argument, two, bytes that are not JSON) and
reads the report itself, here. What cannot be read becomes an `IntakeRefusal`, with the
fields and the reasons and never a value, for the case to record (`workflows/case.py`).

Reading a payload as a DisturbanceReport is exactly what the SDK did with the handler's
type hint, so a report that was accepted before is accepted now, and a running history
replays unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from domain.models import DisturbanceReport
    from domain.refusals import PLAINTEXT_REFUSED, FieldProblem, IntakeRefusal, RefusalCause, field_problems

_ENCODING = re.compile(r"^[a-z0-9/._+-]{1,64}$")


def read_report(args: Sequence[RawValue]) -> DisturbanceReport | IntakeRefusal:
    """The report the signal carries, or why it cannot be taken in."""
    if len(args) != 1:
        return _refusal(
            RefusalCause.WRONG_ARGUMENTS,
            "(arguments)",
            f"the report signal takes exactly one argument, the report; it came with {len(args)}",
        )
    payload = args[0].payload
    try:
        value = workflow.payload_converter().from_payload(payload, DisturbanceReport)
    except ValidationError as error:
        undecodable = any(issue["type"] == "json_invalid" for issue in error.errors(include_input=False))
        cause = RefusalCause.UNDECODABLE if undecodable else RefusalCause.INVALID
        return IntakeRefusal(cause=cause, problems=tuple(field_problems(error)[:50]))
    except ApplicationError as error:
        if error.type == PLAINTEXT_REFUSED:
            return _refusal(RefusalCause.UNENCRYPTED, "(payload)", "sent unencrypted; Trygg reads only payloads encrypted with its codec")
        return _refusal(RefusalCause.UNDECODABLE, "(payload)", f"cannot be read ({error.type or 'error'})")
    except Exception:  # noqa: BLE001 - whatever the converter raised, the report is not readable
        encoding = payload.metadata.get("encoding", b"").decode("utf-8", "replace")
        named = encoding if _ENCODING.match(encoding) else "unknown"
        return _refusal(RefusalCause.UNDECODABLE, "(payload)", f"encoding '{named}' is not one Trygg reads as a report")
    if not isinstance(value, DisturbanceReport):  # null, raw bytes or a protobuf: their converters ignore the hint
        return _refusal(RefusalCause.INVALID, "(input)", "a report (a JSON object) is required")
    return value


def _refusal(cause: RefusalCause, field: str, reason: str) -> IntakeRefusal:
    return IntakeRefusal(cause=cause, problems=(FieldProblem(field=field, reason=reason),))
