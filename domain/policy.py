"""The escalation policy: every rule and clock of the ladder as versioned data.

DOMAIN.md asks that no deadline be a constant buried in code: each default below
cites its source in its description, and the policy reaches a case as workflow
input. A case keeps the policy it was opened with (it is part of the case state
carried through continue-as-new), so a changed policy applies to new cases only.

`non_working_days` is filled outside workflows (runtime.calendar.default_policy)
from the `holidays` library; this module never imports it.

Two fingerprints name a policy. `fingerprint()` covers the rules, every field but the
calendar the worker builds (CALENDAR_FIELDS): the register keeps one row per version
with it, and a changed file under an unchanged version is refused. `content_hash()`
covers everything, calendar included: decoded policies with equal content are shared
(`shared`), so every case the worker caches under one policy holds the same object.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from domain.calendar import WorkingCalendar
from domain.models import Category, Frozen, Role
from domain.records import NoticeKind
from domain.retention import RetentionPolicy

PRACTICE = "practice (DOMAIN.md 'Clocks'; configurable)"

CALENDAR_FIELDS: frozenset[str] = frozenset({"non_working_days", "calendar_until"})
"""Built by the worker from the `holidays` library for the years a case needs, never
written in a policy file and not part of the policy's fingerprint."""

CALENDAR_YEARS = 4
"""A calendar is built for the year a case opens and the three after it (warning,
prevention, court and Kronofogden can take years); `calendar_extension` adds more."""

MAX_CALENDAR_SPAN_YEARS = 60
"""No case runs longer; a request for more years is a defect, refused."""

CALENDAR_MARGIN = timedelta(days=400)
"""How far past today a case's calendar must reach: longer than any chain of clocks the
ladder sets from one moment (a quiet period, a termination window, a legal-process task)."""


class TaskKind:
    """The kinds of staff task the ladder opens (StaffTaskRecord.kind)."""

    VERIFY_REPORT = "verify_report"
    FIRST_CONTACT = "first_contact"
    DIALOGUE = "dialogue"
    FOLLOW_UP = "follow_up"
    APPROVE_TERMINATION = "approve_termination"
    APPROVE_WARNING = "approve_warning"
    TERMINATION_WINDOW_CLOSING = "termination_window_closing"
    LEGAL_PROCESS = "legal_process"
    FIRE_HAZARD = "fire_hazard"
    DELIVER_BY_HAND = "deliver_by_hand"
    CHASE_ACKNOWLEDGEMENT = "chase_acknowledgement"
    AGREE_ACTION_PLAN = "agree_action_plan"
    REVIEW_ACTION_PLAN = "review_action_plan"
    REVIEW_REFUSED_INTAKE = "review_refused_intake"  # a report signal the case could not read
    CHECK_REDACTION = "check_redaction"  # the screen cut a complainant's identity from a notice


