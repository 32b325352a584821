"""What a case asks before it opens, in one local activity instead of two: the register's
earlier report under the external_ref (activities.register.find_report) and the worker's
policy in force (activities.policy). Each local activity is a marker in the case's history
and, in Temporal's SDK core, a few KiB of every cached case's memory; the opening asked
both, always together (workflows.case.OPENING_LOOKUP)."""

from __future__ import annotations

from typing import Protocol

from temporalio import activity

from activities.register import RegisterActivities
from domain.intake import OpeningLookup, PriorReportQuery
from domain.policy import EscalationPolicy
from domain.records import ActivityName


class PolicySource(Protocol):
    """Whatever holds the worker's policy in force: activities.policy.PolicyActivities, or a test's stand-in."""

    @property
    def policy(self) -> EscalationPolicy: ...


class OpeningActivities:
    def __init__(self, register: RegisterActivities, policy: PolicySource) -> None:
        self._register = register
        self._policy = policy

    @activity.defn(name=ActivityName.LOOK_UP_OPENING)
    async def look_up_opening(self, query: PriorReportQuery) -> OpeningLookup:
        return OpeningLookup(prior=await self._register.find_report(query), policy=self._policy.policy)

    def activities(self) -> list:
        return [self.look_up_opening]
