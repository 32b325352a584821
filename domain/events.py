"""What can happen to a case: the inputs of `domain.ladder.decide`.

Staff steps are events too: the step input models of `domain.steps` are passed to
`decide` as they are.
"""

from __future__ import annotations

from pydantic import AwareDatetime

from domain.models import DisturbanceReport, Frozen
from domain.records import NoticeAcknowledgement, NoticeOutcome
from domain.refusals import IntakeRefusal
from domain.state import PreventionOutcome


class ReportReceived(Frozen):
    report: DisturbanceReport


class ClockFired(Frozen):
    clock_id: str


class NoticeUndelivered(Frozen):
    """The partner channel gave up (retry budget spent, or a permanent error), or, with
    `no_partner`, found no partner in the directory that takes the notice (rules 2 only)."""

    notice_id: str
    detail: str = "delivery failed"
    no_partner: bool = False


class NoticeDelivered(Frozen):
    """The partner channel delivered the notice to these partners (send_notice's outcome).
    Under rules 2 a legal notice counts as given from this moment, not from its request."""

    notice_id: str
    delivered_to: tuple[str, ...] = ()


def notice_outcome_event(outcome: NoticeOutcome) -> NoticeDelivered | NoticeUndelivered:
    """What a send_notice outcome means for the case: delivered when the channel delivered
    to at least one partner and refused none; else undelivered, saying whether no partner
    takes the kind at all (`skipped`)."""
    if outcome.skipped:
        return NoticeUndelivered(notice_id=outcome.notice_id, detail="no partner takes this notice", no_partner=True)
    if outcome.failed_permanently or not outcome.delivered_to:
        refused = ", ".join(outcome.failed_permanently) or "no partner"
        return NoticeUndelivered(notice_id=outcome.notice_id, detail=f"failed permanently for {refused}")
    return NoticeDelivered(notice_id=outcome.notice_id, delivered_to=outcome.delivered_to)


class NoticeRedacted(Frozen):
    """The screen on what leaves cut a complainant's identity out of a notice (or, for an
    area picture, out of one of this case's report places) before it went: somebody typed
    it into free text, and the coordinator should see what (partners/screen.py). Carries
    the notice or picture id only, never what was cut."""

    notice_id: str


class NoticeAcknowledged(Frozen):
    acknowledgement: NoticeAcknowledgement


class PreventionResult(Frozen):
    """What the prevention track reports back to its case (child -> parent signal)."""

    case_id: str
    outcome: PreventionOutcome
    at: AwareDatetime


class PreventionFinished(Frozen):
    result: PreventionResult


class IntakeRefused(Frozen):
    """A report signal reached the open case but could not be taken in (see
    workflows/refused_intake.py): the case records it and the team lead gets a task."""

    refusal: IntakeRefusal
