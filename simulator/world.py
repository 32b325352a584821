"""The synthetic world: disturbances, tenants and their random draws.

Randomness is kept per disturbance (one `random.Random` seeded from the run's seed and
the disturbance's number), never global: two runs with the same seed draw the same
numbers, and two policies compared on the same seed meet the same disturbances, tenants
and staff habits, so a difference between them comes from the policy (common random
numbers). Within one disturbance the draws are made in the order its story unfolds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from domain.models import Category, Complainant, DisturbanceReport, HousingForm, Severity, SourceKind, TenancyRef
from simulator.scenario import Scenario, Triangle

AREAS = ("Ryd", "Skäggetorp", "Berga", "Vasastaden", "Lambohov", "Johannelund", "Ekholmen", "Tornby")


class Stops(IntEnum):
    """The rung at which the tenant stops disturbing (NEVER: not on the ladder's own)."""

    DIALOGUE = 1
    WARNING = 2
    ACTION_PLAN = 3
    NEVER = 4


def pick(rng: random.Random, shares: dict) -> object:
    """One key of `shares`, drawn by its share (keys in their given order)."""
    x = rng.random()
    total = 0.0
    last = None
    for key, share in shares.items():
        total += share
        last = key
        if x < total:
            return key
    return last


def triangle(rng: random.Random, spread: Triangle) -> float:
    if spread.high == spread.low:
        return spread.low
    return rng.triangular(spread.low, spread.high, spread.mode)


@dataclass
class Disturbance:
    """One tenancy's disturbance: its first report, whether it is founded, when the tenant
    stops, and the tenant's own random stream."""

    number: int
    tenancy: TenancyRef
    rng: random.Random
    founded: bool
    stops: Stops
    category: Category
    first_source: SourceKind
    reports: int = 0
    stopped: bool = False
    ended: bool = False
    verdicts: dict[str, bool] = field(default_factory=dict)
    """external_ref -> whether staff will verify it."""
    reviews_calm: int = 0
    last_report_at: datetime | None = None


class World:
    """Draws disturbances and their reports from the scenario."""

    def __init__(self, scenario: Scenario, homes: int, seed: int) -> None:
        self.s = scenario
        self.homes = homes
        self.seed = seed
        self.arrivals = random.Random(f"{seed}:arrivals")

    def rate_per_hour(self) -> float:
        per_month = self.s.arrivals.new_disturbances_per_1000_homes_per_month.value * self.homes / 1000
        return per_month * 12 / (365.25 * 24)

    def next_gap_hours(self) -> float:
        return self.arrivals.expovariate(self.rate_per_hour())

    def tenancy(self, home: int) -> TenancyRef:
        rng = random.Random(f"{self.seed}:home:{home}")
        senior = rng.random() < self.s.arrivals.senior_housing_share.value
        form = (HousingForm.SENIOR_55 if rng.random() < 0.5 else HousingForm.SENIOR_70) if senior else HousingForm.ORDINARY
        return TenancyRef(
            tenancy_id=f"T{home:07d}",
            property_id=f"P{home // 40:05d}",
            area=AREAS[(home // 400) % len(AREAS)],
            housing_form=form,
            tenant_ids=(f"person-{home:07d}",),
        )

    def home(self) -> int:
        """The home the next new disturbance is in (drawn from the arrivals stream)."""
        return self.arrivals.randrange(self.homes)

    def disturbance(self, number: int, home: int) -> Disturbance:
        rng = random.Random(f"{self.seed}:disturbance:{number}")
        b = self.s.behaviour
        source = self._source(rng)
        founded = rng.random() < b.first_report_founded.value.get(source, 0.7)
        stops = Stops.DIALOGUE
        for rung, share in (
            (Stops.DIALOGUE, b.corrects_after_dialogue.value),
            (Stops.WARNING, b.corrects_after_warning.value),
            (Stops.ACTION_PLAN, b.corrects_during_action_plan.value),
        ):
            stops = rung
            if rng.random() < share:
                break
        else:
            stops = Stops.NEVER
        category = pick(rng, self.s.arrivals.category_mix.value)
        return Disturbance(number, self.tenancy(home), rng, founded, stops, category, source)

    def _source(self, rng: random.Random) -> SourceKind:
        if rng.random() < self.s.arrivals.night_patrol_share_of_first_reports.value:
            return SourceKind.SECURITY_COMPANY
        return pick(rng, self.s.arrivals.source_mix_otherwise.value)

    def report(self, d: Disturbance, now: datetime) -> DisturbanceReport:
        """The disturbance's next report, received `now`; its verdict is drawn with it."""
        rng = d.rng
        first = d.reports == 0
        source = d.first_source if first else self._source(rng)
        severity = pick(rng, self.s.arrivals.severity_mix.value)
        category = d.category if first or rng.random() < 0.8 else pick(rng, self.s.arrivals.category_mix.value)
        contact = rng.random() < self.s.arrivals.complainant_contact_share.value
        d.reports += 1
        ref = f"sim-{d.number}-{d.reports}"
        verified = d.founded if first else (d.founded and rng.random() < self.s.behaviour.later_report_verified.value)
        d.verdicts[ref] = verified
        d.last_report_at = now
        return DisturbanceReport(
            external_ref=ref,
            source_kind=source,
            category=category,
            severity=severity if d.founded else Severity.NORMAL,
            occurred_at=now - timedelta(minutes=rng.randrange(20, 360)),
            place="stairwell",
            tenancy=d.tenancy,
            complainant=Complainant(person_id=f"c-{d.number}", contact="complainant@example.invalid") if contact else None,
        )

    def repeat_gap_days(self, d: Disturbance) -> float:
        return triangle(d.rng, self.s.arrivals.repeat_every_days.value)
