"""What can happen to a case: the inputs of `domain.ladder.decide`.

Staff steps are events too: the step input models of `domain.steps` are passed to
`decide` as they are.
"""

from __future__ import annotations

from pydantic import AwareDatetime

from domain.models import DisturbanceReport, Frozen
from domain.records import NoticeAcknowledgement
from domain.refusals import IntakeRefusal
from domain.state import PreventionOutcome


class ReportReceived(Frozen):
    report: DisturbanceReport


class ClockFired(Frozen):
    clock_id: str


class NoticeUndelivered(Frozen):
    """The partner channel gave up (retry budget spent, or a permanent error)."""

    notice_id: str
    detail: str = "delivery failed"


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
