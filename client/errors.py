"""What can go wrong when a user reaches Trygg, as errors the console maps to exit codes."""

from __future__ import annotations

from pydantic import ValidationError

from domain.text import forbidden_character


class TryggError(Exception):
    """Base of every error the client raises on purpose."""

    exit_code = 1


class InvalidInput(TryggError):
    """The input failed validation; `problems` names every bad field and why. Nothing was sent."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid input: " + "; ".join(problems))

    @classmethod
    def from_validation(cls, error: ValidationError, prefix: str = "") -> "InvalidInput":
        """One problem per bad field, "field: reason", never the value that was sent."""
        return cls([f"{prefix}{problem}" for problem in validation_problems(error)])


_LOCATION_PART = 64
"""An input key named in a location (an unknown field) is cut to this length."""


def validation_problems(error: ValidationError) -> list[str]:
    """Each issue of a pydantic error as "field: reason" on one line: the location and
    pydantic's message only, never the input (a name, an address). A location part that
    came from the input (an unknown key) is cut short and its control characters shown as
    '?', so a key cannot carry a terminal escape into the console or a log."""
    problems = []
    for issue in error.errors(include_url=False, include_context=False, include_input=False):
        location = ".".join(_printable(str(part)) for part in issue["loc"]) or "(input)"
        message = " ".join(str(issue["msg"]).removeprefix("Value error, ").split())
        problems.append(f"{location}: {message}")
    return problems


def _printable(part: str) -> str:
    cleaned = "".join("?" if forbidden_character(ch) else ch for ch in part)
    return cleaned if len(cleaned) <= _LOCATION_PART else cleaned[: _LOCATION_PART - 1] + "…"


class StepRefused(TryggError):
    """The case refused the step (wrong stage, wrong role, bad input); history is untouched."""


class OutcomeUnknown(TryggError):
    """A step was sent, but neither its result nor its refusal came back in time (a
    timeout, a lost connection, a case busy behind a database outage). It may still be
    taken. Sending it again under the same `step_id` never takes it twice: Temporal
    answers a repeated Update id with the first one's outcome."""

    exit_code = 3

    def __init__(self, case: str, step: str, step_id: str) -> None:
        self.case, self.step, self.step_id = case, step, step_id
        super().__init__(
            f"the outcome of '{step}' on {case} is not known yet (step id {step_id}); "
            f"check with 'trygg show {case}', or send it again with --step-id {step_id}, which never takes it twice"
        )


class CaseNotFound(TryggError):
    """No case under that reference."""


class Unreachable(TryggError):
    """Temporal or PostgreSQL could not be reached."""


class ReportRefused(TryggError):
    """The case refused the report (each bad field named, with the reason); nothing was recorded."""
