"""The typed Python client: the one way into Trygg for the CLI and any later HTTP API.

Case systems file reports, staff take steps, operators read views, history and lists.
Every method takes explicit inputs (the actor of a step included) and raises one of the
errors in `client.errors`, each with a message a person can act on.
"""

from client.cases import TryggClient
from client.errors import CaseNotFound, InvalidInput, OutcomeUnknown, StepRefused, TryggError, Unreachable

__all__ = ["TryggClient", "TryggError", "CaseNotFound", "InvalidInput", "StepRefused", "Unreachable", "OutcomeUnknown"]
