"""The start argument of a case workflow, in a pure module of its own.

It lives in `domain/`, not beside the workflow, because the sandbox rebuilds a workflow
module's own classes for every workflow run: a pydantic model defined there would have its
whole schema (the case state, the policy) built again for each case in the worker's cache.
Imported through the sandbox, it is built once per worker.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.events import NoticeDelivered, NoticeRedacted, NoticeUndelivered, PreventionResult
from domain.models import DisturbanceReport
from domain.policy import EscalationPolicy
from domain.records import NoticeAcknowledgement
from domain.refusals import IntakeRefusal
from domain.state import CaseState


class CaseInput(BaseModel):
    """Start argument, and the continue-as-new argument (then `state` is set).

    Every field has a default: a starter passes `{}` (or nothing) and the report comes in
    the `file_report` Update. The worker owns the rest: `policy` is read only from histories
    recorded before the worker chose it (patch `worker-owned-case-input`), and `state` is
    accepted only on a continue-as-new of the same workflow."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    policy: EscalationPolicy | None = Field(
        default=None,
        description="Ignored since the worker gives a case its policy; kept so histories that carry it replay.",
    )
    state: CaseState | None = Field(default=None, description="Set only by continue-as-new.")
    pending_reports: list[DisturbanceReport] = Field(default_factory=list)
    pending_acknowledgements: list[NoticeAcknowledgement] = Field(default_factory=list)
    pending_prevention_results: list[PreventionResult] = Field(default_factory=list)
    pending_undelivered: list[NoticeUndelivered] = Field(default_factory=list)
    pending_refusals: list[IntakeRefusal] = Field(
        default_factory=list, description="Refused intakes not yet recorded, carried through continue-as-new."
    )
    pending_redactions: list[NoticeRedacted] = Field(default_factory=list)
    pending_delivered: list[NoticeDelivered] = Field(default_factory=list)
    search_attributes: bool = Field(
        default=True,
        description="Upsert Trygg's search attributes. Off only on the time-skipping test server, "
        "which cannot register custom attributes.",
    )
    max_history_events_before_continue: int | None = Field(
        default=None, ge=10, description="Tests force continue-as-new early; production leaves it to the server."
    )
