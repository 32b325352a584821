"""What a run counts, from the ladder's own commands and events.

Nothing here judges a case: the figures are read off what `decide` returned (stage
changes, recorded events, opened and closed tasks, notices), only inside the measured
window (after the warm-up), so a policy is judged on a year already under way.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from domain.models import Role
from domain.policy import TaskKind
from domain.records import NoticeKind
from domain.state import CaseStage, Outcome
from simulator.scenario import NOTICE_PARTNER

STAFF_ROLES = (
    Role.COORDINATOR, Role.SENIOR_COORDINATOR, Role.TEAM_LEAD, Role.TENANCY_LAWYER, Role.FIRE_SAFETY_OFFICER,
    Role.PREVENTION_TEAM,
)  # fmt: skip

REACHED_BY_EVENT = {
    "warning_issued": "warning",
    "prevention_started": "prevention",
    "termination_review_opened": "termination_review",
    "termination_approved": "termination",
}
CORRECTED = frozenset({Outcome.RESOLVED_IN_DIALOGUE, Outcome.CORRECTED_AFTER_WARNING, Outcome.ACTION_PLAN_FULFILLED})
LOST_HOME = frozenset({Outcome.TERMINATED, Outcome.TENANT_MOVED_OUT})


class Tally:
    """The counters of one run (one policy)."""

    def __init__(self, weeks: int) -> None:
        self.weeks = weeks
        self.reports_by_source: Counter[str] = Counter()
        self.night_patrol_reports = 0
        self.arrivals = 0
        self.new_disturbances = 0
        self.first_reports_founded = 0
        self.first_report_categories: Counter[str] = Counter()
        self.cases_opened = 0
        self.closed_by_outcome: Counter[str] = Counter()
        self.reached: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.overdue_by_kind: Counter[str] = Counter()
        self.notices: Counter[str] = Counter()
        self.hours: dict[Role, list[float]] = {role: [0.0] * weeks for role in STAFF_ROLES}
        self.open_tasks: list[int] = []
        self.overdue_tasks: list[int] = []
        self.stages: dict[str, list[int]] = {str(s): [] for s in CaseStage if s is not CaseStage.CLOSED}
        self.days_to_correction: list[float] = []
        self.working_days_to_first_contact: list[int] = []
        self.first_contact_tasks = 0
        self.homes_at_stake = 0
        self.homes_lost = 0
        self.refused_steps: Counter[str] = Counter()
        self.late_for_staff: Counter[str] = Counter()

    def event(self, kind: str, data: dict[str, Any]) -> None:
        self.events[kind] += 1
        reached = REACHED_BY_EVENT.get(kind)
        if reached:
            self.reached[reached] += 1
        if kind == "milestone" and data.get("milestone") == "eviction_carried_out":
            self.reached["eviction"] += 1
        if kind == "task_reminder":
            self.overdue_by_kind[str(data.get("task_kind"))] += 1

    def notice(self, kind: NoticeKind) -> None:
        self.notices[str(kind)] += 1

    def case_ended(self, outcome: Outcome | None, stage: CaseStage, verified: bool, days_open: float) -> None:
        """A case of the measured window closed, or stood open at the end (outcome None)."""
        if outcome is not None:
            self.closed_by_outcome[str(outcome)] += 1
            if outcome in CORRECTED:
                self.days_to_correction.append(days_open)
        if verified:
            self.homes_at_stake += 1
            if outcome in LOST_HOME or stage is CaseStage.LEGAL_PROCESS:
                self.homes_lost += 1

    def figures(self, headcount: dict[Role, int], case_hours_per_week: float, homes: int, days: float) -> dict[str, Any]:
        """The run's figures as plain JSON values."""
        by_partner: Counter[str] = Counter()
        for kind, n in self.notices.items():
            by_partner[NOTICE_PARTNER.get(NoticeKind(kind), "other")] += n
        staff = {}
        for role in STAFF_ROLES:
            weekly = self.hours[role]
            mean = statistics.fmean(weekly) if weekly else 0.0
            capacity = headcount[role] * case_hours_per_week
            staff[str(role)] = {
                "headcount": headcount[role],
                "hours_per_week_mean": round(mean, 1),
                "hours_per_week_max": round(max(weekly, default=0.0), 1),
                "utilisation": round(mean / capacity, 3) if capacity else None,
                "hours_per_week": [round(h, 1) for h in weekly],
            }
        nights = days  # one night per day of the measured period
        return {
            "reports": {
                "total": sum(self.reports_by_source.values()),
                "by_source": dict(sorted(self.reports_by_source.items())),
                "night_patrol_per_88000_homes_per_night": round(self.night_patrol_reports / nights * 88000 / homes, 2),
                "disturbances_arrived": self.arrivals,
                "new_disturbances": self.new_disturbances,
                "first_reports_founded": self.first_reports_founded,
                "first_report_categories": dict(sorted(self.first_report_categories.items())),
            },
            "cases": {
                "opened": self.cases_opened,
                "closed_by_outcome": dict(sorted(self.closed_by_outcome.items())),
                "reached": {k: self.reached.get(k, 0) for k in ("warning", "prevention", "termination_review",
                                                              "termination", "eviction")},  # fmt: skip
                "evictions_per_1000_homes_per_year": round(self.reached.get("eviction", 0) * 1000 / homes * 365.25 / days, 3),
                "median_days_to_correction": _median(self.days_to_correction),
                "share_keeping_home": round(1 - self.homes_lost / self.homes_at_stake, 4) if self.homes_at_stake else None,
                "homes_at_stake": self.homes_at_stake,
                "homes_lost": self.homes_lost,
            },
            "stages_weekly": self.stages,
            "backlog_weekly": {"open_tasks": self.open_tasks, "overdue_tasks": self.overdue_tasks},
            "staff": staff,
            "notices": {"by_kind": dict(sorted(self.notices.items())), "by_partner": dict(sorted(by_partner.items()))},
            "deadlines": {
                "first_contact_tasks": self.first_contact_tasks,
                "first_contacts_past_due": self.overdue_by_kind.get(TaskKind.FIRST_CONTACT, 0),
                "median_working_days_to_first_contact": _median(self.working_days_to_first_contact),
                "mean_working_days_to_first_contact": _mean(self.working_days_to_first_contact),
                "termination_windows_closed_unused": self.events.get("termination_window_closed", 0),
                "acknowledgements_missing": self.events.get("acknowledgement_missing", 0),
                "tasks_escalated_to_team_lead": self.events.get("task_escalated", 0),
                "tasks_past_due_by_kind": dict(sorted(self.overdue_by_kind.items())),
                "tasks_late_for_lack_of_staff_by_kind": dict(sorted(self.late_for_staff.items())),
                "tasks_late_for_lack_of_staff": sum(self.late_for_staff.values()),
            },
            "refused_steps": dict(sorted(self.refused_steps.items())),
        }


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 2) if values else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


