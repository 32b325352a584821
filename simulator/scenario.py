"""The scenario: how the world behaves around the ladder, each value with its source.

A policy says what the housing company does; a scenario says what tenants, staff and
partners do (how many reports arrive, how often a tenant corrects, how long staff take).
Every value is a `Sourced`: it names a published source, or says plainly that it is an
assumption, so a team lead can see which figures rest on what. The default scenario is
`default_scenario.toml` beside this module; `load_scenario` reads any other file of the
same shape and names each bad key and why.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.models import Category, Role, Severity, SourceKind
from domain.policy import TaskKind
from domain.records import NoticeKind

DEFAULT_SCENARIO = Path(__file__).resolve().parent / "default_scenario.toml"

T = TypeVar("T")


class Sourced(BaseModel, Generic[T]):
    """A value and where it comes from: a `source` (a publication, a page), or
    `assumption = true` with a `note` saying why the value was chosen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: T
    source: str | None = None
    assumption: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _says_where_from(self) -> "Sourced[T]":
        if bool(self.source) == self.assumption:
            raise ValueError("give either a source or assumption = true (exactly one)")
        return self


class Triangle(BaseModel):
    """A spread (low, most likely, high), for times that vary from case to case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> "Triangle":
        if not self.low <= self.mode <= self.high:
            raise ValueError("low <= mode <= high")
        return self


def _shares(value: dict[Any, float]) -> dict[Any, float]:
    if any(v < 0 for v in value.values()) or abs(sum(value.values()) - 1.0) > 1e-6:
        raise ValueError("shares must be non-negative and add up to 1")
    return value


class Arrivals(BaseModel):
    """Reports: new disturbances and the repeats of those not corrected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    new_disturbances_per_1000_homes_per_month: Sourced[float]
    night_patrol_share_of_first_reports: Sourced[float]
    repeat_every_days: Sourced[Triangle]
    source_mix_otherwise: Sourced[dict[SourceKind, float]]
    category_mix: Sourced[dict[Category, float]]
    severity_mix: Sourced[dict[Severity, float]]
    senior_housing_share: Sourced[float]
    complainant_contact_share: Sourced[float]
    published_night_patrol_calls_per_88000_homes_per_night: Sourced[Triangle]
    """The published range the simulated night-patrol reports must stay within (a test checks)."""

    @field_validator("source_mix_otherwise", "category_mix", "severity_mix")
    @classmethod
    def _mix(cls, value: Sourced[dict]) -> Sourced[dict]:
        _shares(value.value)
        return value


class Behaviour(BaseModel):
    """What tenants do: whether a report is founded, and when a tenant stops."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_report_founded: Sourced[dict[SourceKind, float]]
    later_report_verified: Sourced[float]
    corrects_after_dialogue: Sourced[float]
    corrects_after_warning: Sourced[float]
    corrects_during_action_plan: Sourced[float]
    consent_given: Sourced[float]
    reviews_to_fulfil_plan: Sourced[int]
    termination_approved: Sourced[float]
    moves_out_per_legal_step: Sourced[float]
    published_evictions_other_than_rent_per_1000_homes_per_year: Sourced[Triangle]
    """The published bound the simulated evictions must stay within (a test checks)."""


class Staff(BaseModel):
    """Who works the ladder's tasks: headcount per role, hours, and how long they take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    homes_per_team: Sourced[int]
    headcount_per_team: Sourced[dict[Role, float]]
    case_hours_per_person_per_week: Sourced[float]
    pickup_working_days: Sourced[dict[str, Triangle]]
    pickup_follows_deadline: Sourced[float] = Field(
        default=Sourced[float](value=0.0, assumption=True, note="not set: pick-up ignores the deadline"),
        description="0: staff take as long whatever the deadline; 1: a deadline twice the default's doubles the "
        "pick-up delay (work expands to fill the time available).",
    )
    step_hours: Sourced[dict[str, float]]
    escalation_hours: Sourced[float]

    @field_validator("pickup_working_days", "step_hours")
    @classmethod
    def _task_kinds(cls, value: Sourced[dict]) -> Sourced[dict]:
        kinds = {v for k, v in vars(TaskKind).items() if not k.startswith("_")}
        unknown = sorted(set(value.value) - kinds)
        if unknown:
            raise ValueError(f"unknown task kind(s) {', '.join(unknown)}; one of {', '.join(sorted(kinds))}")
        return value

    def headcount(self, role: Role, homes: int) -> int:
        """People on a role for `homes` homes: the team's headcount scaled, at least one."""
        return max(1, round(self.headcount_per_team.value.get(role, 0.0) * homes / self.homes_per_team.value))