class EscalationPolicy(Frozen):
    """The rules a case runs by. `version` names the set; change it whenever a value changes."""

    version: str = Field(
        default="2026.1",
        min_length=1,
        max_length=64,
        description="Names this set of values; change it whenever a value changes. The register keeps each "
        "version once, and a case keeps the version it opened under for its life.",
    )

    first_contact_working_days: int = Field(
        default=3, ge=1, description="First contact with the tenant within 3 working days of the report. Source: " + PRACTICE
    )
    task_working_days: dict[str, int] = Field(
        default_factory=lambda: {
            TaskKind.VERIFY_REPORT: 2,
            TaskKind.DIALOGUE: 10,
            TaskKind.FOLLOW_UP: 5,
            TaskKind.APPROVE_TERMINATION: 10,
            TaskKind.LEGAL_PROCESS: 20,
            TaskKind.FIRE_HAZARD: 1,
            TaskKind.DELIVER_BY_HAND: 2,
            TaskKind.CHASE_ACKNOWLEDGEMENT: 3,
            TaskKind.AGREE_ACTION_PLAN: 10,
            TaskKind.REVIEW_ACTION_PLAN: 5,
            TaskKind.APPROVE_WARNING: 2,
        },
        description="Working days a staff task may stay open before it is overdue. Source: Trygg default (practice).",
    )
    escalate_after_working_days: int = Field(
        default=2,
        ge=1,
        description="An overdue task gets a reminder at its deadline, then goes to the team lead 2 working days "
        "later. Source: " + PRACTICE,
    )
    follow_up_checkpoint_weeks: tuple[int, ...] = Field(
        default=(2, 6, 12), description="Follow-up checkpoints after a warning. Source: " + PRACTICE
    )
    quiet_period_weeks: int = Field(
        default=12,
        ge=1,
        description="Weeks without a verified disturbance that close a case as corrected (rättelse skett). "
        "Source: " + PRACTICE,
    )
    action_plan_review_weeks: int = Field(
        default=4, ge=1, description="Action-plan (handlingsplan) review interval. Source: " + PRACTICE
    )
    termination_window_months: int = Field(
        default=2,
        ge=1,
        le=2,  # law, not a choice: a policy may shorten the window, never lengthen it (domain.law)
        description="Termination must be given within two months of the landlord learning of the ground. "
        "Source: jordabalken 12 kap. 43 § (NJA 2008 s. 243 for a contested criminal judgment).",
    )
    termination_warning_weeks_before_close: int = Field(
        default=2,
        ge=0,
        description="Warn the tenancy lawyer 2 weeks before the termination window closes. Source: " + PRACTICE,
    )
    notify_social_services_when_particularly_serious: bool = Field(
        default=True,
        description="Particularly serious disturbances need no notice before termination (12 kap. 42 § 1 st. 6 p., "
        "12 kap. 25 §), but policy may still tell social services: the goal is that nobody ends up on the street.",
    )
    police_categories: frozenset[Category] = Field(
        default=frozenset({Category.THREATS_OR_HARASSMENT, Category.VIOLENCE, Category.DRUGS}),
        description="Verified reports in these categories go to the police as a crime report (facts only). "
        "Source: DOMAIN.md 'Partners'.",
    )
    fire_categories: frozenset[Category] = Field(
        default=frozenset({Category.FIRE_HAZARD}),
        description="Reports in these categories go at once to räddningstjänsten and the fire safety officer. "
        "Source: DOMAIN.md 'Partners' (lag om skydd mot olyckor 2 kap. 2 §: the owner's duty of fire safety).",
    )
    insurer_categories: frozenset[Category] = Field(
        default=frozenset({Category.PROPERTY_DAMAGE, Category.FIRE_HAZARD}),
        description="Verified reports in these categories go to the insurer as damage facts. Source: DOMAIN.md 'Partners'.",
    )
    security_company_categories: frozenset[Category] = Field(
        default=frozenset({Category.NOISE, Category.THREATS_OR_HARASSMENT, Category.DRUGS, Category.PROPERTY_DAMAGE}),
        description="Reports in these categories ask the security company for extra rounds (address and time "
        "window only). Source: DOMAIN.md 'Partners'.",
    )
    acknowledgement_days: dict[NoticeKind, int] = Field(
        default_factory=lambda: {
            NoticeKind.DISTURBANCE_NOTICE: 5,
            NoticeKind.WARNING_COPY: 5,
            NoticeKind.TERMINATION_NOTICE: 5,
        },
        description="A notice of these kinds not acknowledged within N working days opens a task to chase it. "
        "Source: Trygg default (the social-services notices are legal duties; proof of receipt matters in court).",
    )
    warning_needs_team_lead_approval: bool = Field(
        default=False,
        description="When set, a formal warning proposed by a coordinator waits for the team lead's approval "
        "(approve_warning) before anything is sent; the team lead issues directly. Source: DOMAIN.md 'The people' "
        "(team_lead approves a formal warning where policy asks).",
    )
    reply_to_complainant: bool = Field(
        default=True,
        description="When a report is verified, its complainant (if they left a contact) hears that the report "
        "is being handled, and nothing about the tenant: by e-mail, else a task to call them. "
        "Source: DOMAIN.md 'Dialogue' (practice). New in 2026.1.",
    )
    report_clock_skew_minutes: int = Field(
        default=10,
        ge=0,
        le=24 * 60,
        description="A report's occurred_at may lie this many minutes after the moment it is filed (clocks of case "
        "systems drift); later is refused as in the future. Source: Trygg default.",
    )
    report_max_age_days: int = Field(
        default=365,
        ge=1,
        description="A report's occurred_at may lie at most this many days before the moment it is filed; an older "
        "one is refused (a typing error such as 1900, or history that belongs in the case system). "
        "Source: Trygg default.",
    )
    notice_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Delivery attempts of one notice before a coordinator is asked to deliver it by hand. "
        "Source: Trygg default (a partner outage never stalls a case).",
    )
    notice_initial_retry_seconds: float = Field(default=30.0, gt=0, description="First retry delay of a notice.")
    owner_steps_by_housing_form: bool = Field(
        default=True,
        description="On a senior-housing (55+/70+) case the senior coordinator and the team lead take the owner's "
        "steps; on an ordinary case the coordinator and the team lead; the other coordinator role only when the "
        "case is assigned to that person. Source: DOMAIN.md 'The people' (seniorvärd for senior housing). "
        "Applies to cases under rules 2.",
    )
    extra_rounds_before_verification: bool = Field(
        default=True,
        description="Ask the security company for extra rounds when a report arrives, before it is verified: "
        "the patrol's on-site confirmation is how a night-time report gets verified, and the company receives "
        "only the address and a time window, as a processor on the landlord's behalf (GDPR art. 28). False: "
        "ask only once a report is verified. Source: Trygg default (README 'Partner notifications').",
    )
    owner_role: Role = Field(default=Role.COORDINATOR, description="Who owns ordinary cases (bosocial samordnare).")
    senior_owner_role: Role = Field(
        default=Role.SENIOR_COORDINATOR, description="Who owns cases in senior housing 55+/70+ (seniorvärd)."
    )
    non_working_days: tuple[date, ...] = Field(
        default=(),
        description="Swedish public holidays and de facto holidays (midsummer, Christmas and New Year's eves), "
        "built outside workflows by runtime.calendar. Weekends are computed, not listed.",
    )
    extra_non_working_days: tuple[date, ...] = Field(
        default=(),
        description="Local non-working days on top of the Swedish calendar (a company closing day, a bridge "
        "day the offices close). Source: Trygg default (none); the company's policy file may list them.",
    )
    calendar_until: date | None = Field(
        default=None,
        description="The last day `non_working_days` covers, set by the worker when it builds the calendar. "
        "None in a policy recorded before coverage was kept: then the years in the list tell it.",
    )
    retention: RetentionPolicy = Field(default_factory=RetentionPolicy)

    @model_validator(mode="before")
    @classmethod
    def _as_recorded(cls, data: Any) -> Any:
        """A policy recorded before 2026.1 (in a running case's input or state) has no
        `reply_to_complainant` and must keep meaning what it meant: no replies. Without
        this its case would start sending notices on replay, which Temporal refuses."""
        if isinstance(data, dict) and "reply_to_complainant" not in data and data.get("version") == "2025.1":
            return {**data, "reply_to_complainant": False}
        return data

    def __init__(self, /, **data: Any) -> None:
        """Built directly (defaults, a file, a test), a policy is its own object; only
        decoded policies (workflow inputs, states, activity results) are shared."""
        token = _constructing.set(True)
        try:
            super().__init__(**data)
        finally:
            _constructing.reset(token)

    @model_validator(mode="wrap")
    @classmethod
    def _shared_when_decoded(cls, data: Any, handler: Any) -> Any:
        policy = handler(data)
        return policy if _constructing.get() else shared(policy)

    def calendar(self) -> WorkingCalendar:
        if self.extra_non_working_days:
            return WorkingCalendar((*self.non_working_days, *self.extra_non_working_days), self.covered_until())
        return WorkingCalendar(self.non_working_days, self.covered_until())

    def covered_until(self) -> date | None:
        """The last day the carried calendar covers: `calendar_until`, or for a policy
        recorded before it was kept, the end of the last year it lists (every Swedish
        year lists New Year's eve). None for an empty calendar."""
        if self.calendar_until is not None:
            return self.calendar_until
        if self.non_working_days:
            return date(max(self.non_working_days).year, 12, 31)
        return None

    def with_calendar(self, non_working_days: tuple[date, ...], until: date) -> "EscalationPolicy":
        """The same rules (same version, same fingerprint) with another calendar, shared."""
        return shared(self.model_copy(update={"non_working_days": tuple(sorted(set(non_working_days))), "calendar_until": until}))

    def rules(self) -> dict[str, Any]:
        """Every field but the built calendar, as canonical JSON values (sets sorted): what
        a policy file sets, what the register keeps and what the fingerprint covers."""
        return _canonical(self.model_dump(exclude=set(CALENDAR_FIELDS)))

    def fingerprint(self) -> str:
        """sha256 of the rules: two policies with the same fingerprint run cases alike."""
        return _digest(self.rules())

    def content_hash(self) -> str:
        """sha256 of everything, the calendar included: the key under which decoded policies are shared."""
        return _digest(_canonical(self.model_dump()))

    def task_days(self, kind: str) -> int:
        return self.task_working_days.get(kind, 5)

    @classmethod
    def sources(cls) -> dict[str, str]:
        """Field name -> the description citing where the default comes from (for the README and the console)."""
        return {name: field.description or "" for name, field in cls.model_fields.items()}


