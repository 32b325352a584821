"""The policy in force: the worker, never the client, decides the rules a case runs by.

A case asks for it once, when it opens, as a local activity, so the answer is recorded
in its history (replay stays deterministic) and kept in the case's state for its life,
through continue-as-new. The worker holds one policy, read at start from
`TRYGG_POLICY_FILE` (runtime.policy_file) or the built-in defaults; the Swedish
calendar comes from `holidays`, which the sandbox cannot run, so it is built here, for
the year a case opens and the years after it.

A case that outlives its calendar asks `extend_calendar` with its own policy (which may
be an older version than the worker's): the answer has the same rules and a calendar
reaching further, recorded in history like the first answer (workflows.policy_calls).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from temporalio import activity

from domain.policy import CalendarExtension, EscalationPolicy
from domain.records import ActivityName
from runtime.calendar import with_swedish_calendar
from runtime.policy_file import PolicyInForce


def _today() -> date:
    return datetime.now(UTC).date()


class PolicyActivities:
    """Holds the worker's policy and answers the cases that ask for it.

    Given a plain `EscalationPolicy` it answers with exactly that policy (tests, stand-ins);
    given a `PolicyInForce` it answers with the rules and the calendar of the current year
    onwards, one shared object per year."""

    def __init__(self, policy: EscalationPolicy | PolicyInForce, *, today: Callable[[], date] = _today) -> None:
        self._policy = policy
        self._today = today

    @property
    def policy(self) -> EscalationPolicy:
        if isinstance(self._policy, PolicyInForce):
            return self._policy.for_year(self._today().year)
        return self._policy

    @activity.defn(name=ActivityName.POLICY_IN_FORCE)
    async def policy_in_force(self) -> EscalationPolicy:
        return self.policy

    @activity.defn(name=ActivityName.EXTEND_CALENDAR)
    async def extend_calendar(self, request: CalendarExtension) -> EscalationPolicy:
        """The case's own rules (whatever version) with the Swedish calendar of the years asked for."""
        return with_swedish_calendar(request.policy, request.first_year, request.last_year)

    def activities(self) -> list:
        return [self.policy_in_force, self.extend_calendar]
