"""The statute's checks, each beside the paragraph it enforces.

Jordabalken 12 kap. (hyreslagen) and the cases that read it decide when a disturbance
case may move on; the versioned policy (`domain.policy`) decides only what the law
leaves to the landlord. This module is where a reader finds each legal rule of the
ladder once, apart from a turn's mechanics (ids, clocks, tasks, register writes) in
`domain.ladder` and the step plumbing in `domain.steps`, which both ask here.

Every function is pure and judges a `CaseState` that runs under the law's rules
(`CaseState.law`, rules 2); cases opened before them keep the ladder they opened with.
A refusal is a sentence for the person who tried, naming the paragraph.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.calendar import add_months
from domain.models import Severity
from domain.policy import EscalationPolicy
from domain.records import NoticeKind
from domain.state import CaseState, Outcome, ReportEntry

TERMINATION_WINDOW_MONTHS = 2
"""12 kap. 43 § jordabalken: a lease is not forfeited if the landlord has not given notice
within two months of learning of the ground. The policy may choose a shorter window
(`termination_window_months`), never a longer one."""

LEGAL_DUTIES: dict[NoticeKind, str] = {
    NoticeKind.WARNING_TO_TENANT: "12 kap. 25 § jordabalken: tillsägelse to the tenant that the disturbances stop at once",
    NoticeKind.WARNING_COPY: "12 kap. 25 § jordabalken: a copy of the tillsägelse to socialnämnden",
    NoticeKind.DISTURBANCE_NOTICE: "12 kap. 25 § jordabalken: underrättelse till socialnämnden",
    NoticeKind.TERMINATION_NOTICE: "12 kap. 44 § jordabalken: underrättelse till socialnämnden vid uppsägning",
}
"""The notices the law requires. Each counts as given only once delivered (by a partner
channel, or by hand by a named member of staff); one that no partner takes or that could
not be delivered becomes a deliver-by-hand task at once. The disturbance notice that the
policy sends on a particularly serious disturbance is a courtesy, not a duty (12 kap. 42 §
första stycket 6: no notice is needed then), and is marked as not required."""


class GroundBasis(StrEnum):
    """Why the landlord learned of the ground later than the report's receipt."""

    CRIMINAL_JUDGMENT_FINAL = "criminal_judgment_final"  # a contested judgment became final (NJA 2008 s. 243)
    LATER_KNOWLEDGE = "later_knowledge"  # the facts reached the landlord later (the lawyer says how in the reason)


def notice_required(kind: NoticeKind) -> bool:
    """12 kap. 25 och 44 §§: the tillsägelse, its copy, the notice to social services and
    the notice at termination are legal duties; every other notice is practice or policy."""
    return kind in LEGAL_DUTIES


# -- 12 kap. 25 §, RH 2018:23: the warning ---------------------------------------------------
def warning_refusal(state: CaseState) -> str | None:
    """A formal warning needs a verified disturbance: courts have rejected warnings resting
    on neighbours' reports alone (RH 2018:23)."""
    if not state.has_verified_report():
        return (
            "A formal warning needs at least one verified report: courts have rejected warnings that "
            "rested only on neighbours' reports (RH 2018:23). Verify a report first."
        )
    return None


# -- 12 kap. 42 § första stycket 6, 25 §, RH 2004:38: termination -------------------------------
def disturbance_after_warning(state: CaseState) -> ReportEntry | None:
    """The latest verified disturbance that occurred after the warning reached the tenant:
    12 kap. 42 § första stycket 6 forfeits the tenancy only if the disturbances went on
    after the tillsägelse."""
    if state.warned_at is None:
        return None
    later = [r for r in state.reports if r.verified and r.occurred_at > state.warned_at]
    return max(later, key=lambda r: r.received_at, default=None)