class CalendarExtension(Frozen):
    """A case asks the worker to rebuild its policy's calendar for more years: the
    rules stay as they are (same version, same fingerprint); only `non_working_days`
    and `calendar_until` grow. The answer is a local activity's result, so the case's
    history records it and replay never reads the `holidays` library or the clock."""

    policy: EscalationPolicy
    first_year: int = Field(ge=1900, le=9999)
    last_year: int = Field(ge=1900, le=9999)

    @model_validator(mode="after")
    def _a_span_of_years(self) -> "CalendarExtension":
        if not 0 <= self.last_year - self.first_year <= MAX_CALENDAR_SPAN_YEARS:
            raise ValueError(f"last_year must be first_year to first_year + {MAX_CALENDAR_SPAN_YEARS}")
        return self


def calendar_extension(policy: EscalationPolicy, now: datetime) -> CalendarExtension | None:
    """None while the policy's calendar reaches CALENDAR_MARGIN past `now` (or its
    coverage is unknown: an empty calendar); else the request for a calendar from its
    first year through CALENDAR_YEARS from now. Pure: `now` is the workflow's clock."""
    until = policy.covered_until()
    reach = now.date() + CALENDAR_MARGIN
    if until is None or reach <= until:
        return None
    first_year = min(policy.non_working_days).year if policy.non_working_days else now.year
    last_year = max(now.year + CALENDAR_YEARS - 1, reach.year)
    return CalendarExtension(policy=policy, first_year=min(first_year, now.year), last_year=last_year)


