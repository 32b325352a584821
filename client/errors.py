"""What can go wrong when a user reaches Trygg, as errors the console maps to exit codes."""

from __future__ import annotations

from pydantic import ValidationError

from domain.refusals import field_problems


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
        """Every bad field and why, never the value (domain.refusals), as the workflow says it."""
        return cls([problem.line() for problem in field_problems(error, prefix)])


class StepRefused(TryggError):
    """The case refused the step (wrong stage, wrong role, bad input); history is untouched."""


class CaseNotFound(TryggError):
    """No case under that reference."""


class Unreachable(TryggError):
    """Temporal or PostgreSQL could not be reached."""
