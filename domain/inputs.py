"""The start argument of a case workflow, in a pure module of its own.

It lives in `domain/`, not beside the workflow, because the sandbox rebuilds a workflow
module's own classes for every workflow run: a pydantic model defined there would have its
whole schema (the case state, the policy) built again for each case in the worker's cache.
Imported through the sandbox, it is built once per worker.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.events import NoticeDelivered, NoticeUndelivered, PreventionResult
from domain.models import DisturbanceReport
from domain.policy import EscalationPolicy
from domain.records import NoticeAcknowledgement
from domain.state import CaseState


class CaseInput(BaseModel):
    """Start argument, and the continue-as-new argument (then `state` is set)."""

    model_config = ConfigDict(extra="forbid")

    policy: EscalationPolicy
    state: CaseState | None = Field(default=None, description="Set only by continue-as-new.")
    pending_reports: list[DisturbanceReport] = Field(default_factory=list)
    pending_acknowledgements: list[NoticeAcknowledgement] = Field(default_factory=list)
    pending_prevention_results: list[PreventionResult] = Field(default_factory=list)
    pending_undelivered: list[NoticeUndelivered] = Field(default_factory=list)
    pending_delivered: list[NoticeDelivered] = Field(default_factory=list)
    search_attributes: bool = Field(
        default=True,
        description="Upsert Trygg's search attributes. Off only on the time-skipping test server, "
        "which cannot register custom attributes.",
    )
    max_history_events_before_continue: int | None = Field(
        default=None, ge=10, description="Tests force continue-as-new early; production leaves it to the server."
    )