class Partners(BaseModel):
    """How partners answer notices."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delivered_share: Sourced[float]
    acknowledged_share: Sourced[float]
    acknowledgement_working_days: Sourced[Triangle]


class Scenario(BaseModel):
    """The world a policy is played in. `warmup_months` are run first and not counted, so
    the measured year starts with cases already under way, as a real year does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    references: dict[str, str] = Field(default_factory=dict, description="Tag -> the publication a `source` cites.")
    warmup_months: Sourced[int]
    arrivals: Arrivals
    behaviour: Behaviour
    staff: Staff
    partners: Partners

    @model_validator(mode="after")
    def _sources_cite_references(self) -> "Scenario":
        for row in self.sources():
            for tag in re.findall(r"\[([A-Z0-9]+)\]", row["source"] or ""):
                if tag not in self.references:
                    raise ValueError(f"{row['key']}: source cites [{tag}], which [references] does not list")
        return self

    def sources(self) -> list[dict[str, Any]]:
        """Every value with its source or assumption, for the report and the README."""
        rows: list[dict[str, Any]] = []

        def walk(prefix: str, model: BaseModel) -> None:
            for name in type(model).model_fields:
                value = getattr(model, name)
                if isinstance(value, Sourced):
                    rows.append({"key": prefix + name, "value": _plain(value.value), "source": value.source,
                                 "assumption": value.assumption, "note": value.note})  # fmt: skip
                elif isinstance(value, BaseModel) and not isinstance(value, Triangle):
                    walk(prefix + name + ".", value)

        walk("", self)
        return rows


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class ScenarioError(Exception):
    """The scenario file cannot be used; the message names the file, each bad key and why."""


def load_scenario(path: Path | None = None) -> Scenario:
    """The scenario in `path` (TOML), else the default. Raises ScenarioError."""
    origin = Path(path) if path is not None else DEFAULT_SCENARIO
    try:
        data = tomllib.loads(origin.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"scenario file {origin}: cannot read it: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"scenario file {origin}: not valid TOML: {error}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in issue['loc']) or '(file)'}: {issue['msg']}"
            for issue in error.errors(include_input=False)
        ]
        raise ScenarioError(f"scenario file {origin}: " + "; ".join(problems)) from None


NOTICE_PARTNER: dict[NoticeKind, str] = {
    NoticeKind.DISTURBANCE_NOTICE: "social_services",
    NoticeKind.WARNING_COPY: "social_services",
    NoticeKind.TERMINATION_NOTICE: "social_services",
    NoticeKind.ACTION_PLAN_MEETING: "social_services",
    NoticeKind.WARNING_TO_TENANT: "tenant",
    NoticeKind.CRIME_REPORT: "police",
    NoticeKind.FIRE_HAZARD: "fire_and_rescue",
    NoticeKind.DAMAGE_CLAIM: "insurer",
    NoticeKind.EXTRA_ROUNDS: "security_company",
    NoticeKind.COMPLAINANT_REPLY: "complainant",
    NoticeKind.AREA_PICTURE: "area_partnership",
}
"""Who receives each kind of notice (DOMAIN.md 'The partners'), for notices per partner."""