def termination_missing(state: CaseState) -> list[str]:
    """What termination still lacks, in words, unless the disturbance is particularly
    serious (12 kap. 42 § första stycket 6 andra meningen: then neither warning nor notice)."""
    if state.particularly_serious:
        return []
    missing = []
    if state.warned_at is None:
        missing.append("a warning (tillsägelse) delivered to the tenant (12 kap. 25 §, 42 § första stycket 6)")
    if state.social_services_notified_at is None:
        missing.append("a notice to social services that was delivered (12 kap. 25 §, RH 2004:38)")
    if state.warned_at is not None and disturbance_after_warning(state) is None:
        missing.append(
            "a verified disturbance that occurred after the warning was delivered "
            "(12 kap. 42 § första stycket 6: the disturbances must have gone on)"
        )
    return missing


def termination_refusal(state: CaseState, now: datetime) -> str | None:
    """Termination: the preconditions of 42 § and the window of 43 §, judged at `now`."""
    missing = termination_missing(state)
    if missing:
        return "Termination is not possible yet; it needs " + "; and ".join(missing) + "."
    return window_refusal(state, now)


# -- 12 kap. 43 §, NJA 2008 s. 243: the two-month window ----------------------------------------
def ground_report(state: CaseState) -> ReportEntry | None:
    """The verified report termination would rest on: the latest received. On a particularly
    serious case only a particularly serious report grounds termination without warning."""
    verified = [r for r in state.reports if r.verified]
    if state.particularly_serious:
        verified = [r for r in verified if r.severity is Severity.PARTICULARLY_SERIOUS] or verified
    return max(verified, key=lambda r: r.received_at, default=None)


def learned_of_ground(state: CaseState, now: datetime) -> datetime:
    """When the landlord learned of the ground (12 kap. 43 §): by default the receipt of the
    report that grounds it; a later date the tenancy lawyer recorded wins (NJA 2008 s. 243:
    a contested criminal judgment, from when it became final)."""
    report = ground_report(state)
    candidates = [d for d in (report.received_at if report else None, state.ground_learned_at) if d is not None]
    return max(candidates, default=now)


def window_closes_at(learned_at: datetime, policy: EscalationPolicy) -> datetime:
    """12 kap. 43 §: two months (calendar months) from learning of the ground."""
    return add_months(learned_at, min(policy.termination_window_months, TERMINATION_WINDOW_MONTHS))


def window_refusal(state: CaseState, now: datetime) -> str | None:
    closes = state.termination_window_closes_at
    if closes is None or now >= closes:
        when = f" at {closes.isoformat()}" if closes else ""
        return (
            f"The termination window closed{when}: notice must be given within two months of learning of the "
            "ground (12 kap. 43 § jordabalken). A later date of learning can be recorded with record_ground_learned."
        )
    return None


def ground_learned_refusal(state: CaseState, learned_at: datetime, now: datetime) -> str | None:
    """A later date of learning moves the window (NJA 2008 s. 243); never an earlier one,
    never one still to come, and never one whose window has already closed."""
    if learned_at > now:
        return "The date the landlord learned of the ground cannot lie in the future; record it once it has come."
    current = learned_of_ground(state, now)
    if learned_at <= current:
        return (
            f"The window already runs from {current.isoformat()}; only a later date of learning moves it "
            "(12 kap. 43 §, NJA 2008 s. 243)."
        )
    if window_closes_at(learned_at, state.policy) <= now:
        return "A window from that date has already closed (12 kap. 43 §): two months from learning of the ground."
    return None


# -- the record: outcomes that agree with it ---------------------------------------------------
def outcome_refusal(state: CaseState, outcome: Outcome) -> str | None:
    """`unfounded` says no disturbance was shown; a verified report says one was."""
    if outcome is Outcome.UNFOUNDED and state.has_verified_report():
        return "A case with a verified report cannot close as unfounded: the record shows a disturbance."
    return None


def duty_required(state: CaseState, kind: NoticeKind) -> bool:
    """Whether the law asks for this notice on this case now: it was sent as a duty, or the
    case stands before termination and termination cannot go without it (12 kap. 25 §,
    42 § första stycket 6), or the lease was terminated (12 kap. 44 §)."""
    if any(n.kind is kind and n.required for n in state.notices):
        return True
    if kind is NoticeKind.TERMINATION_NOTICE:
        return state.outcome is Outcome.TERMINATED or state.milestones != []
    return kind in LEGAL_DUTIES and state.ground_learned_at is not None and not state.particularly_serious