# -- one copy in memory ---------------------------------------------------------------

SHARED_LIMIT = 64
"""At most this many distinct policies are kept for sharing (a worker sees a handful:
one per version and calendar). Past it a decoded policy is simply not shared."""

_shared: dict[str, EscalationPolicy] = {}
_shared_ids: set[int] = set()
_spelled: dict[str, EscalationPolicy] = {}
"""The shared policy by a decoded policy's JSON: the fast path of `shared`."""
_constructing: ContextVar[bool] = ContextVar("trygg_policy_constructing", default=False)


def shared(policy: EscalationPolicy) -> EscalationPolicy:
    """The one instance with this policy's content: equal content gives the same object,
    different content a different one. Policies are frozen, so sharing is safe; the
    objects kept here live as long as the worker (their ids stay unique)."""
    if id(policy) in _shared_ids:
        return policy
    # A decoded policy's JSON (pydantic-core, microseconds) finds one seen before; only a
    # spelling not seen yet pays for the canonical content hash (a millisecond, more inside
    # the workflow sandbox, where every isinstance is wrapped), once.
    spelling = policy.model_dump_json()
    known = _spelled.get(spelling)
    if known is not None:
        return known
    key = policy.content_hash()
    known = _shared.get(key)
    if known is None:
        if len(_shared) >= SHARED_LIMIT:
            return policy
        _shared[key] = known = policy
        _shared_ids.add(id(policy))
    if len(_spelled) < 4 * SHARED_LIMIT:
        _spelled[spelling] = known
    return known


def _canonical(value: Any) -> Any:
    """JSON values with one spelling per content: sets sorted, enums by value, dates ISO."""
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump())
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(_canonical(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
