"""The policy in force: the worker, never the client, decides the rules a case runs by.

A case asks for it once, when it opens, as a local activity, so the answer is recorded
in its history (replay stays deterministic) and kept in the case's state for its life,
through continue-as-new. The worker holds one policy, built at start outside any
workflow (the Swedish calendar comes from `holidays`, which the sandbox cannot run).
"""

from __future__ import annotations

from temporalio import activity

from domain.policy import EscalationPolicy
from domain.records import ActivityName


class PolicyActivities:
    """Holds the worker's policy and answers the cases that ask for it."""

    def __init__(self, policy: EscalationPolicy) -> None:
        self._policy = policy

    @property
    def policy(self) -> EscalationPolicy:
        return self._policy

    @activity.defn(name=ActivityName.POLICY_IN_FORCE)
    async def policy_in_force(self) -> EscalationPolicy:
        return self._policy

    def activities(self) -> list:
        return [self.policy_in_force]
