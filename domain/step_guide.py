"""What a person needs to know before taking a step, read off the rules themselves.

`trygg act --help` (and anything else that explains the steps) prints this guide: each
step's fields with their kind and whether they are required, who may take it and in which
stages. It is derived from the step models and the tables the validators use
(`domain.steps.STEP_MODELS`, `STEP_ROLES`, `STEP_STAGES`, `OWNER_STEPS`; the prevention
track's `PREVENTION_STEP_MODELS`, `PREVENTION_ROLES`, `STEP_STAGES`), never kept by hand,
so the help cannot drift from what the case accepts.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from pydantic import BaseModel

from domain import prevention, steps
from domain.steps import StepInput

_COMMON = frozenset(StepInput.model_fields)
"""`actor` and `reason`: every step has them (--as and --reason)."""


@dataclass(frozen=True)
class FieldGuide:
    name: str
    kind: str
    required: bool
    description: str | None = None


@dataclass(frozen=True)
class StepGuide:
    name: str
    track: str  # "case" or "prevention"
    summary: str | None
    fields: tuple[FieldGuide, ...]
    roles: tuple[str, ...]
    stages: tuple[str, ...]
    owner_step: bool = False
    """On a case under the law's rules, the case's own coordinator role (by housing form)
    and the team lead take it; the other coordinator role only as the assignee."""


def step_guide() -> tuple[StepGuide, ...]:
    """Every step, the case's first (in the ladder's order), then the prevention track's."""
    guides = [
        _guide(name, model, "case", steps.STEP_ROLES[name], steps.STEP_STAGES[name], name in steps.OWNER_STEPS)
        for name, model in steps.STEP_MODELS.items()
    ]
    guides += [
        _guide(name, model, "prevention", prevention.PREVENTION_ROLES, prevention.STEP_STAGES[name], False)
        for name, model in prevention.PREVENTION_STEP_MODELS.items()
    ]
    return tuple(guides)


def _guide(name, model: type[BaseModel], track, roles, stages, owner_step: bool) -> StepGuide:
    fields = tuple(
        FieldGuide(field, kind_of(info.annotation), info.is_required(), info.description)
        for field, info in model.model_fields.items()
        if field not in _COMMON
    )
    return StepGuide(
        name=name,
        track=track,
        summary=_summary(model),
        fields=fields,
        roles=tuple(sorted(str(r) for r in roles)),
        stages=_ordered_stages(stages),
        owner_step=owner_step,
    )


def _summary(model: type[BaseModel]) -> str | None:
    """The first sentence of the model's own docstring, if it has one of its own."""
    doc = model.__doc__
    if not doc or doc == StepInput.__doc__:
        return None
    return " ".join(doc.strip().split("\n\n")[0].split())


def _ordered_stages(stages) -> tuple[str, ...]:
    """In the ladder's order (the enum's), not alphabetically; every stage but closed as
    ANY_OPEN_STAGES."""
    if frozenset(stages) == steps.ANY_OPEN:
        return (ANY_OPEN_STAGES,)
    kind = type(next(iter(stages)))
    return tuple(str(s) for s in kind if s in stages)


ANY_OPEN_STAGES = "any open stage"


def kind_of(annotation) -> str:
    """A field's type in the words a person types it in JSON."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return kind_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        parts = [kind_of(a) for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(parts)
    if origin in (tuple, list):
        return "list of " + kind_of(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(str(m.value) for m in annotation)
    if annotation is bool:
        return "true or false"
    if getattr(annotation, "__name__", "") == "AwareDatetime" or (
        isinstance(annotation, type) and issubclass(annotation, datetime)
    ):
        return "ISO date-time with offset"
    if isinstance(annotation, type) and issubclass(annotation, date):
        return "YYYY-MM-DD"
    if annotation is str:
        return "text"
    return getattr(annotation, "__name__", str(annotation))
