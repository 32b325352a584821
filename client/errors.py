"""What can go wrong when a user reaches Trygg, as errors the console maps to exit codes."""

from __future__ import annotations

from pydantic import ValidationError


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
        problems = []
        for issue in error.errors():
            location = ".".join(str(part) for part in issue["loc"]) or "(input)"
            problems.append(f"{prefix}{location}: {issue['msg']}")
        return cls(problems)


class StepRefused(TryggError):
    """The case refused the step (wrong stage, wrong role, bad input); history is untouched."""


class CaseNotFound(TryggError):
    """No case under that reference."""


class Unreachable(TryggError):
    """Temporal or PostgreSQL could not be reached."""


class ReportRefused(TryggError):
    """The case refused the report (each bad field named, with the reason); nothing was recorded."""
