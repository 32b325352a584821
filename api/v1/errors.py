"""The client's errors as problems: one mapping, so every route answers a refusal alike."""

from __future__ import annotations

from contextlib import contextmanager

from api.problems import ApiProblem, field_problems
from client.errors import CaseNotFound, InvalidInput, OutcomeUnknown, ReportRefused, StepRefused, Unreachable


@contextmanager
def client_errors():
    try:
        yield
    except InvalidInput as error:
        raise ApiProblem(422, "The request has invalid fields.", errors=field_problems(error.problems)) from None
    except ReportRefused as error:
        lines = str(error).removeprefix("report refused: ").split("; ")
        raise ApiProblem(422, "The case refused the report.", errors=field_problems(lines)) from None
    except StepRefused as error:
        raise ApiProblem(409, str(error), kind="step-refused") from None
    except CaseNotFound:
        raise ApiProblem(404, "There is no such case.") from None
    except OutcomeUnknown as error:
        raise ApiProblem(504, str(error), kind="outcome-unknown", step_id=error.step_id) from None
    except Unreachable:
        raise ApiProblem(503, "Trygg cannot reach its engine or register now; try again shortly.",
                         headers={"Retry-After": "5"}) from None  # fmt: skip
